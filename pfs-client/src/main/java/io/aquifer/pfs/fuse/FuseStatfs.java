package io.aquifer.pfs.fuse;

/** {@code struct statfs} as FUSE carries it. */
public record FuseStatfs(
    long blocks,
    long blocksFree,
    long blocksAvailable,
    long files,
    long filesFree,
    int blockSize,
    int nameMax,
    int fragmentSize) {
  /** Nothing known: zero counts, 4 KiB blocks, 255-byte names. */
  public static final FuseStatfs EMPTY = new FuseStatfs(0, 0, 0, 0, 0, 4096, 255, 4096);
}
