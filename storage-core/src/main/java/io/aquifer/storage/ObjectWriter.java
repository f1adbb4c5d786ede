package io.aquifer.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Streams the bytes of a new object or part into the store. Bytes are erasure-coded and written to
 * the drives as they arrive; nothing is visible until {@link #commit()} returns, and after it
 * returns the object is durable. Not thread-safe. Always close it: closing without commit aborts
 * and removes what was written.
 */
public interface ObjectWriter extends AutoCloseable {

  /**
   * Copies the remaining bytes of {@code src} into the object and advances its position. The buffer
   * is borrowed: the caller keeps ownership and may reuse it when this returns.
   */
  void write(ByteBuffer src);

  /** Copies {@code len} bytes of {@code b} starting at {@code off}. */
  default void write(byte[] b, int off, int len) {
    write(ByteBuffer.wrap(b, off, len));
  }

  /** Copies everything {@code in} yields until its end. Does not close {@code in}. */
  default void writeAll(InputStream in) throws IOException {
    byte[] chunk = new byte[64 << 10];
    ByteBuffer wrap = ByteBuffer.wrap(chunk);
    int n;
    while ((n = in.read(chunk)) >= 0) {
      write(wrap.clear().limit(n));
    }
  }

  /** Bytes written so far. */
  long written();

  /**
   * Makes the object durable and visible, atomically replacing any previous object under the key.
   *
   * @return the stored object's info
   * @throws StorageException with {@link StatusCode#PRECONDITION_FAILED} when the write condition
   *     does not hold; nothing is stored then
   */
  default ObjectInfo commit() {
    return commit(Map.of(), null);
  }

  /**
   * Like {@link #commit()}, with checks and attributes known only once all bytes are written.
   *
   * @param extraAttributes system attributes added to those of the options (for example checksums
   *     that arrived in an HTTP trailer); an entry here wins over one with the same key there
   * @param expectedMd5 the MD5 the content must have (16 bytes), or null for no check
   * @throws StorageException with {@link StatusCode#BAD_DIGEST} when the content's MD5 differs from
   *     {@code expectedMd5}; nothing is stored then
   */
  ObjectInfo commit(Map<String, String> extraAttributes, byte[] expectedMd5);

  /** Discards everything written. Idempotent; a no-op after commit. */
  void abort();

  /** Aborts unless committed. */
  @Override
  void close();
}
