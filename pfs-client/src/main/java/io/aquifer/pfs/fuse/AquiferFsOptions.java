package io.aquifer.pfs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link AquiferFs}, checked here.
 *
 * @param bucket the bucket shown as the root, or null to show every bucket as a top-level directory
 * @param attrTtl how long the kernel (entry and attribute timeouts) and this mount cache names and
 *     attributes; zero revalidates every call
 * @param readaheadMinBytes the read-ahead window of a handle at its first read and after a random
 *     access
 * @param readaheadMaxBytes the largest window, reached by doubling on sequential reads
 * @param readaheadUnitBytes bytes per prefetch request (one stripe unit)
 * @param readaheadMemoryBytes prefetched bytes all handles together may hold
 * @param spillDir where files being written keep their local copy (a local disk, not tmpfs, for
 *     large files)
 * @param writeMemoryBytes memory all files being written together may hold (each up to 1 MiB of
 *     content); a file that would take more streams or spills instead
 */
public record AquiferFsOptions(
    String bucket,
    Duration attrTtl,
    int readaheadMinBytes,
    int readaheadMaxBytes,
    int readaheadUnitBytes,
    long readaheadMemoryBytes,
    Path spillDir,
    long writeMemoryBytes) {

  public AquiferFsOptions {
    Objects.requireNonNull(attrTtl, "attrTtl");
    Objects.requireNonNull(spillDir, "spillDir");
    if (bucket != null && bucket.isEmpty()) {
      throw new IllegalArgumentException("mount bucket must not be empty (null: all buckets)");
    }
    if (attrTtl.isNegative()) {
      throw new IllegalArgumentException("mount attrTtl must be >= 0, got " + attrTtl);
    }
    if (readaheadUnitBytes < 4096) {
      throw new IllegalArgumentException(
          "mount readaheadUnitBytes must be at least 4096, got " + readaheadUnitBytes);
    }
    if (readaheadMinBytes < readaheadUnitBytes || readaheadMaxBytes < readaheadMinBytes) {
      throw new IllegalArgumentException(
          "mount read-ahead needs unit <= min <= max, got "
              + readaheadUnitBytes
              + ", "
              + readaheadMinBytes
              + ", "
              + readaheadMaxBytes);
    }
    if (writeMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "mount writeMemoryBytes must be >= 0, got " + writeMemoryBytes);
    }
    if (readaheadMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "mount readaheadMemoryBytes must be >= 0, got " + readaheadMemoryBytes);
    }
  }

  /**
   * One bucket as the root (null: every bucket), 1 s cache, read-ahead from 1 MiB doubling to 64
   * MiB in 1 MiB units with 256 MiB for all handles, spill files in {@code java.io.tmpdir}, 64 MiB
   * for the content of all files being written.
   */
  public static AquiferFsOptions defaults(String bucket) {
    return new AquiferFsOptions(
        bucket,
        Duration.ofSeconds(1),
        1 << 20,
        64 << 20,
        1 << 20,
        256L << 20,
        Path.of(System.getProperty("java.io.tmpdir")),
        64L << 20);
  }

  /** These options with another cache time. */
  public AquiferFsOptions withAttrTtl(Duration ttl) {
    return new AquiferFsOptions(
        bucket,
        ttl,
        readaheadMinBytes,
        readaheadMaxBytes,
        readaheadUnitBytes,
        readaheadMemoryBytes,
        spillDir,
        writeMemoryBytes);
  }

  /** These options with another spill directory. */
  public AquiferFsOptions withSpillDir(Path dir) {
    return new AquiferFsOptions(
        bucket,
        attrTtl,
        readaheadMinBytes,
        readaheadMaxBytes,
        readaheadUnitBytes,
        readaheadMemoryBytes,
        dir,
        writeMemoryBytes);
  }

  /** These options with another memory limit for files being written. */
  public AquiferFsOptions withWriteMemoryBytes(long bytes) {
    return new AquiferFsOptions(
        bucket,
        attrTtl,
        readaheadMinBytes,
        readaheadMaxBytes,
        readaheadUnitBytes,
        readaheadMemoryBytes,
        spillDir,
        bytes);
  }
}
