package io.aquifer.storage.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Table-driven byte loop over the full 64 KiB product table: slow and obviously right, the
 * reference the other kernels are tested against. It shares no buffer handling with them: it reads
 * heap and direct buffers alike through bounds-checked segments. Prepared form: the coefficients.
 */
final class ScalarKernel implements GfKernel<ScalarKernel.Coefficients> {

  /** A copy of the {@code rows x k} coefficients. */
  record Coefficients(byte[] matrix, int rows, int k) {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public Coefficients prepare(byte[] matrix, int rows, int k) {
    return new Coefficients(matrix.clone(), rows, k);
  }

  @Override
  public void multiply(
      Coefficients c, ByteBuffer[] shards, int[] inputs, int[] outputs, int offset, int length) {
    byte[] mul = Gf.mulTable();
    int k = c.k();
    long end = offset + (long) length;
    for (int r = 0; r < outputs.length; r++) {
      MemorySegment out = segment(shards[outputs[r]]);
      for (int j = 0; j < k; j++) {
        MemorySegment in = segment(shards[inputs[j]]);
        int row = (c.matrix()[r * k + j] & 0xFF) << 8;
        for (long i = offset; i < end; i++) {
          byte p = mul[row | (in.get(ValueLayout.JAVA_BYTE, i) & 0xFF)];
          out.set(
              ValueLayout.JAVA_BYTE,
              i,
              j == 0 ? p : (byte) (p ^ out.get(ValueLayout.JAVA_BYTE, i)));
        }
      }
    }
  }

  /** A segment over bytes {@code [0, limit)}, so that segment offset i is absolute index i. */
  private static MemorySegment segment(ByteBuffer buffer) {
    return MemorySegment.ofBuffer(buffer.slice(0, buffer.limit()));
  }
}
