package io.aquifer.storage;

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

  /**
   * The rest of the range as a read-only slice of the record (no copy): the record may be shared
   * with the small-object cache.
   */
  @Override
  public ByteBuffer takeRemaining() {
    if (closed) {
      throw new IllegalStateException("reader closed");
    }
    long end = start + length;
    int n = (int) Math.max(0, end - pos);
    ByteBuffer out =
        ByteBuffer.wrap(record, bodyOffset + (int) Math.min(pos, end), n)
            .slice()
            .asReadOnlyBuffer();
    pos = Math.max(pos, end);
    return out;
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
