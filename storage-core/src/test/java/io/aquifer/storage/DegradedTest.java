package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives lost, removed, replaced and corrupted; heal and scrub. */
class DegradedTest {
  @TempDir Path dir;

  private static Map<String, byte[]> fill(ObjectStore s, int n) {
    Map<String, byte[]> objs = new LinkedHashMap<>();
    s.createBucket("bkt");
    for (int i = 0; i < n; i++) {
      byte[] d = TestStores.random(i, 1 + i * 3001);
      s.put("bkt", "obj-" + i, d, PutOptions.DEFAULT);
      objs.put("obj-" + i, d);
    }
    String up = s.createUpload("bkt", "multi", PutOptions.DEFAULT);
    List<CompletedPart> parts = new ArrayList<>();
    var all = new java.io.ByteArrayOutputStream();
    for (int p = 1; p <= 3; p++) {
      byte[] d = TestStores.random(1000 + p, 6000 + p);
      all.writeBytes(d);
      try (ObjectWriter w = s.newPartWriter("bkt", "multi", up, p)) {
        w.write(d, 0, d.length);
        parts.add(new CompletedPart(p, w.commit().etag()));
      }
    }
    s.completeUpload("bkt", "multi", up, parts, WriteCondition.none());
    objs.put("multi", all.toByteArray());
    return objs;
  }

  private static void assertAllReadable(ObjectStore s, Map<String, byte[]> objs) {
    objs.forEach((k, v) -> assertArrayEquals(v, TestStores.readAll(s, "bkt", k), k));
  }

