package io.aquifer.storage.codec;

import static io.aquifer.storage.codec.CodecTestSupport.bytes;
import static io.aquifer.storage.codec.CodecTestSupport.copy;
import static io.aquifer.storage.codec.CodecTestSupport.copyMixed;
import static io.aquifer.storage.codec.CodecTestSupport.fill;
import static io.aquifer.storage.codec.CodecTestSupport.kinds;
import static io.aquifer.storage.codec.CodecTestSupport.randomShards;
import static io.aquifer.storage.codec.CodecTestSupport.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reconstruction rebuilds exactly the original bytes for every combination of up to m lost shards
 * (data and parity), with every implementation, and leaves bytes outside the range alone.
 */
class ReconstructTest {

  @ParameterizedTest(name = "RS({0},{1}) length {2} offset {3}")
  @CsvSource({
    "4, 2, 1000, 3",
    "8, 3, 777, 64",
    "12, 4, 301, 1",
    "1, 1, 129, 0",
    "2, 2, 65, 5",
    "3, 0, 100, 2",
    "1, 15, 70, 9",
    "6, 6, 200, 0",
  })
  void everyLossPatternUpToM(int k, int m, int length, int offset) {
    Random random = new Random(31L * k + m);
    int n = k + m;
    int capacity = offset + length + 11;
    ByteBuffer[] original = randomShards(n, capacity, true, random);
    ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(original, offset, length);
    byte[][] expected = snapshot(original);
    for (CodecKind kind : kinds()) {
      ErasureCodec codec = ErasureCodecs.create(kind, k, m);
      for (int lost = 1; lost < (1 << n); lost++) {
        if (Integer.bitCount(lost) > m) {
          continue;
        }
        boolean direct = (lost & 1) == 0;
        ByteBuffer[] shards = copy(original, direct);
        boolean[] present = new boolean[n];
        for (int i = 0; i < n; i++) {
          present[i] = (lost & (1 << i)) == 0;
          if (!present[i]) {
            fill(shards[i], offset, offset + length, random);
          }
        }
        codec.reconstruct(shards, present, offset, length);
        String what = kind + " RS(" + k + "," + m + ") lost mask " + Integer.toBinaryString(lost);
        for (int i = 0; i < n; i++) {
          assertArrayEquals(expected[i], bytes(shards[i]), what);
        }
      }
    }
  }

  @ParameterizedTest(name = "RS({0},{1}) 1 MiB")
  @CsvSource({"4, 2", "8, 3", "12, 4"})
  void largeStripesLoseDataAndParity(int k, int m) {
    Random random = new Random(k);
    int length = 1 << 20;
    ByteBuffer[] original = randomShards(k + m, length + 7, true, random);
    ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(original, 7, length);
    byte[][] expected = snapshot(original);
    int[][] patterns = {{0}, {k}, {1, k + m - 1}, lossOfFirst(m), lossOfLast(k, m)};
    for (CodecKind kind : kinds()) {
      ErasureCodec codec = ErasureCodecs.create(kind, k, m);
      for (int[] pattern : patterns) {
        for (boolean direct : new boolean[] {true, false}) {
          ByteBuffer[] shards = copy(original, direct);
          boolean[] present = new boolean[k + m];
          java.util.Arrays.fill(present, true);
          for (int i : pattern) {
            present[i] = false;
            fill(shards[i], 7, 7 + length, random);
          }
          codec.reconstruct(shards, present, 7, length);
          for (int i = 0; i < k + m; i++) {
            assertArrayEquals(expected[i], bytes(shards[i]), kind + " shard " + i);
          }
        }
      }
    }
  }

  @Property(tries = 60)
  void randomLossesOnMixedBuffers(
      @ForAll @IntRange(min = 1, max = 15) int k,
      @ForAll @IntRange(min = 1, max = 15) int mRaw,
      @ForAll @IntRange(min = 1, max = 70_000) int length,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int lossBits,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int directMask,
      @ForAll long seed) {
    int m = 1 + (mRaw - 1) % (16 - k);
    int n = k + m;
    Random random = new Random(seed);
    ByteBuffer[] original = randomShards(n, length, true, random);
    ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(original, 0, length);
    byte[][] expected = snapshot(original);
    boolean[] present = new boolean[n];
    int lost = 0;
    for (int i = 0; i < n; i++) {
      present[i] = (lossBits & (1 << i)) == 0 || lost >= m;
      if (!present[i]) {
        lost++;
      }
    }
    for (CodecKind kind : kinds()) {
      ByteBuffer[] shards = copyMixed(original, directMask);
      for (int i = 0; i < n; i++) {
        if (!present[i]) {
          fill(shards[i], 0, length, random);
        }
      }
      ErasureCodecs.create(kind, k, m).reconstruct(shards, present, 0, length);
      for (int i = 0; i < n; i++) {
        assertArrayEquals(expected[i], bytes(shards[i]), kind + " shard " + i);
      }
    }
  }

  private static int[] lossOfFirst(int m) {
    int[] out = new int[m];
    for (int i = 0; i < m; i++) {
      out[i] = i;
    }
    return out;
  }

  private static int[] lossOfLast(int k, int m) {
    int[] out = new int[m];
    for (int i = 0; i < m; i++) {
      out[i] = k + m - 1 - i;
    }
    return out;
  }
}
