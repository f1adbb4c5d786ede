package io.aquifer.pfs.fuse;

/** An open handle and the flags the kernel is told ({@link #DIRECT_IO}, {@link #KEEP_CACHE}). */
public record FuseOpen(long fh, int openFlags) {
  /** Bypass the page cache for this handle (FOPEN_DIRECT_IO). */
  public static final int DIRECT_IO = 1;

  /** Keep cached pages from earlier opens (FOPEN_KEEP_CACHE). */
  public static final int KEEP_CACHE = 2;
}
