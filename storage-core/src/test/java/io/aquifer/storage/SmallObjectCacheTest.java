package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small-object cache: its bound and eviction, and through the store that {@link
 * ObjectStore#tryGetCached} answers exactly what {@link ObjectStore#get} gives, after every kind of
 * change to the key.
 */
@Timeout(120)
class SmallObjectCacheTest {
  @TempDir Path dir;
  ObjectStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private void open(long cacheBytes) {
    store =
        ObjectStores.open(
            TestStores.config(dir, 4, 2, 2)
                .withPacking(128L << 10, 1L << 20)
                .withSmallCacheBytes(cacheBytes),
            false);
    store.createBucket("bkt", "o");
  }

  private static byte[] id(int n) {
    return ByteBuffer.allocate(16).putLong(8, n).array();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  // ---- the cache alone

  @Test
  void neverHoldsMoreThanItsBound() {
    long cap = 10 * (1000 + SmallObjectCache.ENTRY_OVERHEAD);
    SmallObjectCache c = new SmallObjectCache(cap, 4096);
    for (int i = 0; i < 200; i++) {
      c.put(id(i), new byte[1000 + (i % 7)], 0, 900);
      if (i % 3 == 0) {
        c.get(id(i - 1)); // some entries referenced
      }
      assertTrue(c.bytes() <= cap, "held " + c.bytes() + " of " + cap);
    }
    assertTrue(c.entries() >= 8 && c.entries() <= 10, "entries " + c.entries());
    assertTrue(c.evictions() >= 190, "evictions " + c.evictions());
  }

  @Test
  void aReferencedEntryGetsASecondChance() {
    long cap = 3 * (100 + SmallObjectCache.ENTRY_OVERHEAD);
    SmallObjectCache c = new SmallObjectCache(cap, 4096);
    c.put(id(1), new byte[100], 0, 100);
    c.put(id(2), new byte[100], 0, 100);
    c.put(id(3), new byte[100], 0, 100);
    assertNotNull(c.get(id(1)));
    c.put(id(4), new byte[100], 0, 100); // evicts 2, the oldest not read since
    assertNotNull(c.get(id(1)));
    assertNull(c.get(id(2)));
    assertNotNull(c.get(id(3)));
    assertNotNull(c.get(id(4)));
    assertEquals(1, c.evictions());
  }

  @Test
  void givesReadOnlyViewsOfTheContentAndSkipsLargeObjects() {
    SmallObjectCache c = new SmallObjectCache(1 << 20, 1000);
    byte[] rec = "headerBODY".getBytes(StandardCharsets.US_ASCII);
    c.put(id(1), rec, 6, 4);
    ByteBuffer got = c.get(id(1));
    assertEquals("BODY", new String(bytes(got), StandardCharsets.US_ASCII));
    assertTrue(got.isReadOnly());
    c.put(id(2), new byte[2000], 0, 1001);
    assertNull(c.get(id(2)));
    assertEquals(1, c.entries());
    assertEquals(1, c.hits());
    assertEquals(1, c.misses());
  }

  @Test
  void aDisabledCacheKeepsNothing() {
    SmallObjectCache c = new SmallObjectCache(0, 1000);
    c.put(id(1), new byte[10], 0, 10);
    assertNull(c.get(id(1)));
    assertEquals(0, c.bytes());
  }

  // ---- through the store

  /** tryGetCached's answer is the one head and get give, or null. */
  private void assertCurrent(String key, byte[] want) {
    CachedObject c = store.tryGetCached("bkt", key);
    if (c != null) {
      assertEquals(store.head("bkt", key), c.info());
      assertArrayEquals(want, bytes(c.content()), "cached content of " + key);
      assertEquals(store.headBucket("bkt").orElseThrow(), c.bucket());
    }
    assertArrayEquals(want, TestStores.readAll(store, "bkt", key));
  }

  /** Reads the key (filling the cache) and asserts that the next tryGetCached hits. */
  private CachedObject cached(String key, byte[] want) {
    assertArrayEquals(want, TestStores.readAll(store, "bkt", key));
    CachedObject c = store.tryGetCached("bkt", key);
    assertNotNull(c, "a read of " + key + " fills the cache");
    assertArrayEquals(want, bytes(c.content()));
    return c;
  }

  @Test
  void aReadFillsTheCacheAndLaterReadsAreAnsweredFromIt() {
    open(1 << 20);
    byte[] data = TestStores.random(1, 4096);
    store.put("bkt", "k", data, PutOptions.DEFAULT.withContentType("text/plain"));
    assertNull(store.tryGetCached("bkt", "k"), "nothing is cached by a PUT");
    CachedObject c = cached("k", data);
    assertEquals(store.head("bkt", "k"), c.info());
    long hits = store.stats().smallCacheHits();
    assertArrayEquals(data, TestStores.readAll(store, "bkt", "k"));
    assertEquals(hits + 1, store.stats().smallCacheHits(), "get is answered from the cache");
    try (ObjectReader r = c.open(100, 1000)) {
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 1100), bytes(r.takeRemaining()));
    }
    try (ObjectReader r = c.open(4000, -1)) {
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 4000, 4096), bytes(r.takeRemaining()));
    }
    assertEquals(
        StatusCode.INVALID_RANGE,
        assertThrows(StorageException.class, () -> c.open(4096, 1)).status());
    assertTrue(store.stats().smallCacheBytes() > 4096);
    assertNull(store.tryGetCached("bkt", "missing"));
    assertNull(store.tryGetCached("nobucket", "k"));
  }

  @Test
  void everyChangeOfTheKeyIsSeenAtOnce() {
    open(1 << 20);
    byte[] v1 = TestStores.random(1, 3000);
    store.put("bkt", "k", v1, PutOptions.DEFAULT);
    cached("k", v1);

    byte[] v2 = TestStores.random(2, 3000);
    store.put("bkt", "k", v2, PutOptions.DEFAULT);
    assertCurrent("k", v2);
    cached("k", v2);

    store.updateAttributes("bkt", "k", Map.of("cache-control", "no-cache"), Set.of());
    CachedObject c = store.tryGetCached("bkt", "k");
    assertNotNull(c, "the data id stays: still cached");
    assertEquals("no-cache", c.info().attributes().get("cache-control"));
    assertCurrent("k", v2);

    byte[] other = TestStores.random(3, 2000);
    store.put("bkt", "src", other, PutOptions.DEFAULT);
    store.copy("bkt", "src", "bkt", "k", null);
    assertCurrent("k", other);
    cached("k", other);

    byte[] renamed = TestStores.random(4, 1000);
    store.put("bkt", "moving", renamed, PutOptions.DEFAULT);
    cached("moving", renamed);
    store.rename("bkt", "moving", "k", true);
    assertNull(store.tryGetCached("bkt", "moving"));
    assertCurrent("k", renamed);
    cached("k", renamed);

    String up = store.createUpload("bkt", "k", PutOptions.DEFAULT);
    byte[] part = TestStores.random(5, 6000);
    String etag;
    try (ObjectWriter w = store.newPartWriter("bkt", "k", up, 1)) {
      w.write(part, 0, part.length);
      etag = w.commit().etag();
    }
    store.completeUpload(
        "bkt", "k", up, List.of(new CompletedPart(1, etag)), WriteCondition.none());
    assertCurrent("k", part);

    store.put("bkt", "k", v1, PutOptions.DEFAULT);
    cached("k", v1);
    store.delete("bkt", "k");
    assertNull(store.tryGetCached("bkt", "k"));
    assertEquals(
        StatusCode.NO_SUCH_KEY,
        assertThrows(StorageException.class, () -> store.get("bkt", "k")).status());

    store.put("bkt", "k", v1, PutOptions.DEFAULT);
    cached("k", v1);
    store.delete("bkt", "k");
    store.delete("bkt", "src");
    store.deleteBucket("bkt");
    assertNull(store.tryGetCached("bkt", "k"));
    store.createBucket("bkt", "someone-else");
    assertNull(store.tryGetCached("bkt", "k"));
    store.put("bkt", "k", v2, PutOptions.DEFAULT);
    assertCurrent("k", v2);
    assertEquals("someone-else", cached("k", v2).bucket().owner());
  }

  @Test
  void readersNeverSeeAVersionOlderThanTheLastAcknowledgedWrite() throws Exception {
    open(1 << 20);
    store.put("bkt", "k", version(0), PutOptions.DEFAULT);
    AtomicLong acked = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        readers.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    long floor = acked.get();
                    CachedObject c = store.tryGetCached("bkt", "k");
                    long seen =
                        c != null
                            ? versionOf(bytes(c.content()))
                            : versionOf(TestStores.readAll(store, "bkt", "k"));
                    assertTrue(seen >= floor, "saw " + seen + " after " + floor + " was acked");
                  }
                  return null;
                }));
      }
      for (long v = 1; v <= 300; v++) {
        store.put("bkt", "k", version(v), PutOptions.DEFAULT);
        acked.set(v);
        TestStores.readAll(store, "bkt", "k"); // fill the cache with the newest id
      }
      stop.set(true);
      for (Future<?> f : readers) {
        f.get();
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    assertTrue(store.stats().smallCacheHits() > 0);
  }

  private static byte[] version(long v) {
    byte[] b = TestStores.random(v, 1024);
    ByteBuffer.wrap(b).putLong(0, v);
    return b;
  }

  private static long versionOf(byte[] b) {
    return ByteBuffer.wrap(b).getLong(0);
  }

  @Test
  void theStoresCacheStaysWithinItsBound() {
    long cap = 8 * (4096 + 200 + SmallObjectCache.ENTRY_OVERHEAD);
    open(cap);
    Consumer<Integer> readKey =
        i ->
            assertArrayEquals(
                TestStores.random(i, 4096), TestStores.readAll(store, "bkt", "k" + i));
    for (int i = 0; i < 40; i++) {
      store.put("bkt", "k" + i, TestStores.random(i, 4096), PutOptions.DEFAULT);
      readKey.accept(i);
      readKey.accept(i / 2);
      assertTrue(store.stats().smallCacheBytes() <= cap);
    }
    assertTrue(store.stats().smallCacheEvictions() > 0);
    assertTrue(store.stats().smallCacheBytes() > 4 * 4096);
  }

  @Test
  void aDisabledCacheAnswersNothingAndReadsStillWork() {
    open(0);
    byte[] data = TestStores.random(1, 4096);
    store.put("bkt", "k", data, PutOptions.DEFAULT);
    assertArrayEquals(data, TestStores.readAll(store, "bkt", "k"));
    assertArrayEquals(data, TestStores.readAll(store, "bkt", "k"));
    assertNull(store.tryGetCached("bkt", "k"));
    StoreStats s = store.stats();
    assertEquals(0, s.smallCacheHits() + s.smallCacheMisses() + s.smallCacheBytes());
  }

  @Test
  void aClosedStoreAnswersNothing() {
    open(1 << 20);
    byte[] data = TestStores.random(1, 4096);
    store.put("bkt", "k", data, PutOptions.DEFAULT);
    cached("k", data);
    store.close();
    assertNull(store.tryGetCached("bkt", "k"));
    store = null;
  }
}
