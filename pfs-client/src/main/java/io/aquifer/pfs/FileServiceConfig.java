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
 * @param md5EtagMaxSize the largest written file whose ETag is the MD5 of its content; a larger one
 *     gets a checksum ETag in S3's multipart form ({@code <hex>-<N>}), which costs no MD5 beyond
 *     this size ({@link io.aquifer.storage.PutOptions#md5EtagMaxSize()})
 */
public record FileServiceConfig(
    int maxRenameEntries, int fileMode, int dirMode, int uid, int gid, long md5EtagMaxSize) {

  /** Default largest file with an MD5 ETag: 8 MiB, aws-cli's multipart threshold. */
  public static final long DEFAULT_MD5_ETAG_MAX_SIZE = 8L << 20;

  /** Default directory-rename limit. */
  public static final int DEFAULT_MAX_RENAME_ENTRIES = 10_000;

  public FileServiceConfig {
    if (maxRenameEntries < 0) {
      throw new IllegalArgumentException(
          "pfs maxRenameEntries must be at least 0, got " + maxRenameEntries);
    }
    checkMode("fileMode", fileMode);
    checkMode("dirMode", dirMode);
    if (md5EtagMaxSize < 0) {
      throw new IllegalArgumentException(
          "pfs md5EtagMaxSize must not be negative, got " + md5EtagMaxSize);
    }
  }

  private static void checkMode(String name, int mode) {
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("pfs " + name + " must be 0 to 07777, got " + mode);
    }
  }

  /**
   * 10,000 entries per directory rename; files 0644, directories 0755, owned by 0:0; MD5 ETags up
   * to 8 MiB.
   */
  public static FileServiceConfig defaults() {
    return new FileServiceConfig(
        DEFAULT_MAX_RENAME_ENTRIES, 0644, 0755, 0, 0, DEFAULT_MD5_ETAG_MAX_SIZE);
  }

  /** This config with another directory-rename limit. */
  public FileServiceConfig withMaxRenameEntries(int max) {
    return new FileServiceConfig(max, fileMode, dirMode, uid, gid, md5EtagMaxSize);
  }

  /** This config with another largest file with an MD5 ETag. */
  public FileServiceConfig withMd5EtagMaxSize(long max) {
    return new FileServiceConfig(maxRenameEntries, fileMode, dirMode, uid, gid, max);
  }
}
