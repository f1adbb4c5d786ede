package io.aquifer.pfs;

import io.aquifer.storage.ObjectInfo;
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
  private final String stagedKey;

  FileOutput(
      FileService service, String bucket, String path, ObjectWriter writer, String stagedKey) {
    this.service = service;
    this.bucket = bucket;
    this.path = path;
    this.writer = writer;
    this.stagedKey = stagedKey;
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

  /**
   * Makes the file durable and visible, replacing any previous one at once. A staged write commits
   * its staged object and then renames it onto the file (one index batch); if the rename fails, the
   * staged object is removed and the file is unchanged.
   */
  public FileAttr commit() {
    ObjectInfo info;
    try {
      info = writer.commit();
    } catch (StorageException e) {
      throw service.fail("write", bucket, path, e);
    }
    if (stagedKey != null) {
      try {
        info = service.store().rename(bucket, stagedKey, path, true);
      } catch (StorageException e) {
        service.discardStaged(bucket, stagedKey);
        throw service.fail("write", bucket, path, e);
      }
    }
    return Attrs.attr(info, FileType.FILE, service.config());
  }

  /** The staged object's key, or null when the write goes to its file directly. */
  public String stagedKey() {
    return stagedKey;
  }

  /**
   * Commits a staged write as its staged object ({@link #stagedKey()}) instead of the file, which
   * stays unchanged: the client reads the bytes back and removes it. Sweeps the bucket's old staged
   * objects first.
   *
   * @throws IllegalStateException when the write is not staged
   */
  public FileAttr park() {
    if (stagedKey == null) {
      throw new IllegalStateException("park of a write that is not staged");
    }
    service.sweepStaged(bucket);
    try {
      return Attrs.attr(writer.commit(), FileType.FILE, service.config());
    } catch (StorageException e) {
      throw service.fail("write", bucket, stagedKey, e);
    }
  }

  /** Discards the bytes unless committed. */
  @Override
  public void close() {
    writer.close();
  }
}
