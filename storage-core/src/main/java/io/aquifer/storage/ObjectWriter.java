package io.aquifer.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

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
  void writeAll(InputStream in) throws IOException;

  /** Bytes written so far. */
  long written();

  /**
   * Makes the object durable and visible, atomically replacing any previous object under the key.
   *
   * @return the stored object's info
   * @throws StorageException with {@link StatusCode#PRECONDITION_FAILED} when the write condition
   *     does not hold; nothing is stored then
   */
  ObjectInfo commit();

  /** Discards everything written. Idempotent; a no-op after commit. */
  void abort();

  /** Aborts unless committed. */
  @Override
  void close();
}
