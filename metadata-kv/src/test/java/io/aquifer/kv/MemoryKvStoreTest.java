package io.aquifer.kv;

import java.util.List;

/** The contract suite against the in-memory store. */
class MemoryKvStoreTest extends KvStoreContractTest {
  @Override
  KvStore open(List<String> tables) {
    return KvStores.inMemory(tables);
  }

  @Override
  int openResources(KvStore s) {
    return ((MemoryKvStore) s).openResources();
  }
}