  @Test
  void anyTwoOfFourDrivesCanBeLost() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    Map<String, byte[]> objs;
    try (ObjectStore s = ObjectStores.open(c)) {
      objs = fill(s, 12);
    }
    for (int a = 0; a < 4; a++) {
      for (int b = a + 1; b < 4; b++) {
        Path da = c.drives().get(a);
        Path db = c.drives().get(b);
        Path ma = dir.resolve("moved-a");
        Path mb = dir.resolve("moved-b");
        Files.move(da, ma);
        Files.move(db, mb);
        try (ObjectStore s = ObjectStores.open(c)) {
          assertEquals(DriveState.MISSING, s.drives().get(a).state());
          assertEquals(DriveState.MISSING, s.drives().get(b).state());
          assertAllReadable(s, objs);
          assertTrue(s.stats().degradedReads() > 0);
          assertEquals(
              StatusCode.WRITE_QUORUM_LOST,
              assertThrows(
                      StorageException.class,
                      () -> s.put("bkt", "new", new byte[10], PutOptions.DEFAULT))
                  .status());
        }
        Files.move(ma, da);
        Files.move(mb, db);
      }
    }
  }

  @Test
  void driveVanishingWhileRunningIsTakenOutOfService() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c)) {
      Map<String, byte[]> objs = fill(s, 6);
      TestStores.deleteTree(c.drives().get(1));
      assertAllReadable(s, objs);
      assertEquals(DriveState.MISSING, s.drives().get(1).state());
      // writes still succeed with 3 of 4 drives (quorum k + 1 = 3) and read back
      byte[] d = TestStores.random(77, 20000);
      s.put("bkt", "after", d, PutOptions.DEFAULT);
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "after"));
    }
  }

  @Test
  void flippedByteIsDetectedRebuiltAndHealed() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c)) {
      byte[] d = TestStores.random(5, 30000);
      s.createBucket("bkt");
      s.put("bkt", "k", d, PutOptions.DEFAULT);
      // corrupt one byte in the first block of one data shard (shard index 0)
      Path shard =
          TestStores.shardFiles(c).stream()
              .filter(p -> p.toString().endsWith(".0"))
              .findFirst()
              .orElseThrow();
      byte[] before = Files.readAllBytes(shard);
      flipMiddleByte(shard);
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      StoreStats st = s.stats();
      assertTrue(st.checksumFailures() >= 1);
      assertTrue(st.degradedReads() >= 1);
      assertTrue(st.healQueued() <= 1, st::toString); // the background healer may have run first
      HealReport r = ((LocalObjectStore) s).healQueued();
      assertTrue(r.shardsRewritten() >= 0); // the background healer may have run first
      assertEquals(0, s.stats().healQueued(), "the queue is empty after a heal pass");
      assertArrayEquals(before, Files.readAllBytes(shard), "shard rewritten byte-identical");
      long degraded = s.stats().degradedReads();
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      assertEquals(degraded, s.stats().degradedReads(), "clean read after heal");
    }
  }

  /** Puts an object and corrupts the middle of its data shard 0. */
  private static byte[] putCorrupt(ObjectStore s, StorageConfig c, String key, long seed)
      throws Exception {
    Set<Path> before = new HashSet<>(TestStores.shardFiles(c));
    byte[] d = TestStores.random(seed, 30000);
    s.put("bkt", key, d, PutOptions.DEFAULT);
    List<Path> shard0 =
        TestStores.shardFiles(c).stream()
            .filter(p -> !before.contains(p) && p.toString().endsWith(".0"))
            .toList();
    assertEquals(1, shard0.size(), shard0::toString);
    flipMiddleByte(shard0.get(0));
    return d;
  }

  @Test
  void healQueuedIsTheQueueLengthAcrossRestartAndHeal() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] a;
    byte[] b;
    byte[] clean = TestStores.random(77, 30000);
    // no background healer: the queue stays as the reads leave it
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(0, s.stats().healQueued());
      s.createBucket("bkt");
      a = putCorrupt(s, c, "a", 1);
      b = putCorrupt(s, c, "b", 2);
      s.put("bkt", "clean", clean, PutOptions.DEFAULT);
      assertEquals(0, s.stats().healQueued(), "nothing read yet");
      assertArrayEquals(a, TestStores.readAll(s, "bkt", "a"));
      assertEquals(1, s.stats().healQueued());
      assertArrayEquals(b, TestStores.readAll(s, "bkt", "b"));
      assertArrayEquals(clean, TestStores.readAll(s, "bkt", "clean"));
      StoreStats st = s.stats();
      assertEquals(2, st.healQueued(), st::toString);
      // reading them again finds the same damage, already queued
      assertArrayEquals(a, TestStores.readAll(s, "bkt", "a"));
      assertArrayEquals(b, TestStores.readAll(s, "bkt", "b"));
      st = s.stats();
      assertTrue(st.degradedReads() >= 4, st::toString);
      assertEquals(2, st.healQueued(), st::toString);
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(2, s.stats().healQueued(), "counted from the index at open");
      assertArrayEquals(a, TestStores.readAll(s, "bkt", "a"));
      assertEquals(2, s.stats().healQueued(), "queued before the restart: not added again");
      // an admin heal of what holds "a" takes it out of the queue
      HealReport r = s.heal("bkt", "a");
      assertEquals(1, r.objectsHealed(), r::toString);
      assertEquals(1, s.stats().healQueued());
      r = ((LocalObjectStore) s).healQueued();
      assertEquals(1, r.objectsChecked(), r::toString);
      assertEquals(1, r.objectsHealed(), r::toString);
      assertEquals(0, s.stats().healQueued());
      long degraded = s.stats().degradedReads();
      assertArrayEquals(a, TestStores.readAll(s, "bkt", "a"));
      assertArrayEquals(b, TestStores.readAll(s, "bkt", "b"));
      StoreStats st = s.stats();
      assertEquals(degraded, st.degradedReads(), "clean reads after heal");
      assertEquals(0, st.healQueued(), st::toString);
    }
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(0, s.stats().healQueued(), "empty queue at open");
    }
  }

  @Test
  void deletedOrOverwrittenObjectLeavesTheHealQueue() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      s.createBucket("bkt");
      byte[] a = putCorrupt(s, c, "a", 1);
      byte[] b = putCorrupt(s, c, "b", 2);
      assertArrayEquals(a, TestStores.readAll(s, "bkt", "a"));
      assertArrayEquals(b, TestStores.readAll(s, "bkt", "b"));
      assertEquals(2, s.stats().healQueued());
      s.delete("bkt", "a");
      assertEquals(1, s.stats().healQueued(), "deleted: its entry is dropped");
      s.delete("bkt", "a");
      assertEquals(1, s.stats().healQueued(), "nothing more to drop");
      byte[] b2 = TestStores.random(3, 20000);
      s.put("bkt", "b", b2, PutOptions.DEFAULT);
      assertEquals(0, s.stats().healQueued(), "overwritten: its entry is dropped");
      HealReport r = ((LocalObjectStore) s).healQueued();
      assertEquals(0, r.objectsChecked(), r::toString);
      assertEquals(0, s.stats().healQueued());
      assertArrayEquals(b2, TestStores.readAll(s, "bkt", "b"));
      // queued again, then deleted with the store reopened in between
      byte[] d = putCorrupt(s, c, "d", 4);
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "d"));
      assertEquals(1, s.stats().healQueued());
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(1, s.stats().healQueued());
      s.delete("bkt", "d");
      assertEquals(0, s.stats().healQueued());
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(0, s.stats().healQueued());
    }
  }

  @Test
  void concurrentReadsQueueEachObjectOnceAndHealEmptiesTheQueue() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      s.createBucket("bkt");
      Map<String, byte[]> objs = new LinkedHashMap<>();
      for (int i = 0; i < 6; i++) {
        objs.put("o" + i, putCorrupt(s, c, "o" + i, 10 + i));
      }
      runAll(
          8,
          t -> {
            for (int round = 0; round < 3; round++) {
              objs.forEach((k, v) -> assertArrayEquals(v, TestStores.readAll(s, "bkt", k), k));
            }
          });
      assertEquals(6, s.stats().healQueued(), s.stats()::toString);
      // heal passes, deletes and overwrites racing each other and further degraded reads
      runAll(
          4,
          t -> {
            switch (t) {
              case 0 -> ((LocalObjectStore) s).healQueued();
              case 1 -> {
                s.delete("bkt", "o0");
                s.delete("bkt", "o1");
              }
              case 2 -> s.put("bkt", "o2", TestStores.random(99, 5000), PutOptions.DEFAULT);
              default ->
                  List.of("o3", "o4", "o5")
                      .forEach(
                          k -> assertArrayEquals(objs.get(k), TestStores.readAll(s, "bkt", k)));
            }
          });
      ((LocalObjectStore) s).healQueued();
      assertEquals(0, s.stats().healQueued(), s.stats()::toString);
    }
    try (ObjectStore s = ObjectStores.open(c, false)) {
      assertEquals(0, s.stats().healQueued(), "the index agrees");
    }
  }

  private interface ThreadBody {
    void run(int thread) throws Exception;
  }

  private static void runAll(int threads, ThreadBody body) throws Exception {
    List<Thread> ts = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < threads; i++) {
      int t = i;
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                      body.run(t);
                    } catch (Throwable e) {
                      errors.add(e);
                    }
                  }));
    }
    go.countDown();
    for (Thread t : ts) {
      t.join();
    }
    if (!errors.isEmpty()) {
      AssertionError e = new AssertionError("a thread failed", errors.get(0));
      errors.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }

  /** Corrupts the byte in the middle of a file. */
  private static void flipMiddleByte(Path file) throws Exception {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      int pos = (int) (ch.size() / 2);
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, pos);
      one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
      ch.write(one, pos);
    }
  }

  @Test
  void codecTimeAndHealedObjectsAreCounted() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c)) {
      StoreStats fresh = s.stats();
      assertEquals(0, fresh.encodeNanos());
      assertEquals(0, fresh.decodeNanos());
      assertEquals(0, fresh.healedObjects());
      byte[] d = TestStores.random(9, 200_000);
      s.createBucket("bkt");
      s.put("bkt", "k", d, PutOptions.DEFAULT);
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      StoreStats written = s.stats();
      assertTrue(written.encodeNanos() > 0, written::toString);
      assertEquals(0, written.decodeNanos(), "a clean read reconstructs nothing");
      // A corrupt block in data shard 0 makes the read reconstruct it.
      flipMiddleByte(
          TestStores.shardFiles(c).stream()
              .filter(p -> p.toString().endsWith(".0"))
              .findFirst()
              .orElseThrow());
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      StoreStats degraded = s.stats();
      assertTrue(degraded.degradedReads() >= 1, degraded::toString);
      assertTrue(degraded.decodeNanos() > 0, degraded::toString);
      assertEquals(written.encodeNanos(), degraded.encodeNanos(), "reads encode nothing");
      ((LocalObjectStore) s).healQueued(); // or the background healer, first
      StoreStats healed = s.stats();
      assertEquals(1, healed.healedObjects(), healed::toString);
      assertTrue(healed.decodeNanos() >= degraded.decodeNanos());
    }
  }

  @Test
  void replacedDriveIsFormattedAndHealed() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    Map<String, byte[]> objs;
    try (ObjectStore s = ObjectStores.open(c)) {
      objs = fill(s, 8);
    }
    List<Path> before = TestStores.shardFiles(c);
    TestStores.deleteTree(c.drives().get(2));
    Files.createDirectories(c.drives().get(2)); // a new, empty disk
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(DriveState.ONLINE, s.drives().get(2).state());
      HealReport r = s.heal(null, null);
      assertEquals(0, r.unrecoverable());
      assertAllReadable(s, objs);
      assertEquals(before.size(), TestStores.shardFiles(c).size());
      // with drives 0 and 1 gone too, the healed drive 2 and drive 3 serve everything
    }
    TestStores.deleteTree(c.drives().get(0));
    TestStores.deleteTree(c.drives().get(1));
    try (ObjectStore s = ObjectStores.open(c)) {
      assertAllReadable(s, objs);
    }
  }

  @Test
  void scrubFindsAndHealsMissingShards() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c)) {
      Map<String, byte[]> objs = fill(s, 5);
      List<Path> files = TestStores.shardFiles(c);
      Files.delete(files.get(0));
      Files.delete(files.get(files.size() - 1));
      HealReport r = ((LocalObjectStore) s).scrubNow();
      assertEquals(2, r.shardsRewritten());
      assertEquals(files.size(), TestStores.shardFiles(c).size());
      assertTrue(s.stats().objectsScrubbed() > 0);
      assertTrue(s.stats().blocksRebuilt() > 0);
      assertEquals(r.objectsHealed(), s.stats().healedObjects());
      assertAllReadable(s, objs);
    }
  }

  @Test
  void wrongDriveIsFaultyAndStaysFaulty() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    Map<String, byte[]> objs;
    try (ObjectStore s = ObjectStores.open(c)) {
      objs = fill(s, 3);
    }
    // swap drives 0 and 1: both identities mismatch their configured position
    Path tmp = dir.resolve("swap");
    Files.move(c.drives().get(0), tmp);
    Files.move(c.drives().get(1), c.drives().get(0));
    Files.move(tmp, c.drives().get(1));
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(DriveState.FAULTY, s.drives().get(0).state());
      assertTrue(
          s.drives().get(0).reason().contains("configured as 0"), s.drives().get(0).reason());
      assertAllReadable(s, objs);
    }
    // a foreign non-empty directory is refused
    Files.move(c.drives().get(0), tmp);
    Files.move(c.drives().get(1), c.drives().get(0));
    Files.move(tmp, c.drives().get(1));
    Files.writeString(
        c.drives().get(3).resolve("aquifer-drive.properties"), "store=someone-else\nindex=3\n");
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(DriveState.FAULTY, s.drives().get(3).state());
      assertAllReadable(s, objs);
    }
  }

  @Test
  void tooFewDrivesRefusesToOpenWithAClearMessage() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c)) {
      fill(s, 1);
    }
    for (int i = 0; i < 3; i++) {
      TestStores.deleteTree(c.drives().get(i));
    }
    var e = assertThrows(StorageException.class, () -> ObjectStores.open(c));
    assertEquals(StatusCode.READ_QUORUM_LOST, e.status());
    assertTrue(e.getMessage().contains("only 1 of 4 drives"), e.getMessage());
  }

  @Test
  void failingIoTakesDriveOutOfServiceAndItStaysOut() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] d = TestStores.random(11, 50000);
    try (ObjectStore s = ObjectStores.open(c)) {
      Map<String, byte[]> objs = fill(s, 4);
      // every shard directory of drive 1 becomes a file: creating a shard there fails with EIO-like
      // errors while the drive's root is still present
      Path objects = c.drives().get(1).resolve("objects");
      try (var dirs = Files.list(objects)) {
        for (Path sub : dirs.toList()) {
          TestStores.deleteTree(sub);
          Files.writeString(sub, "not a directory");
        }
      }
      s.put("bkt", "written-while-failing", d, PutOptions.DEFAULT);
      assertEquals(DriveState.FAULTY, s.drives().get(1).state());
      assertTrue(s.drives().get(1).errors() > 0);
      assertTrue(s.drives().get(1).reason().contains("I/O error"), s.drives().get(1).reason());
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "written-while-failing"));
      assertAllReadable(s, objs);
    }
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(DriveState.FAULTY, s.drives().get(1).state(), "faulty state survives restart");
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "written-while-failing"));
    }
  }
}
