package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buffered shard files are forced in the background while a large object streams in; direct ones
 * have nothing in the page cache to force, so only the commit forces them.
 */
class WritebackTest {
  @TempDir Path dir;

  @Test
  void eachShardIsForcedOnceEveryWritebackBytesAndTheObjectReadsBack() {
    StorageConfig config = TestStores.shardConfig(dir, 4, 2, 2).withDirectIo(DirectIo.OFF);
    try (ObjectStore store = ObjectStores.open(config, false)) {
      store.createBucket("writeback");
      LocalObjectStore local = (LocalObjectStore) store;
      // 1 MiB: 512 KiB per shard, under the writeback step: only the commit forces
      byte[] small = TestStores.random(1, 1 << 20);
      store.put("writeback", "small", small, PutOptions.DEFAULT);
      assertEquals(0, local.core().counters.writebackForces.sum());
      // 24 MiB over 2 data shards: 12 MiB per shard file, so each of the 4 crosses the 8 MiB step
      // once (the rest, 4 MiB, is left to the commit's force)
      byte[] large = TestStores.random(2, 24 << 20);
      // the MD5 is computed stripe by stripe on its own thread, in order: the ETag is still the
      // MD5 of the bytes
      assertEquals(
          TestStores.md5(large), store.put("writeback", "large", large, PutOptions.DEFAULT).etag());
      assertEquals(4, local.core().counters.writebackForces.sum());
      assertArrayEquals(large, TestStores.readAll(store, "writeback", "large"));
      assertArrayEquals(small, TestStores.readAll(store, "writeback", "small"));
    }
  }

  @Test
  void directShardsAreNotForcedInTheBackgroundAndTheObjectReadsBack() {
    StorageConfig config = TestStores.shardConfig(dir, 4, 2, 2).withDirectIo(DirectIo.ON);
    try (ObjectStore store = ObjectStores.open(config, false)) {
      store.createBucket("writeback");
      LocalObjectStore local = (LocalObjectStore) store;
      for (int i = 0; i < 4; i++) {
        assertTrue(local.core().drives.get(i).direct(), "drive " + i + " writes direct");
      }
      byte[] large = TestStores.random(2, 24 << 20);
      // the MD5 is computed stripe by stripe on its own thread, in order: the ETag is still the
      // MD5 of the bytes
      assertEquals(
          TestStores.md5(large), store.put("writeback", "large", large, PutOptions.DEFAULT).etag());
      assertEquals(0, local.core().counters.writebackForces.sum());
      assertArrayEquals(large, TestStores.readAll(store, "writeback", "large"));
    }
  }
}
