package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rename of an object and of a key prefix (a directory): one index batch, no data copied, usage
 * exact, and the new names survive a restart and {@code rebuild-index}.
 */
class RenameTest {
  @TempDir Path dir;
  StorageConfig config;
  ObjectStore store;

  @BeforeEach
  void open() {
    config = TestStores.shardConfig(dir, 4, 2, 2);
    store = ObjectStores.open(config);
    store.createBucket("data");
  }

  @AfterEach
  void close() {
    store.close();
  }

  static StatusCode status(Runnable r) {
    return assertThrows(StorageException.class, r::run).status();
  }

  private byte[] put(String key, long seed, int size) {
    byte[] d = TestStores.random(seed, size);
    store.put("data", key, d, PutOptions.DEFAULT.withContentType("text/x-" + seed));
    return d;
  }

  /** Every key of the bucket with its content. */
  static Map<String, String> contents(ObjectStore s, String bucket) {
    Map<String, String> out = new TreeMap<>();
    ListPage page = s.list(bucket, ListQuery.prefix(""));
    while (true) {
      for (ObjectInfo o : page.objects()) {
        out.put(o.key(), TestStores.md5(TestStores.readAll(s, bucket, o.key())));
      }
      if (!page.truncated()) {
        return out;
      }
      page = s.list(bucket, ListQuery.prefix("").next(page.nextToken()));
    }
  }

  static List<String> keys(ObjectStore s, String bucket) {
    return new ArrayList<>(contents(s, bucket).keySet());
  }

  /** Files under the drives' {@code renames} directories (records and operation files). */
  static long renameRecords(StorageConfig c) throws Exception {
    long n = 0;
    for (Path d : c.drives()) {
      Path r = d.resolve(Renames.DIR);
      if (Files.isDirectory(r)) {
        try (Stream<Path> s = Files.walk(r)) {
          n += s.filter(Files::isRegularFile).count();
        }
      }
    }
    return n;
  }

  private void assertUsageExact() {
    assertEquals(BucketQuotaTest.listed(store, "data"), store.usage("data"));
  }

