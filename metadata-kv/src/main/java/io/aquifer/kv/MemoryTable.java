package io.aquifer.kv;

import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A table of a {@link MemoryKvStore}: keys in unsigned order, each mapped to its chain of versions.
 */
record MemoryTable(
    String name, MemoryKvStore store, ConcurrentSkipListMap<byte[], MemoryVersion> rows)
    implements KvTable {

  MemoryTable(String name, MemoryKvStore store) {
    this(name, store, new ConcurrentSkipListMap<>(KvKeys::compare));
  }

  @Override
  public String toString() {
    return "KvTable[" + name + "]";
  }
}
