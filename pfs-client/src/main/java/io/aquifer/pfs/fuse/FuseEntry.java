package io.aquifer.pfs.fuse;

import java.util.Objects;

/**
 * A lookup's answer: the inode's attributes, its generation, and how long the kernel may cache the
 * name ({@code entryTimeoutNanos}) and the attributes ({@code attrTimeoutNanos}).
 */
public record FuseEntry(
    FuseAttr attr, long generation, long entryTimeoutNanos, long attrTimeoutNanos) {
  public FuseEntry {
    Objects.requireNonNull(attr, "attr");
    if (entryTimeoutNanos < 0 || attrTimeoutNanos < 0) {
      throw new IllegalArgumentException("timeouts must be >= 0");
    }
  }

  /** The inode number. */
  public long ino() {
    return attr.ino();
  }
}