  @Test
  void renameMovesTheObjectWithoutCopyingItsData() throws Exception {
    byte[] d = put("a/x", 1, 20_000);
    ObjectInfo before = store.head("data", "a/x");
    var shards = TestStores.shardFiles(config);
    BucketUsage usage = store.usage("data");
    ObjectInfo after = store.rename("data", "a/x", "b/y", false);
    assertEquals("b/y", after.key());
    assertEquals(before.etag(), after.etag());
    assertEquals(before.size(), after.size());
    assertEquals(before.modified(), after.modified());
    assertEquals("text/x-1", after.contentType());
    assertTrue(after.version() > before.version());
    assertEquals(after, store.head("data", "b/y"));
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.head("data", "a/x")));
    assertArrayEquals(d, TestStores.readAll(store, "data", "b/y"));
    assertEquals(shards, TestStores.shardFiles(config), "no data written or deleted");
    assertEquals(usage, store.usage("data"));
    assertUsageExact();
  }

  @Test
  void withoutReplaceAnExistingTargetIsRefusedAndNothingChanges() {
    byte[] a = put("a", 1, 5000);
    byte[] b = put("b", 2, 7000);
    BucketUsage usage = store.usage("data");
    assertEquals(
        StatusCode.PRECONDITION_FAILED, status(() -> store.rename("data", "a", "b", false)));
    assertArrayEquals(a, TestStores.readAll(store, "data", "a"));
    assertArrayEquals(b, TestStores.readAll(store, "data", "b"));
    assertEquals(usage, store.usage("data"));
  }

  @Test
  void replaceReclaimsTheTargetAndLowersUsage() throws Exception {
    byte[] a = put("a", 1, 5000);
    put("b", 2, 7000);
    assertEquals(new BucketUsage(2, 12_000), store.usage("data"));
    store.rename("data", "a", "b", true);
    assertArrayEquals(a, TestStores.readAll(store, "data", "b"));
    assertEquals(List.of("b"), keys(store, "data"));
    assertEquals(new BucketUsage(1, 5000), store.usage("data"));
    assertEquals(4, TestStores.shardFiles(config).size(), "the replaced data is reclaimed");
    assertUsageExact();
  }

  @Test
  void aReaderOfTheReplacedTargetKeepsReadingIt() throws Exception {
    put("a", 1, 5000);
    byte[] b = put("b", 2, 30_000);
    try (ObjectReader r = store.get("data", "b")) {
      store.rename("data", "a", "b", true);
      assertArrayEquals(b, r.asInputStream().readAllBytes());
    }
    assertEquals(4, TestStores.shardFiles(config).size(), "reclaimed when the reader closed");
  }

  @Test
  void missingSourceBucketAndBadKeysAreRefused() {
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.rename("data", "nope", "x", true)));
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.rename("other", "a", "b", true)));
    put("a", 1, 10);
    assertEquals(StatusCode.INVALID_KEY, status(() -> store.rename("data", "a", "", true)));
    assertEquals(
        StatusCode.INVALID_KEY, status(() -> store.rename("data", "a", "x".repeat(1025), true)));
    assertEquals(List.of("a"), keys(store, "data"));
  }

  @Test
  void renameOntoItself() {
    byte[] a = put("a", 1, 3000);
    ObjectInfo before = store.head("data", "a");
    assertEquals(before, store.rename("data", "a", "a", true));
    assertEquals(before, store.head("data", "a"));
    assertEquals(
        StatusCode.PRECONDITION_FAILED, status(() -> store.rename("data", "a", "a", false)));
    assertArrayEquals(a, TestStores.readAll(store, "data", "a"));
    assertUsageExact();
  }

  @Test
  void prefixRenameMovesATreeAndReplacesMatchingTargets() throws Exception {
    store.put("data", "a/b/", new byte[0], PutOptions.DEFAULT); // the directory's marker
    byte[] f1 = put("a/b/f1", 1, 9000);
    byte[] f2 = put("a/b/c/f2", 2, 100);
    store.put("data", "a/b/c/d/", new byte[0], PutOptions.DEFAULT);
    byte[] bz = put("a/bz", 3, 50); // not under a/b/
    put("c/f1", 4, 20_000); // replaced
    byte[] other = put("c/other", 5, 70); // stays
    ObjectInfo f1Before = store.head("data", "a/b/f1");
    assertEquals(4, store.renamePrefix("data", "a/b/", "c/", 4));
    assertEquals(List.of("a/bz", "c/", "c/c/d/", "c/c/f2", "c/f1", "c/other"), keys(store, "data"));
    assertArrayEquals(f1, TestStores.readAll(store, "data", "c/f1"));
    assertArrayEquals(f2, TestStores.readAll(store, "data", "c/c/f2"));
    assertArrayEquals(bz, TestStores.readAll(store, "data", "a/bz"));
    assertArrayEquals(other, TestStores.readAll(store, "data", "c/other"));
    assertEquals(0, store.head("data", "c/").size());
    assertEquals(f1Before.etag(), store.head("data", "c/f1").etag());
    assertEquals(new BucketUsage(6, 9000 + 100 + 50 + 70), store.usage("data"));
    assertUsageExact();
    assertEquals(6 * 4, TestStores.shardFiles(config).size(), "replaced data reclaimed");
    assertEquals(0, store.renamePrefix("data", "nothing/", "x/", 10));
  }

  @Test
  void prefixRenameOverTheLimitChangesNothing() throws Exception {
    for (int i = 0; i < 5; i++) {
      put("d/k" + i, i, 100 + i);
    }
    put("e/k0", 9, 10);
    Map<String, String> before = contents(store, "data");
    BucketUsage usage = store.usage("data");
    var e = assertThrows(StorageException.class, () -> store.renamePrefix("data", "d/", "e/", 4));
    assertEquals(StatusCode.TOO_MANY_ENTRIES, e.status());
    assertTrue(e.getMessage().contains("more than 4 keys"), e.getMessage());
    assertEquals(before, contents(store, "data"));
    assertEquals(usage, store.usage("data"));
    assertEquals(0, renameRecords(config));
    assertEquals(5, store.renamePrefix("data", "d/", "e/", 5));
    assertEquals(List.of("e/k0", "e/k1", "e/k2", "e/k3", "e/k4"), keys(store, "data"));
    assertUsageExact();
  }

  @Test
  void aTargetInsideTheSourceIsRefused() {
    put("a/b/x", 1, 10);
    assertEquals(
        StatusCode.INVALID_ARGUMENT, status(() -> store.renamePrefix("data", "a/b/", "a/b/c/", 9)));
    assertEquals(
        StatusCode.INVALID_ARGUMENT, status(() -> store.renamePrefix("data", "a/b/", "a/b/", 9)));
    assertEquals(
        StatusCode.INVALID_ARGUMENT, status(() -> store.renamePrefix("data", "", "x/", 9)));
    assertEquals(
        StatusCode.INVALID_ARGUMENT, status(() -> store.renamePrefix("data", "a/", "x/", -1)));
    assertEquals(List.of("a/b/x"), keys(store, "data"));
  }

  @Test
  void aSourceInsideTheTargetMovesUp() {
    byte[] x = put("a/b/x", 1, 10);
    byte[] y = put("a/b/b/x", 2, 20); // moves onto a/b/x, which itself moves to a/x
    byte[] old = put("a/x", 3, 30); // replaced
    assertEquals(2, store.renamePrefix("data", "a/b/", "a/", 10));
    assertEquals(List.of("a/b/x", "a/x"), keys(store, "data"));
    assertArrayEquals(y, TestStores.readAll(store, "data", "a/b/x"));
    assertArrayEquals(x, TestStores.readAll(store, "data", "a/x"));
    assertNotEquals(TestStores.md5(old), TestStores.md5(x));
    assertEquals(new BucketUsage(2, 30), store.usage("data"));
    assertUsageExact();
  }

  @Test
  void newNamesSurviveRestartAndRebuildIndex() throws Exception {
    Map<String, byte[]> want = new TreeMap<>();
    want.put("f/renamed", put("f/orig", 1, 12_345));
    store.rename("data", "f/orig", "f/renamed", false);
    want.put("f/target", put("f/src", 2, 5000));
    put("f/target", 3, 8000);
    store.rename("data", "f/src", "f/target", true);
    want.put("chain/3", put("chain/1", 4, 100));
    store.rename("data", "chain/1", "chain/2", false);
    store.rename("data", "chain/2", "chain/3", false);
    want.put("back/1", put("back/1", 5, 200));
    store.rename("data", "back/1", "back/2", false);
    store.rename("data", "back/2", "back/1", false);
    // the first key is written again after its object moved away: both live on
    want.put("f/orig", put("f/orig", 6, 300));
    store.put("data", "t/a/b/", new byte[0], PutOptions.DEFAULT);
    want.put("t/c/", new byte[0]);
    want.put("t/c/x", put("t/a/b/x", 7, 4000));
    want.put("t/c/d/y", put("t/a/b/d/y", 8, 0));
    put("t/c/x", 9, 99); // replaced by the prefix rename
    // a multipart object, renamed and then moved with its directory
    String up = store.createUpload("data", "m/big", PutOptions.DEFAULT);
    byte[] p1 = TestStores.random(10, 6000);
    byte[] p2 = TestStores.random(11, 700);
    String e1;
    String e2;
    try (ObjectWriter w = store.newPartWriter("data", "m/big", up, 1)) {
      w.write(p1, 0, p1.length);
      e1 = w.commit().etag();
    }
    try (ObjectWriter w = store.newPartWriter("data", "m/big", up, 2)) {
      w.write(p2, 0, p2.length);
      e2 = w.commit().etag();
    }
    store.completeUpload(
        "data",
        "m/big",
        up,
        List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
        WriteCondition.none());
    store.rename("data", "m/big", "t/a/b/big", false);
    var whole = new java.io.ByteArrayOutputStream();
    whole.writeBytes(p1);
    whole.writeBytes(p2);
    want.put("t/c/big", whole.toByteArray());
    assertEquals(4, store.renamePrefix("data", "t/a/b/", "t/c/", 100));
    // a renamed object that is then deleted leaves no record behind
    put("gone", 12, 10);
    store.rename("data", "gone", "gone2", false);
    store.delete("data", "gone2");
    Map<String, String> md5s = new TreeMap<>();
    want.forEach((k, v) -> md5s.put(k, TestStores.md5(v)));
    assertEquals(md5s, contents(store, "data"));
    assertUsageExact();
    store.close();

    store = ObjectStores.open(config);
    assertEquals(md5s, contents(store, "data"), "after restart");
    assertUsageExact();
    ObjectInfo big = store.head("data", "t/c/big");
    assertEquals(2, big.parts());
    store.close();

    TestStores.deleteTree(config.indexDir());
    RebuildReport r = ObjectStores.rebuildIndex(config);
    assertEquals(want.size(), r.objects());
    store = ObjectStores.open(config);
    assertEquals(md5s, contents(store, "data"), "after rebuild-index");
    for (var e : want.entrySet()) {
      assertArrayEquals(e.getValue(), TestStores.readAll(store, "data", e.getKey()), e.getKey());
    }
    assertEquals(2, store.head("data", "t/c/big").parts());
    assertEquals(big.etag(), store.head("data", "t/c/big").etag());
    assertUsageExact();
    assertEquals(0, TestStores.shardFiles(config).size() % 4);
    // records of superseded names are gone: at most one per live object per drive
    assertTrue(renameRecords(config) <= 4L * want.size(), "records " + renameRecords(config));
    // the rebuilt index keeps working, and a second rebuild agrees with it
    store.rename("data", "f/renamed", "f/again", false);
    md5s.put("f/again", md5s.remove("f/renamed"));
    store.close();
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(md5s, contents(store, "data"), "after a second rebuild-index");
  }

  /**
   * Stages a crash between a rename's name records and its index batch: the undo entry and the
   * operation file are durable, the batch never ran. Returns the data's content.
   */
  private byte[] crashMidRename(String from, String to) {
    byte[] d = put(from, 1, 6000);
    LocalObjectStore ls = (LocalObjectStore) store;
    ObjectMeta m = ls.meta("data", from);
    byte[] id = LocalObjectStore.reclaimId(m);
    byte[] op = ls.core().newId();
    Renames.begin(
        ls.core(), op, List.of(new Renames.Name(id, "data", from, m.version() + 1, Map.of())));
    Renames.writeOp(
        ls.core(), op, List.of(new Renames.Name(id, "data", to, m.version() + 1, Map.of())), 3);
    return d;
  }

  @Test
  void aCrashBetweenRecordAndBatchLeavesTheOldNameAfterRestartAndRebuild() throws Exception {
    byte[] d = crashMidRename("old", "new");
    store.close();
    store = ObjectStores.open(config); // rolls the record back
    assertEquals(List.of("old"), keys(store, "data"));
    assertArrayEquals(d, TestStores.readAll(store, "data", "old"));
    store.close();
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(List.of("old"), keys(store, "data"), "rebuild agrees with the restart");
    assertArrayEquals(d, TestStores.readAll(store, "data", "old"));
    assertUsageExact();
  }

  @Test
  void aRolledBackRecordWinsOverTheFailedRenamesRecordOnADriveThatWasAway() throws Exception {
    byte[] d = crashMidRename("old", "new");
    store.close();
    Path away = dir.resolve("away");
    Files.move(config.drives().get(0), away);
    store = ObjectStores.open(config); // rolls back on drives 1 to 3 only
    assertEquals(List.of("old"), keys(store, "data"));
    store.close();
    Files.move(away, config.drives().get(0)); // back, with the failed rename's record
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(List.of("old"), keys(store, "data"), "the rollback's newer record wins");
    assertArrayEquals(d, TestStores.readAll(store, "data", "old"));
  }

  @Test
  void aCrashAfterTheBatchIsFinishedAtTheNextStart() throws Exception {
    byte[] d = put("old", 1, 6000);
    ObjectInfo moved = store.rename("data", "old", "new", false);
    assertEquals(4, renameRecords(config), "one record per drive, no operation file left");
    // as if the process died after the batch, before the per-object records were written
    LocalObjectStore ls = (LocalObjectStore) store;
    byte[] id = LocalObjectStore.reclaimId(ls.meta("data", "new"));
    Renames.delete(ls.core(), id);
    Renames.writeOp(
        ls.core(),
        ls.core().newId(),
        List.of(new Renames.Name(id, "data", "new", moved.version(), Map.of())),
        3);
    store.close();
    store = ObjectStores.open(config);
    assertEquals(List.of("new"), keys(store, "data"));
    assertEquals(4, renameRecords(config), "records written, operation file gone");
    store.close();
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(List.of("new"), keys(store, "data"));
    assertArrayEquals(d, TestStores.readAll(store, "data", "new"));
  }

  @Test
  void aRebuildRightAfterSuchACrashGivesExactlyOneName() throws Exception {
    byte[] d = crashMidRename("old", "new");
    store.close();
    TestStores.deleteTree(config.indexDir()); // the undo entry is lost with the index
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(List.of("new"), keys(store, "data"), "the unacknowledged rename landed whole");
    assertArrayEquals(d, TestStores.readAll(store, "data", "new"));
    assertUsageExact();
  }

  @Test
  void concurrentRenameAndOverwriteOfOneKeyEndConsistent() throws Exception {
    var failures = new ConcurrentLinkedQueue<Throwable>();
    AtomicBoolean stop = new AtomicBoolean();
    store.put("data", "moving/x", ConcurrencyTest.version(0, 4000), PutOptions.DEFAULT);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> tasks = new ArrayList<>();
      // overwrites of both names of the key being renamed
      for (int w = 1; w <= 2; w++) {
        int writer = w;
        tasks.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 60; i++) {
                    int v = writer * 1000 + i;
                    String key = i % 2 == 0 ? "hot/a" : "hot/b";
                    store.put(
                        "data",
                        key,
                        ConcurrencyTest.version(v, 4 * (500 + v % 900)),
                        PutOptions.DEFAULT);
                    if (i % 9 == 0) {
                      store.delete("data", key);
                    }
                  }
                  return null;
                }));
      }
      // renames back and forth, with replace
      tasks.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 120; i++) {
                  try {
                    if (i % 2 == 0) {
                      store.rename("data", "hot/a", "hot/b", true);
                    } else {
                      store.renamePrefix("data", "hot/b", "hot/a", 10);
                    }
                  } catch (StorageException e) {
                    if (e.status() != StatusCode.NO_SUCH_KEY) {
                      throw e;
                    }
                  }
                }
                return null;
              }));
      // an object nobody else touches moves between two names; every listing sees exactly one
      tasks.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 100; i++) {
                  if (i % 2 == 0) {
                    store.rename("data", "moving/x", "parked/x", false);
                  } else {
                    store.renamePrefix("data", "parked/", "moving/", 10);
                  }
                }
                stop.set(true);
                return null;
              }));
      tasks.add(
          pool.submit(
              () -> {
                while (!stop.get()) {
                  List<String> seen = new ArrayList<>();
                  for (ObjectInfo o : store.list("data", ListQuery.prefix("")).objects()) {
                    seen.add(o.key());
                  }
                  long names =
                      seen.stream()
                          .filter(k -> k.equals("moving/x") || k.equals("parked/x"))
                          .count();
                  if (names != 1) {
                    failures.add(new AssertionError("listing saw " + seen));
                  }
                }
                return null;
              }));
      for (Future<?> f : tasks) {
        f.get();
      }
    }
    assertTrue(failures.isEmpty(), failures.toString());
    // each remaining hot key holds one whole version
    for (String k : List.of("hot/a", "hot/b")) {
      if (keys(store, "data").contains(k)) {
        byte[] b = TestStores.readAll(store, "data", k);
        int v = java.nio.ByteBuffer.wrap(b).getInt();
        assertArrayEquals(ConcurrencyTest.version(v, 4 * (500 + v % 900)), b, k);
      }
    }
    assertArrayEquals(
        ConcurrencyTest.version(0, 4000), TestStores.readAll(store, "data", "moving/x"));
    assertFalse(keys(store, "data").contains("parked/x"));
    assertUsageExact();
    long objects = store.usage("data").objects();
    assertEquals(objects * 4, TestStores.shardFiles(config).size(), "nothing leaked");
    Map<String, String> before = contents(store, "data");
    store.close();
    TestStores.deleteTree(config.indexDir());
    ObjectStores.rebuildIndex(config);
    store = ObjectStores.open(config);
    assertEquals(before, contents(store, "data"), "rebuild-index agrees");
  }
}
