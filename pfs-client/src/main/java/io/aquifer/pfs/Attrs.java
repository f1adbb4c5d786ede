package io.aquifer.pfs;

import io.aquifer.storage.ObjectInfo;
import java.util.HashMap;
import java.util.Map;

/** The object attributes that hold POSIX attributes, and their conversion. */
final class Attrs {
  /** Permission bits, octal. */
  static final String MODE = "pfs-mode";

  /** Owner, decimal. */
  static final String UID = "pfs-uid";

  /** Group, decimal. */
  static final String GID = "pfs-gid";

  /** Modification time set by setattr, nanoseconds since the epoch, decimal. */
  static final String MTIME_NS = "pfs-mtime-ns";

  /** What a file is when it is not a regular file: {@link #TYPE_SYMLINK}. */
  static final String TYPE = "pfs-type";

  /** {@link #TYPE} of a symlink, whose content is its target. */
  static final String TYPE_SYMLINK = "symlink";

  /** The longest symlink target, in bytes (PATH_MAX less its NUL). */
  static final int SYMLINK_MAX = 4095;

  private Attrs() {}

  static Map<String, String> owner(int mode, int uid, int gid) {
    return Map.of(MODE, Integer.toOctalString(mode), UID, Integer.toString(uid), GID, "" + gid);
  }

  static Map<String, String> of(SetAttr s) {
    Map<String, String> m = new HashMap<>();
    if (s.mode() != null) {
      m.put(MODE, Integer.toOctalString(s.mode()));
    }
    if (s.uid() != null) {
      m.put(UID, Integer.toUnsignedString(s.uid()));
    }
    if (s.gid() != null) {
      m.put(GID, Integer.toUnsignedString(s.gid()));
    }
    if (s.mtimeNanos() != null) {
      m.put(MTIME_NS, Long.toString(s.mtimeNanos()));
    }
    return m;
  }

  /** The attributes of an object (a file, or a directory marker). */
  static FileAttr attr(ObjectInfo info, FileType type, FileServiceConfig c) {
    Map<String, String> a = info.attributes();
    int defMode = type == FileType.FILE ? c.fileMode() : c.dirMode();
    long mtime =
        parseLong(
            a.get(MTIME_NS),
            info.modified().getEpochSecond() * 1_000_000_000L + info.modified().getNano());
    if (type == FileType.FILE && TYPE_SYMLINK.equals(a.get(TYPE))) {
      type = FileType.SYMLINK;
    }
    return new FileAttr(
        type,
        parseInt(a.get(MODE), 8, defMode),
        parseInt(a.get(UID), 10, c.uid()),
        parseInt(a.get(GID), 10, c.gid()),
        type != FileType.DIRECTORY ? info.size() : 0,
        mtime,
        type != FileType.DIRECTORY ? info.etag() : "");
  }

  /** A directory without a marker: defaults. */
  static FileAttr implicitDir(FileServiceConfig c, long mtimeNanos) {
    return new FileAttr(FileType.DIRECTORY, c.dirMode(), c.uid(), c.gid(), 0, mtimeNanos, "");
  }

  private static int parseInt(String v, int radix, int def) {
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseUnsignedInt(v, radix);
    } catch (NumberFormatException e) {
      return def;
    }
  }

  private static long parseLong(String v, long def) {
    if (v == null) {
      return def;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      return def;
    }
  }
}
