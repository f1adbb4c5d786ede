package io.aquifer.pfs.fuse;

/** A failed FUSE operation: the errno number the kernel is answered with, and a message. */
public final class FuseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Operation not permitted. */
  public static final int EPERM = 1;

  /** No such file or directory. */
  public static final int ENOENT = 2;

  /** I/O error. */
  public static final int EIO = 5;

  /** Bad file handle. */
  public static final int EBADF = 9;

  /** Permission denied. */
  public static final int EACCES = 13;

  /** Exists. */
  public static final int EEXIST = 17;

  /** Not a directory. */
  public static final int ENOTDIR = 20;

  /** Is a directory. */
  public static final int EISDIR = 21;

  /** Invalid argument. */
  public static final int EINVAL = 22;

  /** File too large. */
  public static final int EFBIG = 27;

  /** No space left. */
  public static final int ENOSPC = 28;

  /** Read-only file system. */
  public static final int EROFS = 30;

  /** Name too long. */
  public static final int ENAMETOOLONG = 36;

  /** Not implemented. */
  public static final int ENOSYS = 38;

  /** Directory not empty. */
  public static final int ENOTEMPTY = 39;

  /** No such attribute. */
  public static final int ENODATA = 61;

  /** Not supported. */
  public static final int EOPNOTSUPP = 95;

  private final int errno;

  /** A failure answering {@code errno} (a positive Linux errno number). */
  public FuseException(int errno, String message) {
    super(message);
    if (errno <= 0) {
      throw new IllegalArgumentException("errno must be positive, got " + errno);
    }
    this.errno = errno;
  }

  /** The positive errno number. */
  public int errno() {
    return errno;
  }
}
