package io.aquifer.storage;

import java.nio.ByteBuffer;

/**
 * Streams a byte range of an object whose whole content is in memory (read-only, shared): a packed
 * object's verified record, or a hit of the small-object cache. The bytes in memory cannot be
 * reclaimed under it; {@code onClose} releases whatever the opener holds (a pin), once.
 */
final class MemoryReader implements ObjectReader {
  private final ObjectInfo info;
  private final ByteBuffer content;
  private final long start;
  private final long length;
  private final Runnable onClose;
  private long pos;
  private boolean closed;

  /** {@code content} holds the whole object from index 0; the range is within it. */
  MemoryReader(ObjectInfo info, ByteBuffer content, long start, long length) {
    this(info, content, start, length, () -> {});
  }

  MemoryReader(ObjectInfo info, ByteBuffer content, long start, long length, Runnable onClose) {
    this.info = info;
    this.content = content;
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
    dst.put(dst.position(), content, (int) pos, n);
    dst.position(dst.position() + n);
    pos += n;
    return n;
  }

  /** The rest of the range as a read-only slice of the shared content (no copy). */
  @Override
  public ByteBuffer takeRemaining() {
    if (closed) {
      throw new IllegalStateException("reader closed");
    }
    long end = start + length;
    int from = (int) Math.min(pos, end);
    ByteBuffer out = content.slice(from, (int) Math.max(0, end - pos)).asReadOnlyBuffer();
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
