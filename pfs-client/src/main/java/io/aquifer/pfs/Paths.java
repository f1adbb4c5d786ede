package io.aquifer.pfs;

import java.nio.charset.StandardCharsets;

/** Paths of the file view: components joined by {@code /}, relative to the bucket; "" is root. */
final class Paths {
  /** Longest file name, in UTF-8 bytes (Linux NAME_MAX). */
  static final int NAME_MAX = 255;

  private Paths() {}

  /**
   * The path without one leading {@code /}, after checking every component.
   *
   * @throws FsException {@link Errno#EINVAL} when a component cannot be a file name
   */
  static String check(String path) {
    if (path == null) {
      throw new FsException(Errno.EINVAL, "path is missing");
    }
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.isEmpty()) {
      return p;
    }
    int start = 0;
    while (true) {
      int slash = p.indexOf('/', start);
      String name = slash < 0 ? p.substring(start) : p.substring(start, slash);
      if (!isName(name)) {
        throw new FsException(Errno.EINVAL, "not a valid path: '" + path + "'");
      }
      if (slash < 0) {
        return p;
      }
      start = slash + 1;
    }
  }

  /** Whether a key component can be shown as a file name. */
  static boolean isName(String name) {
    return !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('\0') < 0
        && name.indexOf('/') < 0
        && name.getBytes(StandardCharsets.UTF_8).length <= NAME_MAX;
  }

  /** The parent of a non-root path ("" for a top-level name). */
  static String parent(String p) {
    int slash = p.lastIndexOf('/');
    return slash < 0 ? "" : p.substring(0, slash);
  }

  /** The key prefix of a directory's children: "" for root, else {@code p + "/"}. */
  static String childPrefix(String p) {
    return p.isEmpty() ? "" : p + "/";
  }
}
