package io.aquifer.kv;

/** When a committed batch is on stable storage. */
public enum KvDurability {
  /** Durable when {@link KvStore#commit(KvBatch)} returns (write-ahead log synced). */
  SYNC,
  /**
   * Written to the log but not synced: survives a process crash, may be lost on power loss or
   * kernel crash. For tests, caches and data that can be rebuilt. Never the default.
   */
  NONE
}
