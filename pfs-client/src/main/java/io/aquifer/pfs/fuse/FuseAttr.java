package io.aquifer.pfs.fuse;

/**
 * An inode's attributes as {@code struct fuse_attr} carries them.
 *
 * @param ino inode number
 * @param mode type and permission bits ({@link #S_IFREG}, {@link #S_IFDIR} or {@link #S_IFLNK} |
 *     {@code 0644} and so on)
 * @param nlink link count
 * @param uid owner
 * @param gid group
 * @param size bytes
 * @param atimeNanos access time, nanoseconds since the epoch
 * @param mtimeNanos modification time
 * @param ctimeNanos change time
 */
public record FuseAttr(
    long ino,
    int mode,
    int nlink,
    int uid,
    int gid,
    long size,
    long atimeNanos,
    long mtimeNanos,
    long ctimeNanos) {
  /** Regular file type bits. */
  public static final int S_IFREG = 0100000;

  /** Directory type bits. */
  public static final int S_IFDIR = 0040000;

  /** Symlink type bits. */
  public static final int S_IFLNK = 0120000;

  /** The type bits mask. */
  public static final int S_IFMT = 0170000;

  /** 512-byte blocks, as stat reports them. */
  public long blocks() {
    return (size + 511) / 512;
  }
}
