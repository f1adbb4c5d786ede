package io.aquifer.pfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A READDIR reply being filled: {@code struct fuse_dirent} records (8-byte aligned) written
 * straight into a worker's reply memory, up to the size the kernel asked for. One per worker, reset
 * for each request.
 */
final class FuseDirBuffer implements FuseDirSink {
  private final MemorySegment reply;
  private final long base;
  private int capacity;
  private int used;

  FuseDirBuffer(MemorySegment reply, long base) {
    this.reply = reply;
    this.base = base;
  }

  FuseDirBuffer reset(int capacity) {
    this.capacity = capacity;
    this.used = 0;
    return this;
  }

  /** Bytes of entries written. */
  int used() {
    return used;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException for a name the kernel would reject (empty, longer than 1024
   *     bytes, or holding {@code /} or NUL), which would fail the whole listing
   */
  @Override
  public boolean add(String name, long ino, int typeBits, long nextOffset) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || bytes.length > FuseProtocol.NAME_MAX) {
      throw new IllegalArgumentException("bad directory entry name length " + bytes.length);
    }
    for (byte b : bytes) {
      if (b == '/' || b == 0) {
        throw new IllegalArgumentException("directory entry name holds '/' or NUL: " + name);
      }
    }
    int record = (FuseProtocol.DIRENT_HEADER + bytes.length + 7) & ~7;
    if (used + record > capacity) {
      return false;
    }
    long off = base + used;
    reply.set(JAVA_LONG_UNALIGNED, off, ino);
    reply.set(JAVA_LONG_UNALIGNED, off + 8, nextOffset);
    reply.set(JAVA_INT_UNALIGNED, off + 16, bytes.length);
    reply.set(JAVA_INT_UNALIGNED, off + 20, (typeBits & FuseAttr.S_IFMT) >>> 12);
    MemorySegment.copy(bytes, 0, reply, JAVA_BYTE, off + FuseProtocol.DIRENT_HEADER, bytes.length);
    long end = off + FuseProtocol.DIRENT_HEADER + bytes.length;
    reply.asSlice(end, off + record - end).fill((byte) 0);
    used += record;
    return true;
  }
}
