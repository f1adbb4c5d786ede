package io.aquifer.storage;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Streams a byte range of one object version. The version is fixed when the reader opens: a
 * concurrent overwrite or delete does not change what it returns. Not thread-safe; close it.
 */
public interface ObjectReader extends AutoCloseable {

  /** The object's info (of the version being read). */
  ObjectInfo info();

  /** First byte of the range, inclusive. */
  long rangeStart();

  /** Number of bytes of the range. */
  long rangeLength();

  /**
   * Copies the next bytes of the range into {@code dst} (borrowed), advancing its position.
   *
   * @return the number of bytes copied, or -1 at the end of the range
   * @throws StorageException with {@link StatusCode#READ_QUORUM_LOST} or {@link
   *     StatusCode#DATA_CORRUPT} when the bytes cannot be recovered
   */
  int read(ByteBuffer dst);

  /**
   * The rest of the range as one buffer, when the reader holds it in memory already (the verified
   * record of a packed object), or null (the caller reads with {@link #read}). When not null, the
   * reader is at the end of its range afterwards, and the buffer belongs to the caller: its bytes
   * stay valid and unchanged after {@link #close}, and nothing else reads or writes them.
   */
  default ByteBuffer takeRemaining() {
    return null;
  }

  /**
   * When the next bytes of the range are a whole data block on disk and it verifies against its
   * checksum, its place in its shard file, and the reader moves past it; otherwise null, and the
   * caller reads the bytes with {@link #read} (which also finds a missing or corrupt block, counts
   * it and reconstructs it). The caller may mix the two freely; it closes the span's channel.
   */
  default FileSpan nextSpan() {
    return null;
  }

  /** An input stream over the remaining range; closing it closes this reader. */
  default InputStream asInputStream() {
    return new InputStream() {
      @Override
      public int read() {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        return ObjectReader.this.read(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() {
        ObjectReader.this.close();
      }
    };
  }

  @Override
  void close();
}
