package io.aquifer.gateway.checksum;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * A running checksum over a stream of bytes. Not thread-safe. Obtain one from {@link
 * ChecksumAlgorithm#newChecksum()}.
 */
public interface Checksum {
  /**
   * Adds the {@code src.remaining()} bytes of {@code src} and advances its position to its limit,
   * like {@link java.security.MessageDigest#update(ByteBuffer)}. Heap, direct and read-only buffers
   * are all accepted; direct buffers are read in place, never copied to the heap.
   */
  void update(ByteBuffer src);

  /**
   * Adds {@code len} bytes of {@code b} starting at {@code off}.
   *
   * @throws IndexOutOfBoundsException if the range is not within {@code b}
   */
  void update(byte[] b, int off, int len);

  /**
   * Finishes the checksum and returns it in the S3 wire form: the big-endian bytes of the CRC
   * value, or the hash bytes. Resets this checksum to its initial state.
   */
  byte[] digest();

  /** {@link #digest()} in standard base64, the form of the {@code x-amz-checksum-*} headers. */
  default String digestBase64() {
    return Base64.getEncoder().encodeToString(digest());
  }
}
