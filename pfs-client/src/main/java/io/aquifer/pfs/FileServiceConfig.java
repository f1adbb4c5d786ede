package io.aquifer.pfs;

/**
 * Settings of a {@link FileService}, checked here.
 *
 * @param maxRenameEntries the most keys a directory rename moves; a larger one fails with {@link
 *     Errno#EXDEV} and changes nothing
 * @param fileMode permission bits of a file that has none stored (put over S3)
 * @param dirMode permission bits of a directory that has none stored
 * @param uid owner of names that have none stored
 * @param gid group of names that have none stored
 */
public record FileServiceConfig(int maxRenameEntries, int fileMode, int dirMode, int uid, int gid) {

  /** Default directory-rename limit. */
  public static final int DEFAULT_MAX_RENAME_ENTRIES = 10_000;

  public FileServiceConfig {
    if (maxRenameEntries < 0) {
      throw new IllegalArgumentException(
          "pfs maxRenameEntries must be at least 0, got " + maxRenameEntries);
    }
    checkMode("fileMode", fileMode);
    checkMode("dirMode", dirMode);
  }

  private static void checkMode(String name, int mode) {
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("pfs " + name + " must be 0 to 07777, got " + mode);
    }
  }

  /** 10,000 entries per directory rename; files 0644, directories 0755, owned by 0:0. */
  public static FileServiceConfig defaults() {
    return new FileServiceConfig(DEFAULT_MAX_RENAME_ENTRIES, 0644, 0755, 0, 0);
  }

  /** This config with another directory-rename limit. */
  public FileServiceConfig withMaxRenameEntries(int max) {
    return new FileServiceConfig(max, fileMode, dirMode, uid, gid);
  }
}
