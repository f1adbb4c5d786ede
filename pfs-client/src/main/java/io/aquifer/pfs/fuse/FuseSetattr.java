package io.aquifer.pfs.fuse;

/**
 * A setattr request. A field applies only when its bit is in {@code valid} ({@link #MODE}, {@link
 * #UID}, {@link #GID}, {@link #SIZE}, {@link #ATIME}, {@link #MTIME}, with {@link #ATIME_NOW} and
 * {@link #MTIME_NOW} meaning "the current time"); {@code fh} is the open handle or {@code -1}.
 */
public record FuseSetattr(
    long ino,
    int valid,
    long fh,
    int mode,
    int uid,
    int gid,
    long size,
    long atimeNanos,
    long mtimeNanos) {
  /** FATTR_MODE. */
  public static final int MODE = 1;

  /** FATTR_UID. */
  public static final int UID = 1 << 1;

  /** FATTR_GID. */
  public static final int GID = 1 << 2;

  /** FATTR_SIZE. */
  public static final int SIZE = 1 << 3;

  /** FATTR_ATIME. */
  public static final int ATIME = 1 << 4;

  /** FATTR_MTIME. */
  public static final int MTIME = 1 << 5;

  /** FATTR_ATIME_NOW. */
  public static final int ATIME_NOW = 1 << 7;

  /** FATTR_MTIME_NOW. */
  public static final int MTIME_NOW = 1 << 8;

  /** Whether {@code bit} is set in {@link #valid}. */
  public boolean has(int bit) {
    return (valid & bit) != 0;
  }
}
