package io.aquifer.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Streams a byte range of a packed object from its record, read and verified when opened. */
final class PackedReader implements ObjectReader {
  private final ObjectInfo info;
  private final byte[] record;
  private final int bodyOffset;
  private final long start;
  private final long length;
  private final Runnable onClose;
  private long pos;
  private boolean closed;

  PackedReader(ObjectInfo info, byte[] record, long start, long length, Runnable onClose) {
    this.info = info;
    this.record = record;
    this.bodyOffset = PackedFormat.bodyOffset(record);
    this.start = start;
    this.length = length;
    this.onClose = onClose;
    this.pos = start;
  }

  @Override
  public ObjectInfo info() {
    return info;
  }

  @Override
  public long rangeStart() {
    return start;
  }

  @Override
  public long rangeLength() {
    return length;
  }

  @Override
  public int read(ByteBuffer dst) {
    if (closed) {
      throw new IllegalStateException("reader closed");
    }
    long end = start + length;
    if (pos >= end) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), end - pos);
    dst.put(record, bodyOffset + (int) pos, n);
    pos += n;
    return n;
  }

  @Override
  public InputStream asInputStream() {
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
        return PackedReader.this.read(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() throws IOException {
        PackedReader.this.close();
      }
    };
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    onClose.run();
  }
}
