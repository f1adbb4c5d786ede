package io.aquifer.storage.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared Reed-Solomon logic: the Cauchy encoding matrix, decode planning (inverting the k x k
 * sub-matrix of surviving rows) and argument checks. The byte crunching is the kernel's.
 *
 * <p>A reconstruct multiplies the first k present shards by one matrix whose rows rebuild every
 * missing shard at once: for a missing data shard its row of the inverse, for a missing parity
 * shard its encoding row times the inverse. So parity is rebuilt from the survivors in the same
 * pass as data, never from rebuilt data. Plans are cached per set of present shards.
 *
 * @param <T> the kernel's prepared-table type
 */
final class RsCodec<T> implements ErasureCodec {

  /** Plans cached per codec before the cache is reset; a few failure patterns are the norm. */
  private static final int MAX_CACHED_PLANS = 256;

  /** One kernel call: which shards are read, which are written, and the prepared matrix. */
  private record Plan<T>(int[] inputs, int[] outputs, T tables) {}

  private final GfKernel<T> kernel;
  private final int k;
  private final int m;
  private final byte[] encodeMatrix;
  private final Plan<T> encodePlan;
  private final ConcurrentHashMap<Integer, Plan<T>> decodePlans = new ConcurrentHashMap<>();

  RsCodec(GfKernel<T> kernel, int k, int m) {
    this.kernel = kernel;
    this.k = k;
    this.m = m;
    this.encodeMatrix = Gf.cauchyMatrix(k, m);
    int[] data = range(0, k);
    int[] parity = range(k, k + m);
    byte[] parityRows = Arrays.copyOfRange(encodeMatrix, k * k, (k + m) * k);
    this.encodePlan = m == 0 ? null : new Plan<>(data, parity, kernel.prepare(parityRows, m, k));
  }

  @Override
  public int dataShards() {
    return k;
  }

  @Override
  public int parityShards() {
    return m;
  }

  @Override
  public String name() {
    return kernel.name();
  }

  /** The (k + m) x k encoding matrix, row-major; a copy. */
  byte[] encodeMatrix() {
    return encodeMatrix.clone();
  }

  @Override
  public void encode(ByteBuffer[] shards, int offset, int length) {
    checkShards(shards, offset, length);
    if (encodePlan == null) {
      return;
    }
    checkWritable(shards, encodePlan.outputs());
    if (length > 0) {
      kernel.multiply(
          encodePlan.tables(), shards, encodePlan.inputs(), encodePlan.outputs(), offset, length);
    }
  }

  @Override
  public void reconstruct(ByteBuffer[] shards, boolean[] present, int offset, int length) {
    checkShards(shards, offset, length);
    Objects.requireNonNull(present, "present");
    if (present.length != k + m) {
      throw new IllegalArgumentException(
          "present has " + present.length + " entries, expected k + m = " + (k + m));
    }
    int mask = 0;
    int count = 0;
    for (int i = 0; i < present.length; i++) {
      if (present[i]) {
        mask |= 1 << i;
        count++;
      }
    }
    if (count == k + m) {
      return;
    }
    if (count < k) {
      throw new IllegalArgumentException(
          "cannot reconstruct: "
              + count
              + " shards present, at least k = "
              + k
              + " needed (RS("
              + k
              + ","
              + m
              + "))");
    }
    Plan<T> plan = decodePlans.get(mask);
    if (plan == null) {
      if (decodePlans.size() >= MAX_CACHED_PLANS) {
        decodePlans.clear();
      }
      plan = decodePlans.computeIfAbsent(mask, this::decodePlan);
    }
    checkWritable(shards, plan.outputs());
    if (length > 0) {
      kernel.multiply(plan.tables(), shards, plan.inputs(), plan.outputs(), offset, length);
    }
  }

  private Plan<T> decodePlan(int presentMask) {
    int[] survivors = new int[k];
    int[] missing = new int[k + m - Integer.bitCount(presentMask)];
    for (int i = 0, s = 0, x = 0; i < k + m; i++) {
      if ((presentMask & (1 << i)) == 0) {
        missing[x++] = i;
      } else if (s < k) {
        survivors[s++] = i;
      }
    }
    byte[] sub = new byte[k * k];
    for (int r = 0; r < k; r++) {
      System.arraycopy(encodeMatrix, survivors[r] * k, sub, r * k, k);
    }
    byte[] inverse = Gf.invert(sub, k);
    byte[] rows = new byte[missing.length * k];
    for (int r = 0; r < missing.length; r++) {
      int shard = missing[r];
      if (shard < k) {
        System.arraycopy(inverse, shard * k, rows, r * k, k);
      } else {
        for (int j = 0; j < k; j++) {
          int acc = 0;
          for (int i = 0; i < k; i++) {
            acc ^= Gf.mul(encodeMatrix[shard * k + i], inverse[i * k + j]);
          }
          rows[r * k + j] = (byte) acc;
        }
      }
    }
    return new Plan<>(survivors, missing, kernel.prepare(rows, missing.length, k));
  }

  private void checkShards(ByteBuffer[] shards, int offset, int length) {
    Objects.requireNonNull(shards, "shards");
    if (shards.length != k + m) {
      throw new IllegalArgumentException(
          "got " + shards.length + " shards, expected k + m = " + (k + m));
    }
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset " + offset + " or length " + length);
    }
    long end = (long) offset + length;
    for (int i = 0; i < shards.length; i++) {
      ByteBuffer b = shards[i];
      if (b == null) {
        throw new IllegalArgumentException("shard " + i + " is null");
      }
      if (end > b.limit()) {
        throw new IllegalArgumentException(
            "shard " + i + " has limit " + b.limit() + ", needs at least offset + length = " + end);
      }
    }
  }

  private static void checkWritable(ByteBuffer[] shards, int[] outputs) {
    for (int i : outputs) {
      if (shards[i].isReadOnly()) {
        throw new IllegalArgumentException("shard " + i + " is an output but read-only");
      }
    }
  }

  private static int[] range(int from, int to) {
    int[] a = new int[to - from];
    for (int i = 0; i < a.length; i++) {
      a[i] = from + i;
    }
    return a;
  }
}
