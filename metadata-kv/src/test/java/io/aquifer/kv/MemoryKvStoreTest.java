package io.aquifer.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

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

  @Test
  void statsCountTheLiveKeyAndValueBytes() {
    store.put(a, b("key"), new byte[100]);
    store.put(b, b("k"), new byte[10]);
    assertEquals(new KvStats(103 + 11, 103 + 11, 0, 0, 0), store.stats());
    store.put(a, b("key"), new byte[50]); // an overwrite replaces the old value's bytes
    KvSnapshot pinned = store.snapshot(); // versions kept for readers are not counted
    try (KvBatch batch = store.newBatch()) {
      store.commit(batch.delete(b, b("k")).put(a, b("x"), new byte[7]).delete(a, b("x")));
    }
    assertEquals(new KvStats(53, 53, 0, 0, 0), store.stats());
    store.delete(a, b("key"));
    store.delete(a, b("never-written"));
    assertEquals(new KvStats(0, 0, 0, 0, 0), store.stats());
    pinned.close();
  }
}
