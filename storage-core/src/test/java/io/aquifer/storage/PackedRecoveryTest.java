package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packed puts are acknowledged before the index log is synced; recovery at open re-indexes them
 * from the segments written since the last sync. A child ({@link PackedRecoveryWriter}) runs puts,
 * overwrites (packed over packed, shards over packed, packed over shards), deletes and renames on a
 * store whose index log is buffered until a sync, and is SIGKILLed at random points four times, so
 * each kill loses the unsynced index commits as power loss would. After each restart (no
 * rebuild-index) the store holds exactly what was acknowledged (the operation in flight either
 * happened or not), with the right bytes and ETags, deleted keys stay deleted, renamed objects are
 * only under their new names, usage is exact; at the end a full rebuild-index agrees.
 */
class PackedRecoveryTest {
  @TempDir Path dir;

  /** The value of a key: the seed and size of its bytes. */
  private record Value(long seed, int size) {
    byte[] bytes() {
      return TestStores.random(seed, size);
    }
  }

  @Test
  void acknowledgedPackedOperationsSurvivePowerLossLikeKills() throws Exception {
    Random rnd = new Random();
    Map<String, Value> model = new TreeMap<>();
    StorageConfig c = PackedRecoveryWriter.config(dir);
    int next = 1;
    int reindexed = 0;
    for (int round = 0; round < 4; round++) {
      int killAfter = 40 + rnd.nextInt(160);
      Process p = child(next);
      int oks = 0;
      Map<String, String> inFlight = new TreeMap<>(); // by the child's thread tag
      int lastStep = next;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("BEGIN ")) {
            String[] t = line.substring(6).split(" ", 2);
            inFlight.put(t[0], t[1]);
          } else if (line.startsWith("OK ")) {
            String[] t = line.substring(3).split(" ", 2);
            apply(model, t[1]);
            inFlight.remove(t[0]);
            if (t[0].equals("m")) {
              lastStep = Math.max(lastStep, step(t[1]));
            }
            if (++oks == killAfter) {
              p.toHandle().destroyForcibly(); // SIGKILL; the lines written before it are read below
            }
          }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          oks >= killAfter, "child died early: " + Files.readString(dir.resolve("child.err")));
      try (ObjectStore s = ObjectStores.open(c, false)) {
        PackedRecovery.Report r = ((LocalObjectStore) s).packedRecovery();
        assertNotNull(r);
        assertTrue(r.scanned() > 0, "a kill leaves listed segments to scan");
        reindexed += r.reindexed();
        for (String op : inFlight.values()) {
          resolve(s, model, op);
        }
        check(s, model, "after kill " + (round + 1));
      }
      try (ObjectStore s = ObjectStores.open(c, false)) {
        assertEquals(0, ((LocalObjectStore) s).packedRecovery().scanned(), "clean close: no scan");
        check(s, model, "after a clean reopen");
      }
      next = lastStep + 1;
    }
    assertTrue(reindexed > 0, "the kills lost index entries that recovery restored");
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      check(s, model, "after rebuild-index");
    }
  }

  private static ObjectMeta meta(byte[] id, long version) {
    PackedRef ref = new PackedRef(id, 1, 64, List.of(new PackedRef.Copy(0, 1, 16)));
    return new ObjectMeta(version, 1, "e", 0, "t", Map.of(), Map.of(), null, List.of(), ref);
  }

  @Test
  void recoveryDecisions() {
    byte[] id = TestStores.random(1, 16);
    byte[] other = TestStores.random(2, 16);
    assertEquals(
        PackedRecovery.Decision.SUPERSEDED,
        PackedRecovery.decide(id, 10, false, null),
        "bucket gone: the record cannot be an acknowledged put");
    assertEquals(
        PackedRecovery.Decision.REINDEX,
        PackedRecovery.decide(id, 10, true, null),
        "no entry at the key: the put's batch was lost");
    assertEquals(
        PackedRecovery.Decision.INDEXED,
        PackedRecovery.decide(id, 10, true, meta(id, 10)),
        "the entry names the record");
    assertEquals(
        PackedRecovery.Decision.INDEXED,
        PackedRecovery.decide(id, 10, true, meta(id, 20)),
        "renamed onto the key (a new version, the same id)");
    assertEquals(
        PackedRecovery.Decision.SUPERSEDED,
        PackedRecovery.decide(id, 10, true, meta(other, 11)),
        "a newer version holds the key");
    assertEquals(
        PackedRecovery.Decision.REINDEX,
        PackedRecovery.decide(id, 10, true, meta(other, 9)),
        "an older version holds the key: newest wins");
  }

  @Test
  void listedSegmentsAreRetiredOnceSealedAndSynced() throws Exception {
    StorageConfig c = TestStores.config(dir, 4, 2, 2).withPacking(8192, 64L << 10);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      StoreCore core = ((LocalObjectStore) s).core();
      s.createBucket("bucket");
      assertEquals(List.of(), core.packed.listed());
      s.put("bucket", "first", TestStores.random(1, 4000), PutOptions.DEFAULT);
      assertEquals(3, core.packed.listed().size(), "one open segment per copy, listed");
      assertEquals(0, core.packed.retireListed(false), "open segments stay listed");
      for (int i = 0; i < 40; i++) {
        s.put("bucket", "k" + i, TestStores.random(i, 8000), PutOptions.DEFAULT);
      }
      int listed = core.packed.listed().size();
      assertTrue(listed > 4, "sealed segments are listed until retired: " + listed);
      int open = 0;
      for (int d = 0; d < 4; d++) {
        open += core.packed.log(d).openSegment() == 0 ? 0 : 1;
      }
      assertEquals(listed - open, core.packed.retireListed(false));
      assertEquals(open, core.packed.listed().size(), "only the open segments stay listed");
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(List.of(), ((LocalObjectStore) s).core().packed.listed(), "clean close");
      assertEquals(0, ((LocalObjectStore) s).packedRecovery().scanned());
    }
  }

  /**
   * A packed put writes nothing to the index before its batch, so a segment with an append in
   * flight stays listed through a clean close, and the next open's scan decides its record: here an
   * append that was never indexed (as if the put were cut off between its copies and its batch) is
   * re-indexed, and the other, settled, segments are not listed any more.
   */
  @Test
  void segmentWithAnAppendInFlightStaysListedThroughClose() throws Exception {
    StorageConfig c = TestStores.config(dir, 4, 2, 2).withPacking(8192, 64L << 10);
    byte[] body = TestStores.random(7, 3000);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      StoreCore core = ((LocalObjectStore) s).core();
      s.createBucket("bucket");
      s.put("bucket", "settled", TestStores.random(1, 3000), PutOptions.DEFAULT);
      byte[] id = core.newId();
      byte[] record =
          PackedFormat.record(
              new PackedFormat.Header(
                  id,
                  core.nextVersion(),
                  core.clock.millis(),
                  StoreCore.etag(java.security.MessageDigest.getInstance("MD5").digest(body), null),
                  "application/octet-stream",
                  Map.of(),
                  Map.of(),
                  "bucket",
                  "cut-off"),
              body,
              body.length);
      PackedObjects.Pending p = core.packed.append(id, body.length, record, 1, 1, Set.of());
      core.packed.awaitDurable(p, 1);
      int drive = p.ref().copies().get(0).drive();
      long segment = p.ref().copies().get(0).segment();
      assertTrue(core.packed.log(drive).unsettled(segment));
      // the store closes with the append unsettled (its put never finishes)
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      PackedRecovery.Report r = ((LocalObjectStore) s).packedRecovery();
      assertTrue(r.scanned() >= 1, "the segment with the append in flight was scanned: " + r);
      assertEquals(1, r.reindexed(), r.toString());
      assertArrayEquals(body, TestStores.readAll(s, "bucket", "cut-off"));
      assertArrayEquals(TestStores.random(1, 3000), TestStores.readAll(s, "bucket", "settled"));
      assertEquals(2, s.usage("bucket").objects());
    }
  }

  /**
   * Failed packed puts (a failed condition, after the copies are durable) kill their copies and
   * leave no entry in {@code garbage}; rebuild-index, which trusts every live record, finds only
   * the version that was put.
   */
  @Test
  void failedPackedPutsLeaveNoLiveRecord() throws Exception {
    StorageConfig c = TestStores.config(dir, 4, 2, 2).withPacking(8192, 64L << 10);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      StoreCore core = ((LocalObjectStore) s).core();
      s.createBucket("bucket");
      s.put("bucket", "k", TestStores.random(1, 3000), PutOptions.DEFAULT);
      PutOptions ifAbsent = new PutOptions(null, Map.of(), Map.of(), WriteCondition.ifAbsent());
      for (int i = 0; i < 10; i++) {
        byte[] other = TestStores.random(100 + i, 3000);
        StorageException e =
            assertThrows(StorageException.class, () -> s.put("bucket", "k", other, ifAbsent));
        assertEquals(StatusCode.PRECONDITION_FAILED, e.status());
      }
      try (io.aquifer.kv.KvCursor g = core.kv.scan(core.garbage, null, null)) {
        assertFalse(g.valid(), "no pending entry left behind");
      }
      assertEquals(1, core.packed.scanAll().size(), "only the put version is live");
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertArrayEquals(TestStores.random(1, 3000), TestStores.readAll(s, "bucket", "k"));
      assertEquals(1, s.usage("bucket").objects());
    }
  }

  /** The step number of an operation line (the first number in its first key). */
  private static int step(String op) {
    String key = op.split(" ")[1];
    String n = key.substring(2).split("-")[0];
    return Integer.parseInt(n);
  }

  private static void apply(Map<String, Value> model, String op) {
    String[] f = op.split(" ");
    switch (f[0]) {
      case "PUT" -> model.put(f[1], new Value(Long.parseLong(f[2]), Integer.parseInt(f[3])));
      case "DEL" -> model.remove(f[1]);
      case "REN" -> {
        Value v = model.remove(f[1]);
        assertNotNull(v, "renamed a key the model lacks: " + f[1]);
        model.put(f[2], v);
      }
      case "NOREN" -> assertTrue(!model.containsKey(f[1]), "rename of a present key failed");
      default -> throw new AssertionError("unknown operation " + op);
    }
  }

  /**
   * The operation in flight at the kill happened or did not: the model takes what the store has.
   */
  private static void resolve(ObjectStore s, Map<String, Value> model, String op) {
    Map<String, Value> after = new TreeMap<>(model);
    String[] f = op.split(" ");
    try {
      apply(after, op);
    } catch (AssertionError e) {
      return; // a rename of a missing key: changes nothing either way
    }
    if (f[0].equals("REN") && !model.containsKey(f[1])) {
      return;
    }
    List<String> keys = f[0].equals("REN") ? List.of(f[1], f[2]) : List.of(f[1]);
    boolean matchesAfter = true;
    boolean matchesBefore = true;
    for (String k : keys) {
      Value actual = actual(s, k, model.get(k), after.get(k));
      matchesAfter &= java.util.Objects.equals(actual, after.get(k));
      matchesBefore &= java.util.Objects.equals(actual, model.get(k));
    }
    assertTrue(matchesAfter || matchesBefore, "in-flight " + op + " left a mixed state");
    if (matchesAfter) {
      model.clear();
      model.putAll(after);
    }
  }

  /** Which of the two candidate values the key holds (null: absent); fails if neither. */
  private static Value actual(ObjectStore s, String key, Value a, Value b) {
    if (!exists(s, key)) {
      return null;
    }
    byte[] got = TestStores.readAll(s, PackedRecoveryWriter.BUCKET, key);
    for (Value v : new Value[] {a, b}) {
      if (v != null && java.util.Arrays.equals(got, v.bytes())) {
        return v;
      }
    }
    throw new AssertionError(key + " holds bytes of neither its old nor its new value");
  }

  private static boolean exists(ObjectStore s, String key) {
    try {
      s.head(PackedRecoveryWriter.BUCKET, key);
      return true;
    } catch (StorageException e) {
      assertEquals(StatusCode.NO_SUCH_KEY, e.status());
      return false;
    }
  }

  private static void check(ObjectStore s, Map<String, Value> model, String when) {
    Map<String, ObjectInfo> listed = new HashMap<>();
    ListPage page = s.list(PackedRecoveryWriter.BUCKET, ListQuery.prefix(""));
    while (true) {
      for (ObjectInfo o : page.objects()) {
        listed.put(o.key(), o);
      }
      if (!page.truncated()) {
        break;
      }
      page = s.list(PackedRecoveryWriter.BUCKET, ListQuery.prefix("").next(page.nextToken()));
    }
    List<String> missing = new ArrayList<>();
    for (String k : model.keySet()) {
      if (!listed.containsKey(k)) {
        missing.add(k);
      }
    }
    assertEquals(List.of(), missing, "acknowledged keys missing " + when);
    List<String> extra = new ArrayList<>();
    for (String k : listed.keySet()) {
      if (!model.containsKey(k)) {
        extra.add(k);
      }
    }
    assertEquals(List.of(), extra, "deleted or renamed-away keys present " + when);
    for (var e : model.entrySet()) {
      byte[] want = e.getValue().bytes();
      assertArrayEquals(
          want, TestStores.readAll(s, PackedRecoveryWriter.BUCKET, e.getKey()), e.getKey());
      assertEquals(TestStores.md5(want), listed.get(e.getKey()).etag(), e.getKey() + " ETag");
    }
    assertEquals(
        BucketQuotaTest.listed(s, PackedRecoveryWriter.BUCKET),
        s.usage(PackedRecoveryWriter.BUCKET),
        "usage exact " + when);
  }

  private Process child(int first) throws Exception {
    return TestStores.child(
        dir, PackedRecoveryWriter.class, dir.toString(), Integer.toString(first));
  }
}
