package io.aquifer.storage.codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Java Vector API kernel: the split-nibble table lookup of ISA-L's AVX kernels. For each
 * coefficient c there are two 16-entry tables, {@code c * x} and {@code c * (x << 4)} for x in
 * 0..15, replicated to the vector length, so that one lane-wise {@code selectFrom} (a {@code
 * vpermb} on AVX-512) multiplies a vector's low or high nibbles by c.
 *
 * <p>Layout of the work, as in ISA-L: the outer loop walks the stripe one vector at a time; for
 * each vector position every input is loaded once and multiplied into up to {@value #GROUP} output
 * accumulators held in registers, which are stored once. More rows take more passes. No masking is
 * needed: {@code selectFrom} wraps indices modulo the vector length, and the replicated tables make
 * the stray bits above the nibble irrelevant. A tail shorter than a vector is done by recomputing
 * the last whole vector (outputs are a pure function of the inputs at the same offsets), or by a
 * scalar loop when the whole range is shorter than a vector.
 *
 * <p>Loads and stores go through one segment spanning all native memory, at addresses that {@link
 * NativeKernel} has checked (the buffers) or that this class allocated (the tables, in native
 * memory kept alive by {@link Tables}). This keeps per-segment bounds and liveness checks out of
 * the inner loop; with ordinary segments and a {@code byte[]} of tables the loop ran about 40%
 * slower.
 */
@SuppressWarnings("restricted")
final class VectorKernel extends NativeKernel<VectorKernel.Tables> {

  static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;
  private static final int VLEN = SPECIES.length();
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final int GROUP = 4;

  /** All native memory: indices are absolute addresses. */
  private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  /**
   * Lookup tables for a {@code rows x k} matrix, in native memory freed when this record becomes
   * unreachable. For input j and row r, the low-nibble table starts at {@code (j * rows + r) * 2 *
   * VLEN} of {@code lut} and the high-nibble table follows it.
   */
  record Tables(byte[] matrix, int rows, int k, MemorySegment lut) {}

  /** Whether this JVM's preferred vectors can hold a 16-entry table (true on x86-64 and ARM). */
  static boolean supported() {
    return VLEN >= 16;
  }

  @Override
  public String name() {
    return "vector";
  }

  @Override
  public Tables prepare(byte[] matrix, int rows, int k) {
    byte[] lut = new byte[rows * k * 2 * VLEN];
    for (int j = 0; j < k; j++) {
      for (int r = 0; r < rows; r++) {
        int c = matrix[r * k + j] & 0xFF;
        int base = (j * rows + r) * 2 * VLEN;
        for (int lane = 0; lane < VLEN; lane++) {
          int x = lane & 0x0F;
          lut[base + lane] = (byte) Gf.mul(c, x);
          lut[base + VLEN + lane] = (byte) Gf.mul(c, x << 4);
        }
      }
    }
    MemorySegment table = Arena.ofAuto().allocate(lut.length, 64);
    MemorySegment.copy(lut, 0, table, ValueLayout.JAVA_BYTE, 0, lut.length);
    return new Tables(matrix.clone(), rows, k, table);
  }

  @Override
  void multiplyNative(Tables t, Scratch s, int k, int rows, int length) {
    long[] in = s.in;
    long[] out = s.out;
    if (length < VLEN) {
      for (int r = 0; r < rows; r++) {
        scalarRow(t.matrix(), r * k, in, k, out[r], length);
      }
      return;
    }
    long bulk = length - length % VLEN;
    for (int r0 = 0; r0 < rows; r0 += GROUP) {
      int n = Math.min(GROUP, rows - r0);
      group(t, in, k, out, r0, n, 0, bulk);
      if (bulk != length) {
        group(t, in, k, out, r0, n, length - VLEN, length);
      }
    }
  }

  /** The scalar tail: one output row over {@code length} bytes. */
  private static void scalarRow(
      byte[] matrix, int rowStart, long[] in, int k, long out, int length) {
    for (int i = 0; i < length; i++) {
      int acc = 0;
      for (int j = 0; j < k; j++) {
        acc ^= Gf.mul(matrix[rowStart + j], ALL.get(ValueLayout.JAVA_BYTE, in[j] + i));
      }
      ALL.set(ValueLayout.JAVA_BYTE, out + i, (byte) acc);
    }
  }

  private static void group(
      Tables t, long[] in, int k, long[] out, int r0, int n, long from, long to) {
    long lut = t.lut().address();
    int base = r0 * 2 * VLEN;
    int stride = t.rows() * 2 * VLEN;
    switch (n) {
      case 1 -> dot1(lut, base, stride, in, k, out[r0], from, to);
      case 2 -> dot2(lut, base, stride, in, k, out[r0], out[r0 + 1], from, to);
      case 3 -> dot3(lut, base, stride, in, k, out[r0], out[r0 + 1], out[r0 + 2], from, to);
      default ->
          dot4(lut, base, stride, in, k, out[r0], out[r0 + 1], out[r0 + 2], out[r0 + 3], from, to);
    }
  }

  private static ByteVector load(long address) {
    return ByteVector.fromMemorySegment(SPECIES, ALL, address, ORDER);
  }

  /** The high nibble of each byte, in the low bits of the lane; the bits above are don't-care. */
  private static ByteVector hi(ByteVector x) {
    return x.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
  }

  /** {@code c * x} for the coefficient whose tables start at {@code lut[t]}. */
  private static ByteVector product(long lut, int t, ByteVector x, ByteVector hi) {
    ByteVector l = x.selectFrom(load(lut + t));
    ByteVector h = hi.selectFrom(load(lut + t + VLEN));
    return l.lanewise(VectorOperators.XOR, h);
  }

  private static ByteVector mulAdd(ByteVector acc, long lut, int t, ByteVector x, ByteVector hi) {
    return acc.lanewise(VectorOperators.XOR, product(lut, t, x, hi));
  }

  private static void dot1(
      long lut, int base, int stride, long[] in, int k, long o0, long from, long to) {
    for (long i = from; i < to; i += VLEN) {
      ByteVector x = load(in[0] + i);
      ByteVector hi = hi(x);
      ByteVector a0 = product(lut, base + 0 * VLEN, x, hi);
      for (int j = 1; j < k; j++) {
        int t = base + j * stride;
        x = load(in[j] + i);
        hi = hi(x);
        a0 = mulAdd(a0, lut, t + 0 * VLEN, x, hi);
      }
      a0.intoMemorySegment(ALL, o0 + i, ORDER);
    }
  }

  private static void dot2(
      long lut, int base, int stride, long[] in, int k, long o0, long o1, long from, long to) {
    for (long i = from; i < to; i += VLEN) {
      ByteVector x = load(in[0] + i);
      ByteVector hi = hi(x);
      ByteVector a0 = product(lut, base + 0 * VLEN, x, hi);
      ByteVector a1 = product(lut, base + 2 * VLEN, x, hi);
      for (int j = 1; j < k; j++) {
        int t = base + j * stride;
        x = load(in[j] + i);
        hi = hi(x);
        a0 = mulAdd(a0, lut, t + 0 * VLEN, x, hi);
        a1 = mulAdd(a1, lut, t + 2 * VLEN, x, hi);
      }
      a0.intoMemorySegment(ALL, o0 + i, ORDER);
      a1.intoMemorySegment(ALL, o1 + i, ORDER);
    }
  }

  private static void dot3(
      long lut,
      int base,
      int stride,
      long[] in,
      int k,
      long o0,
      long o1,
      long o2,
      long from,
      long to) {
    for (long i = from; i < to; i += VLEN) {
      ByteVector x = load(in[0] + i);
      ByteVector hi = hi(x);
      ByteVector a0 = product(lut, base + 0 * VLEN, x, hi);
      ByteVector a1 = product(lut, base + 2 * VLEN, x, hi);
      ByteVector a2 = product(lut, base + 4 * VLEN, x, hi);
      for (int j = 1; j < k; j++) {
        int t = base + j * stride;
        x = load(in[j] + i);
        hi = hi(x);
        a0 = mulAdd(a0, lut, t + 0 * VLEN, x, hi);
        a1 = mulAdd(a1, lut, t + 2 * VLEN, x, hi);
        a2 = mulAdd(a2, lut, t + 4 * VLEN, x, hi);
      }
      a0.intoMemorySegment(ALL, o0 + i, ORDER);
      a1.intoMemorySegment(ALL, o1 + i, ORDER);
      a2.intoMemorySegment(ALL, o2 + i, ORDER);
    }
  }

  private static void dot4(
      long lut,
      int base,
      int stride,
      long[] in,
      int k,
      long o0,
      long o1,
      long o2,
      long o3,
      long from,
      long to) {
    for (long i = from; i < to; i += VLEN) {
      ByteVector x = load(in[0] + i);
      ByteVector hi = hi(x);
      ByteVector a0 = product(lut, base + 0 * VLEN, x, hi);
      ByteVector a1 = product(lut, base + 2 * VLEN, x, hi);
      ByteVector a2 = product(lut, base + 4 * VLEN, x, hi);
      ByteVector a3 = product(lut, base + 6 * VLEN, x, hi);
      for (int j = 1; j < k; j++) {
        int t = base + j * stride;
        x = load(in[j] + i);
        hi = hi(x);
        a0 = mulAdd(a0, lut, t + 0 * VLEN, x, hi);
        a1 = mulAdd(a1, lut, t + 2 * VLEN, x, hi);
        a2 = mulAdd(a2, lut, t + 4 * VLEN, x, hi);
        a3 = mulAdd(a3, lut, t + 6 * VLEN, x, hi);
      }
      a0.intoMemorySegment(ALL, o0 + i, ORDER);
      a1.intoMemorySegment(ALL, o1 + i, ORDER);
      a2.intoMemorySegment(ALL, o2 + i, ORDER);
      a3.intoMemorySegment(ALL, o3 + i, ORDER);
    }
  }
}
