package io.aquifer.storage.codec;

import java.nio.ByteBuffer;

/**
 * The one operation the implementations differ in: multiply a {@code rows x k} coefficient matrix
 * over GF(2^8) by k input buffers into {@code rows} output buffers, over bytes {@code [offset,
 * offset + length)}. Everything else (matrices, inversion, planning) is shared in {@link RsCodec}.
 *
 * @param <T> the kernel's form of a prepared coefficient matrix (lookup tables), built once per
 *     matrix and then shared by all threads
 */
interface GfKernel<T> {

  /** The implementation's name: "scalar", "vector" or "isal". */
  String name();

  /**
   * Builds the kernel's tables for a coefficient matrix. Called off the hot path; the result is
   * cached by the caller and must be safe to use from several threads at once.
   *
   * @param matrix row-major {@code rows x k} coefficients
   */
  T prepare(byte[] matrix, int rows, int k);

  /**
   * Writes {@code outputs[r][i] = sum_j matrix[r][j] * inputs[j][i]} for i in {@code [offset,
   * offset + length)}. The buffers are picked from {@code shards} by index; the caller has checked
   * every bound, that outputs are writable, and that {@code length > 0}.
   *
   * @param inputs k indices into {@code shards}
   * @param outputs {@code rows} indices into {@code shards}, disjoint from {@code inputs}
   */
  void multiply(
      T prepared, ByteBuffer[] shards, int[] inputs, int[] outputs, int offset, int length);
}
