package io.aquifer.pfs;

import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.StorageException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A whole file being written ({@link FileService#openWrite}). Bytes stream to the drives as they
 * come; nothing is visible until {@link #commit()}. Not thread-safe. Close it: closing without a
 * commit discards what was written.
 */
public final class FileOutput implements AutoCloseable {
  private final FileService service;
  private final String bucket;
  private final String path;
  private final ObjectWriter writer;

  FileOutput(FileService service, String bucket, String path, ObjectWriter writer) {
    this.service = service;
    this.bucket = bucket;
    this.path = path;
    this.writer = writer;
  }

  /**
   * Appends the readable bytes of {@code data}.
   *
   * @param data borrowed: neither its indices nor its reference count change
   */
  public void write(ByteBuf data) {
    try {
      for (ByteBuffer b : data.nioBuffers(data.readerIndex(), data.readableBytes())) {
        writer.write(b);
      }
    } catch (StorageException e) {
      throw service.fail("write", bucket, path, e);
    }
  }

  /** Appends everything {@code in} yields (not closed). */
  public void writeAll(InputStream in) throws IOException {
    try {
      writer.writeAll(in);
    } catch (StorageException e) {
      throw service.fail("write", bucket, path, e);
    }
  }

  /** Bytes written so far. */
  public long written() {
    return writer.written();
  }

  /** Makes the file durable and visible, replacing any previous one at once. */
  public FileAttr commit() {
    try {
      return Attrs.attr(writer.commit(), FileType.FILE, service.config());
    } catch (StorageException e) {
      throw service.fail("write", bucket, path, e);
    }
  }

  /** Discards the bytes unless committed. */
  @Override
  public void close() {
    writer.close();
  }
}
