package io.aquifer.pfs;

import io.aquifer.storage.StatusCode;

/**
 * The errors the file view reports, each with its Linux errno number. Storage failures are
 * translated once, in {@link #of(StatusCode)}.
 */
public enum Errno {
  /** No such file or directory. */
  ENOENT(2),
  /** I/O error: the store failed; always logged where it is produced. */
  EIO(5),
  /** Permission denied. */
  EACCES(13),
  /** The target exists. */
  EEXIST(17),
  /** A directory rename is larger than the configured entry limit (as across file systems). */
  EXDEV(18),
  /** A path component that should be a directory is a file. */
  ENOTDIR(20),
  /** A file operation on a directory. */
  EISDIR(21),
  /** A bad argument or a name the file view cannot hold. */
  EINVAL(22),
  /** No space: the bucket's quota or the largest object size is reached. */
  ENOSPC(28),
  /** The directory is not empty. */
  ENOTEMPTY(39),
  /** A read pinned to one version of a file found another: the file was replaced while open. */
  ESTALE(116);

  private final int number;

  Errno(int number) {
    this.number = number;
  }

  /** The Linux errno number. */
  public int number() {
    return number;
  }

  /** The errno with this number, or {@link #EIO} when it is not one of this set. */
  public static Errno fromNumber(int number) {
    for (Errno e : values()) {
      if (e.number == number) {
        return e;
      }
    }
    return EIO;
  }

  /** What a storage failure means on the file view. The one place this is decided. */
  public static Errno of(StatusCode status) {
    return switch (status) {
      case NO_SUCH_BUCKET, NO_SUCH_KEY, NO_SUCH_UPLOAD -> ENOENT;
      case BUCKET_ALREADY_EXISTS, PRECONDITION_FAILED -> EEXIST;
      case BUCKET_NOT_EMPTY -> ENOTEMPTY;
      case TOO_MANY_ENTRIES -> EXDEV;
      case QUOTA_EXCEEDED, ENTITY_TOO_LARGE -> ENOSPC;
      case INVALID_BUCKET_NAME,
          INVALID_KEY,
          INVALID_RANGE,
          METADATA_TOO_LARGE,
          INVALID_ARGUMENT,
          INVALID_PART,
          INVALID_PART_ORDER,
          ENTITY_TOO_SMALL ->
          EINVAL;
      case BAD_DIGEST,
          WRITE_QUORUM_LOST,
          READ_QUORUM_LOST,
          DRIVE_IO_ERROR,
          DATA_CORRUPT,
          METADATA_ERROR,
          STORE_CLOSED,
          INTERNAL ->
          EIO;
    };
  }
}
