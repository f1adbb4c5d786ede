package io.aquifer.pfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/** Encoders of the reply structs ({@code struct fuse_attr} and the ones that carry it). */
final class FuseReplies {
  private static final long NANOS = 1_000_000_000L;

  private FuseReplies() {}

  /** {@code struct fuse_attr} at {@code off}. */
  static void attr(MemorySegment s, long off, FuseAttr a) {
    s.set(JAVA_LONG_UNALIGNED, off, a.ino());
    s.set(JAVA_LONG_UNALIGNED, off + 8, a.size());
    s.set(JAVA_LONG_UNALIGNED, off + 16, a.blocks());
    s.set(JAVA_LONG_UNALIGNED, off + 24, seconds(a.atimeNanos()));
    s.set(JAVA_LONG_UNALIGNED, off + 32, seconds(a.mtimeNanos()));
    s.set(JAVA_LONG_UNALIGNED, off + 40, seconds(a.ctimeNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 48, nanos(a.atimeNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 52, nanos(a.mtimeNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 56, nanos(a.ctimeNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 60, a.mode());
    s.set(JAVA_INT_UNALIGNED, off + 64, a.nlink());
    s.set(JAVA_INT_UNALIGNED, off + 68, a.uid());
    s.set(JAVA_INT_UNALIGNED, off + 72, a.gid());
    s.set(JAVA_INT_UNALIGNED, off + 76, 0); // rdev
    s.set(JAVA_INT_UNALIGNED, off + 80, 0); // blksize: the kernel's default (the page size)
    s.set(JAVA_INT_UNALIGNED, off + 84, 0); // flags
  }

  /** {@code struct fuse_entry_out} at {@code off}. */
  static void entry(MemorySegment s, long off, FuseEntry e) {
    s.set(JAVA_LONG_UNALIGNED, off, e.ino());
    s.set(JAVA_LONG_UNALIGNED, off + 8, e.generation());
    s.set(JAVA_LONG_UNALIGNED, off + 16, seconds(e.entryTimeoutNanos()));
    s.set(JAVA_LONG_UNALIGNED, off + 24, seconds(e.attrTimeoutNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 32, nanos(e.entryTimeoutNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 36, nanos(e.attrTimeoutNanos()));
    attr(s, off + 40, e.attr());
  }

  /** {@code struct fuse_attr_out} at {@code off}. */
  static void attrOut(MemorySegment s, long off, FuseAttrReply r) {
    s.set(JAVA_LONG_UNALIGNED, off, seconds(r.attrTimeoutNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 8, nanos(r.attrTimeoutNanos()));
    s.set(JAVA_INT_UNALIGNED, off + 12, 0);
    attr(s, off + 16, r.attr());
  }

  /** {@code struct fuse_open_out} at {@code off}. */
  static void openOut(MemorySegment s, long off, long fh, int openFlags) {
    s.set(JAVA_LONG_UNALIGNED, off, fh);
    s.set(JAVA_INT_UNALIGNED, off + 8, openFlags);
    s.set(JAVA_INT_UNALIGNED, off + 12, 0);
  }

  /** {@code struct fuse_statfs_out} at {@code off}. */
  static void statfs(MemorySegment s, long off, FuseStatfs st) {
    s.asSlice(off, FuseProtocol.STATFS_OUT).fill((byte) 0);
    s.set(JAVA_LONG_UNALIGNED, off, st.blocks());
    s.set(JAVA_LONG_UNALIGNED, off + 8, st.blocksFree());
    s.set(JAVA_LONG_UNALIGNED, off + 16, st.blocksAvailable());
    s.set(JAVA_LONG_UNALIGNED, off + 24, st.files());
    s.set(JAVA_LONG_UNALIGNED, off + 32, st.filesFree());
    s.set(JAVA_INT_UNALIGNED, off + 40, st.blockSize());
    s.set(JAVA_INT_UNALIGNED, off + 44, st.nameMax());
    s.set(JAVA_INT_UNALIGNED, off + 48, st.fragmentSize());
  }

  static long seconds(long nanos) {
    return Math.floorDiv(nanos, NANOS);
  }

  static int nanos(long nanos) {
    return (int) Math.floorMod(nanos, NANOS);
  }
}
