package io.aquifer.storage;

/**
 * Whether shard data is written with {@code O_DIRECT}, bypassing the page cache (see
 * docs/architecture.md, "Write path").
 */
public enum DirectIo {
  /** Direct on each drive whose file system accepts it (probed at open), buffered elsewhere. */
  AUTO,
  /** Direct on every drive; the store fails to open when an online drive refuses it. */
  ON,
  /** Buffered writes through the page cache everywhere. */
  OFF
}
