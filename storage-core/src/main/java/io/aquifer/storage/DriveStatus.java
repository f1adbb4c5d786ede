package io.aquifer.storage;

import java.nio.file.Path;

/**
 * A drive as the store sees it.
 *
 * @param index position of the drive in the configuration
 * @param path its directory
 * @param state whether it serves I/O
 * @param reason why it is not online, or empty
 * @param errors I/O errors seen since the store opened
 * @param totalBytes file system capacity, -1 when unknown
 * @param freeBytes usable free space, -1 when unknown
 * @param reads shard block reads from the drive since the store opened
 */
public record DriveStatus(
    int index,
    Path path,
    DriveState state,
    String reason,
    long errors,
    long totalBytes,
    long freeBytes,
    Reads reads) {

  /**
   * Shard block reads from one drive (reads of packed records are not counted yet).
   *
   * @param count reads completed
   * @param bytes bytes read
   * @param busyNanos sum of the reads' durations; over an interval, busy time / interval is the
   *     average number of reads in flight
   * @param inFlight reads running now
   */
  public record Reads(long count, long bytes, long busyNanos, int inFlight) {}
}
