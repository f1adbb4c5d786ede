package io.aquifer.pfs;

/**
 * Settings of a {@link FileClient}, checked here.
 *
 * @param readUnitBytes bytes per read request (a stripe unit); the connection's {@code
 *     maxFrameBytes} must hold this plus 64 bytes, and the server's {@code maxReadBytes} this
 * @param readsInFlight read requests one read keeps in flight
 * @param writeChunkBytes bytes of file data per write stream chunk (one more byte tags it)
 */
public record FileClientConfig(int readUnitBytes, int readsInFlight, int writeChunkBytes) {

  public FileClientConfig {
    if (readUnitBytes < 4096) {
      throw new IllegalArgumentException(
          "pfs readUnitBytes must be at least 4096, got " + readUnitBytes);
    }
    if (readsInFlight < 1 || readsInFlight > 1024) {
      throw new IllegalArgumentException(
          "pfs readsInFlight must be 1 to 1024, got " + readsInFlight);
    }
    if (writeChunkBytes < 4096) {
      throw new IllegalArgumentException(
          "pfs writeChunkBytes must be at least 4096, got " + writeChunkBytes);
    }
  }

  /** 1 MiB read units, 8 in flight, 256 KiB write chunks. */
  public static FileClientConfig defaults() {
    return new FileClientConfig(1 << 20, 8, 256 << 10);
  }
}
