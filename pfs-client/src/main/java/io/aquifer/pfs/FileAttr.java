package io.aquifer.pfs;

import java.util.Objects;

/**
 * What getattr reports.
 *
 * @param type file or directory
 * @param mode permission bits (for example {@code 0644}), without the type bits
 * @param uid owner
 * @param gid group
 * @param size bytes of a file; 0 for a directory
 * @param mtimeNanos modification time, nanoseconds since the epoch
 * @param etag a file's ETag (the hex MD5 of a single put); {@code ""} for a directory
 */
public record FileAttr(
    FileType type, int mode, int uid, int gid, long size, long mtimeNanos, String etag) {
  public FileAttr {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(etag, "etag");
  }

  /** Whether this is a directory. */
  public boolean isDirectory() {
    return type == FileType.DIRECTORY;
  }
}
