package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bucket owners, quotas and usage, on real RocksDB and drive directories. */
class BucketQuotaTest {
  @TempDir Path dir;
  StorageConfig config;
  ObjectStore store;

  @BeforeEach
  void open() {
    config = TestStores.shardConfig(dir, 4, 2, 2); // min part size 5000
    store = ObjectStores.open(config);
    store.createBucket("data", "alice");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void reopen() {
    store.close();
    store = ObjectStores.open(config);
  }

  static StorageException failure(Runnable r) {
    return assertThrows(StorageException.class, r::run);
  }

  /** Objects and bytes by a full listing, to compare with {@link ObjectStore#usage}. */
  static BucketUsage listed(ObjectStore s, String bucket) {
    long objects = 0;
    long bytes = 0;
    ListPage page = s.list(bucket, ListQuery.prefix(""));
    while (true) {
      for (ObjectInfo o : page.objects()) {
        objects++;
        bytes += o.size();
      }
      if (!page.truncated()) {
        return new BucketUsage(objects, bytes);
      }
      page = s.list(bucket, ListQuery.prefix("").next(page.nextToken()));
    }
  }

  private void put(String key, int size) {
    store.put("data", key, TestStores.random(size, size), PutOptions.DEFAULT);
  }

  private String part(String key, String upload, int n, byte[] data) {
    try (ObjectWriter w = store.newPartWriter("data", key, upload, n)) {
      w.write(data, 0, data.length);
      return w.commit().etag();
    }
  }

  private long manifestFiles() throws IOException {
    long n = 0;
    for (Path d : config.drives()) {
      try (Stream<Path> s = Files.list(d.resolve("manifests"))) {
        n += s.count();
      }
    }
    return n;
  }

  /** Shard files equal those of the committed objects: nothing of a failed write is left. */
  private void assertNoLeftovers() throws IOException {
    long segments = 0;
    ListPage page = store.list("data", ListQuery.prefix(""));
    for (ObjectInfo o : page.objects()) {
      segments += Math.max(1, o.parts());
    }
    assertEquals(segments * 4, TestStores.shardFiles(config).size(), "leftover shard files");
  }

  @Test
  void ownerAndQuotaArePersistedAndListed() {
    BucketInfo info = store.headBucket("data").orElseThrow();
    assertEquals("alice", info.owner());
    assertEquals(BucketQuota.NONE, info.quota());
    assertEquals("", store.createBucket("anon").owner());
    BucketInfo limited = store.setQuota("data", new BucketQuota(1 << 20, 10));
    assertEquals(new BucketQuota(1 << 20, 10), limited.quota());
    assertEquals("alice", limited.owner());
    assertEquals(info.created(), limited.created());
    reopen();
    assertEquals(
        List.of(
            new BucketInfo(
                "anon", store.headBucket("anon").orElseThrow().created(), "", BucketQuota.NONE),
            new BucketInfo("data", info.created(), "alice", new BucketQuota(1 << 20, 10))),
        store.listBuckets());
    assertEquals(
        StatusCode.NO_SUCH_BUCKET,
        failure(() -> store.setQuota("nope", BucketQuota.NONE)).status());
    assertEquals(StatusCode.NO_SUCH_BUCKET, failure(() -> store.usage("nope")).status());
    assertEquals(
        StatusCode.INVALID_ARGUMENT, failure(() -> store.createBucket("nul-owner", null)).status());
  }

  @Test
  void quotaRecordRejectsNegativeLimits() {
    assertThrows(IllegalArgumentException.class, () -> new BucketQuota(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> new BucketQuota(0, -1));
    assertTrue(BucketQuota.NONE.unlimited());
    assertFalse(new BucketQuota(1, 0).unlimited());
    assertFalse(new BucketQuota(0, 1).unlimited());
  }

  @Test
  void usageFollowsEveryCommitAndSurvivesRestart() {
    assertEquals(new BucketUsage(0, 0), store.usage("data"));
    put("a", 1000);
    put("b", 9000);
    assertEquals(new BucketUsage(2, 10_000), store.usage("data"));
    put("a", 3000); // overwrite: size delta, same count
    assertEquals(new BucketUsage(2, 12_000), store.usage("data"));
    put("a", 10); // smaller
    assertEquals(new BucketUsage(2, 9010), store.usage("data"));
    store.copy("data", "b", "data", "c", null);
    assertEquals(new BucketUsage(3, 18_010), store.usage("data"));
    store.copy("data", "c", "data", "c", null); // onto itself: no change
    assertEquals(new BucketUsage(3, 18_010), store.usage("data"));
    store.delete("data", "b");
    store.delete("data", "b"); // missing key: no change
    assertEquals(new BucketUsage(2, 9010), store.usage("data"));

    String up = store.createUpload("data", "multi", PutOptions.DEFAULT);
    String e1 = part("multi", up, 1, TestStores.random(1, 6000));
    String e2 = part("multi", up, 2, TestStores.random(2, 700));
    part("multi", up, 3, TestStores.random(3, 500)); // not listed in complete
    assertEquals(new BucketUsage(2, 9010), store.usage("data"), "parts are not counted");
    store.completeUpload(
        "data",
        "multi",
        up,
        List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
        WriteCondition.none());
    assertEquals(new BucketUsage(3, 15_710), store.usage("data"));
    // a completed upload that overwrites an object counts the size delta
    String up2 = store.createUpload("data", "a", PutOptions.DEFAULT);
    String e3 = part("a", up2, 1, TestStores.random(4, 5500));
    store.completeUpload(
        "data", "a", up2, List.of(new CompletedPart(1, e3)), WriteCondition.none());
    assertEquals(new BucketUsage(3, 21_200), store.usage("data"));
    assertEquals(listed(store, "data"), store.usage("data"));

    store.createBucket("other");
    store.copy("data", "multi", "other", "m", null);
    assertEquals(new BucketUsage(1, 6700), store.usage("other"));
    reopen();
    assertEquals(new BucketUsage(3, 21_200), store.usage("data"));
    assertEquals(new BucketUsage(1, 6700), store.usage("other"));
    store.delete("data", "multi");
    assertEquals(listed(store, "data"), store.usage("data"));
  }

  @Test
  void putOverByteQuotaFailsAndStoresNothing() throws Exception {
    put("keep", 600);
    store.setQuota("data", new BucketQuota(1000, 0));
    var e = failure(() -> put("new", 500));
    assertEquals(StatusCode.QUOTA_EXCEEDED, e.status());
    assertTrue(e.getMessage().contains("data"), e.getMessage());
    assertTrue(e.getMessage().contains("1000"), e.getMessage());
    assertTrue(e.getMessage().contains("600"), e.getMessage());
    assertEquals(StatusCode.NO_SUCH_KEY, failure(() -> store.head("data", "new")).status());
    // an overwrite that grows past the limit fails and keeps the previous version
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("keep", 1001)).status());
    assertArrayEquals(TestStores.random(600, 600), TestStores.readAll(store, "data", "keep"));
    assertEquals(new BucketUsage(1, 600), store.usage("data"));
    assertNoLeftovers();
    // exactly up to the limit is allowed
    put("fill", 400);
    assertEquals(new BucketUsage(2, 1000), store.usage("data"));
    put("keep", 600); // same size: allowed at the limit
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("one-more", 1)).status());
    put("zero", 0); // no bytes: the byte limit does not stop it
    assertEquals(new BucketUsage(3, 1000), store.usage("data"));
    assertNoLeftovers();
  }

  @Test
  void objectQuotaCountsNewKeysOnly() throws Exception {
    store.setQuota("data", new BucketQuota(0, 2));
    put("a", 100);
    put("b", 100);
    var e = failure(() -> put("c", 1));
    assertEquals(StatusCode.QUOTA_EXCEEDED, e.status());
    assertTrue(e.getMessage().contains("2 objects"), e.getMessage());
    put("a", 50_000); // overwrite: no new object, no byte limit
    store.delete("data", "b");
    put("c", 1);
    assertEquals(new BucketUsage(2, 50_001), store.usage("data"));
    assertNoLeftovers();
  }

  @Test
  void quotaIsCheckedAtCommitNotOnlyWhenTheWriterOpens() throws Exception {
    store.setQuota("data", new BucketQuota(0, 1));
    try (ObjectWriter w1 = store.newWriter("data", "one", PutOptions.DEFAULT);
        ObjectWriter w2 = store.newWriter("data", "two", PutOptions.DEFAULT)) {
      w1.write(new byte[3000], 0, 3000);
      w2.write(new byte[4000], 0, 4000);
      w1.commit();
      assertEquals(StatusCode.QUOTA_EXCEEDED, failure(w2::commit).status());
    }
    assertEquals(new BucketUsage(1, 3000), store.usage("data"));
    assertEquals(StatusCode.NO_SUCH_KEY, failure(() -> store.head("data", "two")).status());
    assertNoLeftovers();
  }

  @Test
  void copyOverQuotaFailsAndStoresNothing() throws Exception {
    put("src", 8000);
    store.createBucket("small");
    store.setQuota("small", new BucketQuota(5000, 0));
    var e = failure(() -> store.copy("data", "src", "small", "dst", null));
    assertEquals(StatusCode.QUOTA_EXCEEDED, e.status());
    assertTrue(e.getMessage().contains("small"), e.getMessage());
    assertEquals(StatusCode.NO_SUCH_KEY, failure(() -> store.head("small", "dst")).status());
    assertEquals(new BucketUsage(0, 0), store.usage("small"));
    assertEquals(4, TestStores.shardFiles(config).size(), "only the source's shards");
    store.setQuota("small", new BucketQuota(8000, 0));
    store.copy("data", "src", "small", "dst", null);
    assertEquals(new BucketUsage(1, 8000), store.usage("small"));
  }

  @Test
  void completeOverQuotaKeepsTheUploadForAbortOrRetry() throws Exception {
    String up = store.createUpload("data", "big", PutOptions.DEFAULT);
    String e1 = part("big", up, 1, TestStores.random(1, 6000));
    String e2 = part("big", up, 2, TestStores.random(2, 6000));
    store.setQuota("data", new BucketQuota(10_000, 0));
    List<CompletedPart> parts = List.of(new CompletedPart(1, e1), new CompletedPart(2, e2));
    var e = failure(() -> store.completeUpload("data", "big", up, parts, WriteCondition.none()));
    assertEquals(StatusCode.QUOTA_EXCEEDED, e.status());
    assertEquals(StatusCode.NO_SUCH_KEY, failure(() -> store.head("data", "big")).status());
    assertEquals(2, store.listParts("data", "big", up).size(), "upload left in place");
    assertEquals(0, manifestFiles(), "no manifest left behind");
    assertEquals(new BucketUsage(0, 0), store.usage("data"));
    store.setQuota("data", new BucketQuota(12_000, 0));
    ObjectInfo done = store.completeUpload("data", "big", up, parts, WriteCondition.none());
    assertEquals(12_000, done.size());
    assertEquals(new BucketUsage(1, 12_000), store.usage("data"));

    // the same failure, then abort: nothing remains
    String up2 = store.createUpload("data", "big2", PutOptions.DEFAULT);
    String e3 = part("big2", up2, 1, TestStores.random(3, 100));
    assertEquals(
        StatusCode.QUOTA_EXCEEDED,
        failure(
                () ->
                    store.completeUpload(
                        "data",
                        "big2",
                        up2,
                        List.of(new CompletedPart(1, e3)),
                        WriteCondition.none()))
            .status());
    store.abortUpload("data", "big2", up2);
    assertEquals(4, manifestFiles(), "one manifest per drive, for big");
    assertEquals(2 * 4, TestStores.shardFiles(config).size());
  }

  @Test
  void completeFailingItsConditionLeavesNoManifest() throws Exception {
    put("k", 10);
    String up = store.createUpload("data", "k", PutOptions.DEFAULT);
    String e1 = part("k", up, 1, TestStores.random(1, 100));
    assertEquals(
        StatusCode.PRECONDITION_FAILED,
        failure(
                () ->
                    store.completeUpload(
                        "data",
                        "k",
                        up,
                        List.of(new CompletedPart(1, e1)),
                        WriteCondition.ifAbsent()))
            .status());
    assertEquals(0, manifestFiles());
    assertEquals(1, store.listParts("data", "k", up).size());
    assertEquals(new BucketUsage(1, 10), store.usage("data"));
  }

  @Test
  void quotaBelowUsageBlocksGrowthOnly() throws Exception {
    put("a", 1000);
    put("b", 1000);
    put("c", 1000);
    store.setQuota("data", new BucketQuota(1500, 1));
    assertEquals(new BucketUsage(3, 3000), store.usage("data"));
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("d", 1)).status());
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("a", 1001)).status());
    put("a", 500); // shrinking overwrite is always allowed
    store.delete("data", "b");
    store.delete("data", "c");
    assertEquals(new BucketUsage(1, 500), store.usage("data"));
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("d", 1)).status());
    store.delete("data", "a");
    put("d", 1500);
    assertEquals(new BucketUsage(1, 1500), store.usage("data"));
    store.setQuota("data", BucketQuota.NONE);
    put("e", 1);
    assertEquals(new BucketUsage(2, 1501), store.usage("data"));
    assertNoLeftovers();
  }

  private static List<byte[]> usageKeys(StorageConfig c) {
    try (KvStore kv = ObjectStores.openIndex(c);
        KvCursor cur = kv.scan(kv.table(StoreCore.T_USAGE), null, null)) {
      List<byte[]> keys = new java.util.ArrayList<>();
      for (; cur.valid(); cur.next()) {
        keys.add(cur.key());
      }
      return keys;
    }
  }

  @Test
  void deletingABucketRemovesItsUsageRecords() {
    store.createBucket("gone", "bob");
    store.setQuota("gone", new BucketQuota(10, 10));
    store.put("gone", "x", new byte[5], PutOptions.DEFAULT);
    store.delete("gone", "x");
    long goneId = ((LocalObjectStore) store).bucket("gone").id();
    long dataId = ((LocalObjectStore) store).bucket("data").id();
    store.deleteBucket("gone");
    store.close();
    List<byte[]> keys = usageKeys(config);
    assertFalse(keys.isEmpty());
    for (byte[] k : keys) {
      assertEquals(dataId, ByteBuffer.wrap(k).getLong(), "only data's usage records remain");
      assertTrue(ByteBuffer.wrap(k).getLong() != goneId);
    }
    store = ObjectStores.open(config);
    BucketInfo again = store.createBucket("gone");
    assertEquals("", again.owner());
    assertEquals(BucketQuota.NONE, again.quota());
    assertEquals(new BucketUsage(0, 0), store.usage("gone"));
  }

  @Test
  void bucketRecordsOfTheFirstFormatAreReadAndMigrated() {
    put("a", 1234);
    put("b", 5000);
    store.createBucket("empty");
    store.close();
    // rewrite the index as the previous release left it: 16-byte bucket records, no usage
    try (KvStore kv = ObjectStores.openIndex(config)) {
      var buckets = kv.table(StoreCore.T_BUCKETS);
      var usage = kv.table(StoreCore.T_USAGE);
      for (String name : List.of("data", "empty")) {
        byte[] k = name.getBytes(StandardCharsets.UTF_8);
        LocalObjectStore.BucketRec r = MetaFormat.decodeBucket(kv.get(buckets, k));
        kv.put(buckets, k, ByteBuffer.allocate(16).putLong(r.id()).putLong(r.created()).array());
        for (int i = 0; i < UsageLedger.SLOTS; i++) {
          kv.delete(usage, Names.usageKey(r.id(), i));
        }
      }
    }
    store = ObjectStores.open(config);
    BucketInfo data = store.headBucket("data").orElseThrow();
    assertEquals("", data.owner());
    assertEquals(BucketQuota.NONE, data.quota());
    assertEquals(new BucketUsage(2, 6234), store.usage("data"));
    assertEquals(new BucketUsage(0, 0), store.usage("empty"));
    put("c", 1);
    store.setQuota("data", new BucketQuota(0, 3));
    assertEquals(StatusCode.QUOTA_EXCEEDED, failure(() -> put("d", 1)).status());
    reopen();
    assertEquals(new BucketUsage(3, 6235), store.usage("data"));
    assertEquals(new BucketQuota(0, 3), store.headBucket("data").orElseThrow().quota());
  }

  @Test
  void rebuildIndexRecomputesUsageWithoutOwnersOrQuotas() throws Exception {
    put("a", 1000);
    put("b", 2000);
    put("a", 3000);
    put("gone", 4000);
    store.delete("data", "gone");
    String up = store.createUpload("data", "multi", PutOptions.DEFAULT);
    String e1 = part("multi", up, 1, TestStores.random(1, 6000));
    String e2 = part("multi", up, 2, TestStores.random(2, 10));
    store.completeUpload(
        "data",
        "multi",
        up,
        List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
        WriteCondition.none());
    String open = store.createUpload("data", "open", PutOptions.DEFAULT);
    part("open", open, 1, TestStores.random(3, 7000));
    store.setQuota("data", new BucketQuota(100_000, 100));
    store.createBucket("empty", "bob");
    BucketUsage before = store.usage("data");
    assertEquals(new BucketUsage(3, 11_010), before);
    store.close();
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(before, store.usage("data"));
    assertEquals(listed(store, "data"), store.usage("data"));
    assertEquals(new BucketUsage(0, 0), store.usage("empty"));
    for (BucketInfo b : store.listBuckets()) {
      assertEquals("", b.owner(), b.name());
      assertEquals(BucketQuota.NONE, b.quota(), b.name());
    }
    put("after", 5);
    assertEquals(new BucketUsage(4, 11_015), store.usage("data"));
  }
}
