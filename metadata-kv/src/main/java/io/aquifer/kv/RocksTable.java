package io.aquifer.kv;

import org.rocksdb.ColumnFamilyHandle;

/** A table of a {@link RocksKvStore}: one column family. */
record RocksTable(String name, ColumnFamilyHandle handle, RocksKvStore store) implements KvTable {
  @Override
  public String toString() {
    return "KvTable[" + name + "]";
  }
}
