package io.aquifer.pfs;

/** What a name in the file view is. */
public enum FileType {
  /** A key: a regular file. */
  FILE,
  /** A marker key {@code a/b/} or a prefix other keys share. */
  DIRECTORY,
  /** A key whose attribute {@code pfs-type} is {@code symlink}: its content is the target. */
  SYMLINK
}
