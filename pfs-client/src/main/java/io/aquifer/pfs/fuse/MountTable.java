package io.aquifer.pfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** This process's view of the mount table ({@code /proc/self/mountinfo}). */
final class MountTable {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /**
   * One line of mountinfo.
   *
   * @param device the mounted file system's device, {@code major:minor}
   * @param mountPoint where it is mounted, unescaped
   * @param type its type, {@code fuse.aquifer} and so on
   * @param source its source (fsname)
   */
  record Mount(String device, String mountPoint, String type, String source) {
    /** The FUSE connection number: the device's minor (its major is 0). */
    long connection() {
      return Long.parseLong(device.substring(device.indexOf(':') + 1));
    }
  }

  /** Every mount, in mount order. */
  static List<Mount> read() throws IOException {
    return Files.readAllLines(MOUNTINFO).stream().map(MountTable::parse).toList();
  }

  /** The last (topmost) mount of {@code type} on {@code mountPoint}. */
  static Optional<Mount> find(Path mountPoint, String type) throws IOException {
    String where = mountPoint.toString();
    Mount found = null;
    for (Mount m : read()) {
      if (m.mountPoint().equals(where) && m.type().equals(type)) {
        found = m;
      }
    }
    return Optional.ofNullable(found);
  }

  /** Whether the mount of {@code device} on {@code mountPoint} is still there. */
  static boolean contains(Path mountPoint, String device) throws IOException {
    String where = mountPoint.toString();
    return read().stream().anyMatch(m -> m.mountPoint().equals(where) && m.device().equals(device));
  }

  // id parent major:minor root mountpoint options [optional fields...] - type source superopts
  private static Mount parse(String line) {
    String[] f = line.split(" ");
    int dash = 6;
    while (dash < f.length && !f[dash].equals("-")) {
      dash++;
    }
    String type = dash + 1 < f.length ? f[dash + 1] : "";
    String source = dash + 2 < f.length ? unescape(f[dash + 2]) : "";
    return new Mount(f[2], unescape(f[4]), type, source);
  }

  /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }
}
