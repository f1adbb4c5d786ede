package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache of bucket records: every change of a bucket (delete, create again, quota) is seen by
 * the next call, on a real store; and a reader that races a change leaves nothing stale behind.
 */
class BucketCacheTest {
  @TempDir Path dir;
  StorageConfig config;
  ObjectStore store;

  @BeforeEach
  void open() {
    config = TestStores.shardConfig(dir, 4, 2, 2);
    store = ObjectStores.open(config);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void put(String bucket, String key, byte[] data) {
    store.put(bucket, key, data, PutOptions.DEFAULT);
  }

  private static StatusCode status(Runnable r) {
    return assertThrows(StorageException.class, r::run).status();
  }

  @Test
  void deletedBucketIsGoneAndARecreatedOneIsNew() {
    store.createBucket("cached", "alice");
    put("cached", "k", TestStores.random(1, 1000));
    assertArrayEquals(TestStores.random(1, 1000), TestStores.readAll(store, "cached", "k"));
    assertEquals("alice", store.headBucket("cached").orElseThrow().owner());
    store.delete("cached", "k");
    store.deleteBucket("cached");

    assertTrue(store.headBucket("cached").isEmpty());
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.head("cached", "k")));
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.get("cached", "k", 0, -1)));
    assertEquals(
        StatusCode.NO_SUCH_BUCKET,
        status(() -> store.newWriter("cached", "k", PutOptions.DEFAULT).close()));

    BucketInfo again = store.createBucket("cached", "bob");
    assertEquals("bob", store.headBucket("cached").orElseThrow().owner());
    assertEquals(again.created(), store.headBucket("cached").orElseThrow().created());
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.head("cached", "k")));
    put("cached", "k2", TestStores.random(2, 10));
    assertArrayEquals(TestStores.random(2, 10), TestStores.readAll(store, "cached", "k2"));
    assertEquals(1, store.usage("cached").objects());
  }

  @Test
  void aMissingBucketIsNotRemembered() {
    assertTrue(store.headBucket("later").isEmpty());
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.head("later", "k")));
    store.createBucket("later", "carol");
    assertEquals("carol", store.headBucket("later").orElseThrow().owner());
    put("later", "k", TestStores.random(3, 100));
    assertEquals(100, store.head("later", "k").size());
  }

  @Test
  void quotaChangeIsSeenByTheNextPut() {
    store.createBucket("quota", "alice");
    put("quota", "a", TestStores.random(4, 100));
    assertTrue(store.headBucket("quota").orElseThrow().quota().unlimited());
    store.setQuota("quota", new BucketQuota(0, 1));
    assertEquals(1, store.headBucket("quota").orElseThrow().quota().maxObjects());
    assertEquals(
        StatusCode.QUOTA_EXCEEDED, status(() -> put("quota", "b", TestStores.random(5, 100))));
    store.setQuota("quota", BucketQuota.NONE);
    assertTrue(store.headBucket("quota").orElseThrow().quota().unlimited());
    put("quota", "b", TestStores.random(5, 100));
    assertEquals(2, store.usage("quota").objects());
  }

  @Test
  void invalidNamesAreRefusedEveryTime() {
    for (int i = 0; i < 2; i++) {
      assertEquals(StatusCode.INVALID_BUCKET_NAME, status(() -> store.head("Bad_Name", "k")));
      assertEquals(StatusCode.INVALID_BUCKET_NAME, status(() -> store.head(null, "k")));
      assertTrue(store.headBucket("1.2.3.4").isEmpty());
    }
  }

  @Test
  void aClosedStoreRefusesEvenCachedBuckets() {
    store.createBucket("shut", "alice");
    assertTrue(store.headBucket("shut").isPresent());
    store.close();
    assertEquals(StatusCode.STORE_CLOSED, status(() -> store.head("shut", "k")));
    store = ObjectStores.open(config);
    assertTrue(store.headBucket("shut").isPresent());
  }

  private static LocalObjectStore.BucketRec rec(long id) {
    return new LocalObjectStore.BucketRec(id, 0, "o", BucketQuota.NONE, false);
  }

  @Test
  void aRecordReadWhileTheBucketChangedIsNotKept() {
    BucketCache cache = new BucketCache();
    AtomicInteger loads = new AtomicInteger();
    // the change commits after the reader read the index and before it caches what it read
    LocalObjectStore.BucketRec stale =
        cache.get(
            "b",
            n -> {
              loads.incrementAndGet();
              cache.changed("b");
              return rec(1);
            });
    assertEquals(1, stale.id());
    assertEquals(0, cache.size());
    LocalObjectStore.BucketRec fresh =
        cache.get(
            "b",
            n -> {
              loads.incrementAndGet();
              return rec(2);
            });
    assertEquals(2, fresh.id());
    assertEquals(2, loads.get());
    assertSame(fresh, cache.get("b", n -> rec(3)));
  }

  @Test
  void aChangeDropsTheRecordAndClearDropsAll() {
    BucketCache cache = new BucketCache();
    cache.get("a", n -> rec(1));
    cache.get("b", n -> rec(2));
    cache.changed("a");
    assertEquals(10, cache.get("a", n -> rec(10)).id());
    assertEquals(2, cache.get("b", n -> rec(20)).id());
    cache.clear();
    assertEquals(0, cache.size());
    assertNotEquals(2, cache.get("b", n -> rec(20)).id());
  }

  @Test
  void theCacheStaysBounded() {
    BucketCache cache = new BucketCache();
    for (int i = 0; i < BucketCache.MAX_ENTRIES + 10; i++) {
      cache.get("b" + i, n -> rec(1));
    }
    assertEquals(BucketCache.MAX_ENTRIES, cache.size());
    AtomicInteger loads = new AtomicInteger();
    cache.get(
        "over",
        n -> {
          loads.incrementAndGet();
          return rec(5);
        });
    cache.get(
        "over",
        n -> {
          loads.incrementAndGet();
          return rec(5);
        });
    assertEquals(2, loads.get());
    assertFalse(cache.size() > BucketCache.MAX_ENTRIES);
  }
}
