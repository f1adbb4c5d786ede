package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small objects packed into segment files: reads and ranges, m + 1 copies (any m drives lost),
 * checksums, heal and scrub, rebuild-index of packed, unpacked, overwritten, deleted and renamed
 * objects, usage, and compaction under concurrent reads and overwrites.
 */
class PackedTest {
  @TempDir Path dir;

  static final long SEGMENT = 64L << 10;

  private StorageConfig config() {
    return TestStores.config(dir, 4, 2, 2).withPacking(128L << 10, SEGMENT);
  }

  /** Every segment file on the drives. */
  static List<Path> segmentFiles(StorageConfig c) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path d : c.drives()) {
      Path s = d.resolve(SegmentLog.DIR);
      if (Files.isDirectory(s)) {
        try (Stream<Path> l = Files.list(s)) {
          l.forEach(out::add);
        }
      }
    }
    return out;
  }

  static long segmentBytes(StorageConfig c) throws IOException {
    long n = 0;
    for (Path p : segmentFiles(c)) {
      n += Files.size(p);
    }
    return n;
  }

  private static ObjectMeta meta(ObjectStore s, String key) {
    return ((LocalObjectStore) s).meta("bkt", key);
  }

  @Test
  void smallObjectsArePackedAndReadBackWithRanges() throws Exception {
    StorageConfig c = config();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      int[] sizes = {0, 1, 4096, 100_000, 128 << 10, (128 << 10) + 1};
      for (int size : sizes) {
        byte[] d = TestStores.random(size, size);
        ObjectInfo info = s.put("bkt", "k" + size, d, PutOptions.DEFAULT.withContentType("x/y"));
        assertEquals(TestStores.md5(d), info.etag());
        assertArrayEquals(d, TestStores.readAll(s, "bkt", "k" + size));
        assertEquals(size, s.head("bkt", "k" + size).size());
        assertEquals("x/y", s.head("bkt", "k" + size).contentType());
        if (size > 10) {
          assertArrayEquals(
              java.util.Arrays.copyOfRange(d, 3, 10),
              TestStores.readRange(s, "bkt", "k" + size, 3, 7));
          assertArrayEquals(
              java.util.Arrays.copyOfRange(d, size - 5, size),
              TestStores.readRange(s, "bkt", "k" + size, size - 5, 100));
        }
        ObjectMeta m = meta(s, "k" + size);
        assertEquals(size <= (128 << 10), m.packed() != null, "packed " + size);
        if (m.packed() != null) {
          assertEquals(3, m.packed().distinctDrives(), "m + 1 copies");
        }
      }
      assertEquals(4, TestStores.shardFiles(c).size(), "only the large object has shard files");
      s.copy("bkt", "k4096", "bkt", "copy", null);
      assertArrayEquals(TestStores.random(4096, 4096), TestStores.readAll(s, "bkt", "copy"));
      assertEquals(BucketQuotaTest.listed(s, "bkt"), s.usage("bkt"));
      // a streamed write that crosses the threshold after several small writes spills
      try (ObjectWriter w = s.newWriter("bkt", "streamed", PutOptions.DEFAULT)) {
        byte[] d = TestStores.random(9, 200_000);
        for (int off = 0; off < d.length; off += 7000) {
          w.write(d, off, Math.min(7000, d.length - off));
        }
        assertEquals(TestStores.md5(d), w.commit().etag());
        assertArrayEquals(d, TestStores.readAll(s, "bkt", "streamed"));
        assertTrue(meta(s, "streamed").packed() == null);
      }
      var bad =
          assertThrows(
              StorageException.class,
              () -> {
                try (ObjectWriter w = s.newWriter("bkt", "md5", PutOptions.DEFAULT)) {
                  w.write(new byte[10], 0, 10);
                  w.commit(Map.of(), new byte[16]);
                }
              });
      assertEquals(StatusCode.BAD_DIGEST, bad.status());
      assertTrue(s.headBucket("bkt").isPresent());
      assertThrows(StorageException.class, () -> s.head("bkt", "md5"));
    }
  }

  @Test
  void anyTwoOfFourDrivesCanBeLost() throws Exception {
    StorageConfig c = config();
    Map<String, byte[]> objs = new LinkedHashMap<>();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      for (int i = 0; i < 20; i++) {
        byte[] d = TestStores.random(i, 100 + i * 300);
        s.put("bkt", "k" + i, d, PutOptions.DEFAULT);
        objs.put("k" + i, d);
      }
    }
    for (int a = 0; a < 4; a++) {
      for (int b = a + 1; b < 4; b++) {
        Path da = c.drives().get(a);
        Path db = c.drives().get(b);
        Files.move(da, dir.resolve("moved-a"));
        Files.move(db, dir.resolve("moved-b"));
        try (ObjectStore s = ObjectStores.open(c, false)) {
          objs.forEach((k, v) -> assertArrayEquals(v, TestStores.readAll(s, "bkt", k), k));
          assertTrue(s.stats().degradedReads() > 0);
        }
        Files.move(dir.resolve("moved-a"), da);
        Files.move(dir.resolve("moved-b"), db);
      }
    }
  }

  /** Flips one body byte of the copy of {@code key} on its first copy's drive. */
  private static PackedRef.Copy corruptFirstCopy(ObjectStore s, StorageConfig c, String key)
      throws IOException {
    PackedRef p = meta(s, key).packed();
    PackedRef.Copy copy = p.copies().get(0);
    Path seg =
        c.drives()
            .get(copy.drive())
            .resolve(SegmentLog.DIR)
            .resolve(SegmentLog.name(copy.segment()));
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      long pos = copy.offset() + p.recordLength() - 10;
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0x40);
    }
    return copy;
  }

  @Test
  void corruptCopyIsDetectedReadFromAnotherAndHealed() throws Exception {
    StorageConfig c = config();
    try (ObjectStore s = ObjectStores.open(c, false)) {
      s.createBucket("bkt");
      byte[] d = TestStores.random(1, 5000);
      s.put("bkt", "k", d, PutOptions.DEFAULT);
      corruptFirstCopy(s, c, "k");
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      assertTrue(s.stats().checksumFailures() >= 1);
      assertTrue(s.stats().degradedReads() >= 1);
      assertEquals(1, s.stats().healQueued());
      HealReport r = ((LocalObjectStore) s).healQueued();
      assertEquals(1, r.objectsHealed(), r.toString());
      assertEquals(0, s.stats().healQueued());
      PackedRef healed = meta(s, "k").packed();
      assertEquals(3, healed.distinctDrives());
      long degraded = s.stats().degradedReads();
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      assertEquals(degraded, s.stats().degradedReads(), "clean read after heal");
      // a heal pass finds a corrupt copy nobody read
      corruptFirstCopy(s, c, "k");
      HealReport all = s.heal("bkt", "");
      assertEquals(1, all.objectsHealed(), all.toString());
      assertEquals(0, s.heal("bkt", "").objectsHealed());
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
    }
  }

  @Test
  void scrubVerifiesAndHealsPackedCopies() throws Exception {
    StorageConfig c = config();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      byte[] d = TestStores.random(3, 7000);
      s.put("bkt", "k", d, PutOptions.DEFAULT);
      corruptFirstCopy(s, c, "k");
      HealReport scrub = ((LocalObjectStore) s).scrubNow();
      assertEquals(1, scrub.objectsChecked(), scrub.toString());
      assertEquals(1, scrub.objectsHealed(), scrub.toString());
      assertEquals(0, ((LocalObjectStore) s).scrubNow().objectsHealed());
      long failures = s.stats().checksumFailures();
      assertArrayEquals(d, TestStores.readAll(s, "bkt", "k"));
      assertEquals(failures, s.stats().checksumFailures(), "every copy good after scrub");
    }
  }

  @Test
  void lostDriveIsHealedOntoAnotherDrive() throws Exception {
    StorageConfig c = config();
    try (ObjectStore s = ObjectStores.open(c, false)) {
      s.createBucket("bkt");
      s.put("bkt", "k", TestStores.random(2, 3000), PutOptions.DEFAULT);
    }
    int lost;
    try (ObjectStore s = ObjectStores.open(c, false)) {
      lost = meta(s, "k").packed().copies().get(0).drive();
    }
    TestStores.deleteTree(c.drives().get(lost));
    Files.createDirectories(c.drives().get(lost)); // an empty replacement
    try (ObjectStore s = ObjectStores.open(c, false)) {
      HealReport r = s.heal("bkt", "");
      assertEquals(1, r.objectsHealed(), r.toString());
      assertEquals(3, meta(s, "k").packed().distinctDrives());
      assertArrayEquals(TestStores.random(2, 3000), TestStores.readAll(s, "bkt", "k"));
    }
  }

  @Test
  void rebuildIndexRestoresPackedUnpackedOverwrittenDeletedAndRenamed() throws Exception {
    StorageConfig c = config();
    Map<String, byte[]> objs = new LinkedHashMap<>();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      for (int i = 0; i < 30; i++) {
        byte[] d = TestStores.random(i, i % 7 == 0 ? 140_000 : 50 + i * 1000);
        s.put("bkt", "k" + i, d, PutOptions.DEFAULT.withContentType("t/" + i));
        objs.put("k" + i, d);
      }
      byte[] small = TestStores.random(100, 700); // unpacked -> packed
      s.put("bkt", "k7", small, PutOptions.DEFAULT);
      objs.put("k7", small);
      byte[] large = TestStores.random(101, 150_000); // packed -> unpacked
      s.put("bkt", "k1", large, PutOptions.DEFAULT);
      objs.put("k1", large);
      byte[] again = TestStores.random(102, 900); // packed -> packed
      s.put("bkt", "k2", again, PutOptions.DEFAULT);
      objs.put("k2", again);
      s.delete("bkt", "k3");
      objs.remove("k3");
      s.put("bkt", "gone", new byte[5], PutOptions.DEFAULT);
      s.delete("bkt", "gone");
      s.rename("bkt", "k4", "moved/k4", false);
      objs.put("moved/k4", objs.remove("k4"));
      s.rename("bkt", "k5", "k6", true); // replaces k6
      objs.put("k6", objs.remove("k5"));
      s.put("bkt", "d/x", TestStores.random(103, 10), PutOptions.DEFAULT);
      s.put("bkt", "d/y", TestStores.random(104, 10), PutOptions.DEFAULT);
      s.renamePrefix("bkt", "d/", "e/", 100);
      objs.put("e/x", TestStores.random(103, 10));
      objs.put("e/y", TestStores.random(104, 10));
    }
    TestStores.deleteTree(c.indexDir());
    RebuildReport r = ObjectStores.rebuildIndex(c);
    assertEquals(objs.size(), r.objects(), r.toString());
    try (ObjectStore s = ObjectStores.open(c)) {
      for (var e : objs.entrySet()) {
        assertArrayEquals(e.getValue(), TestStores.readAll(s, "bkt", e.getKey()), e.getKey());
      }
      assertEquals("t/9", s.head("bkt", "k9").contentType());
      assertEquals(objs.size(), s.list("bkt", ListQuery.prefix("")).objects().size());
      assertEquals(BucketQuotaTest.listed(s, "bkt"), s.usage("bkt"));
    }
  }

  @Test
  void usageStaysExactThroughOverwritesAndDeletes() throws Exception {
    try (ObjectStore s = ObjectStores.open(config())) {
      s.createBucket("bkt");
      s.setQuota("bkt", new BucketQuota(20_000, 0));
      s.put("bkt", "a", new byte[8000], PutOptions.DEFAULT);
      s.put("bkt", "a", new byte[9000], PutOptions.DEFAULT);
      s.put("bkt", "c", new byte[10_000], PutOptions.DEFAULT);
      assertEquals(
          StatusCode.QUOTA_EXCEEDED,
          assertThrows(
                  StorageException.class,
                  () -> s.put("bkt", "d", new byte[2000], PutOptions.DEFAULT))
              .status());
      s.delete("bkt", "a");
      assertEquals(BucketQuotaTest.listed(s, "bkt"), s.usage("bkt"));
      assertEquals(10_000, s.usage("bkt").bytes());
    }
  }

  @Test
  void compactionReclaimsSpaceAndLosesNothingUnderConcurrentReadsAndOverwrites() throws Exception {
    StorageConfig c = config();
    try (ObjectStore s = ObjectStores.open(c, false)) {
      s.createBucket("bkt");
      Map<String, byte[]> objs = new ConcurrentHashMap<>();
      for (int i = 0; i < 300; i++) {
        byte[] d = TestStores.random(i, 2000 + i % 50);
        s.put("bkt", "k" + i, d, PutOptions.DEFAULT);
        objs.put("k" + i, d);
      }
      for (int i = 0; i < 300; i++) {
        if (i % 10 != 0) {
          s.delete("bkt", "k" + i);
          objs.remove("k" + i);
        }
      }
      long before = segmentBytes(c);
      int filesBefore = segmentFiles(c).size();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Map<String, byte[]> hot = new ConcurrentHashMap<>();
      hot.put("k0", objs.get("k0"));
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int n = 0; !stop.get(); n++) {
                        byte[] d = TestStores.random(-n, 1000 + n % 100);
                        s.put("bkt", "k0", d, PutOptions.DEFAULT);
                        hot.put("k0", d);
                      }
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (!stop.get()) {
                        for (var e : objs.entrySet()) {
                          if (!e.getKey().equals("k0")) {
                            assertArrayEquals(
                                e.getValue(), TestStores.readAll(s, "bkt", e.getKey()));
                          }
                        }
                      }
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      int deleted = ((LocalObjectStore) s).compactNow();
      stop.set(true);
      writer.join();
      reader.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertTrue(deleted > 0, "segments compacted");
      long after = segmentBytes(c);
      assertTrue(after < before / 2, "space reclaimed: " + before + " -> " + after);
      assertTrue(segmentFiles(c).size() < filesBefore);
      objs.put("k0", hot.get("k0"));
      for (var e : objs.entrySet()) {
        assertArrayEquals(e.getValue(), TestStores.readAll(s, "bkt", e.getKey()), e.getKey());
        assertEquals(3, meta(s, e.getKey()).packed().distinctDrives());
      }
      assertEquals(BucketQuotaTest.listed(s, "bkt"), s.usage("bkt"));
    }
    TestStores.deleteTree(c.indexDir());
    RebuildReport r = ObjectStores.rebuildIndex(c);
    assertEquals(30, r.objects(), r.toString());
    try (ObjectStore s = ObjectStores.open(c)) {
      for (int i = 10; i < 300; i += 10) {
        assertArrayEquals(
            TestStores.random(i, 2000 + i % 50), TestStores.readAll(s, "bkt", "k" + i), "k" + i);
      }
      assertFalse(
          s.list("bkt", ListQuery.prefix("k1")).objects().stream()
              .anyMatch(o -> o.key().equals("k11")),
          "deleted stays deleted after compaction");
    }
  }

  @Test
  void concurrentSmallPutsShareSyncs() throws Exception {
    StorageConfig c = config().withPacking(128L << 10, 1L << 20);
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      onThreads(
          32,
          id -> {
            for (int i = 0; i < 20; i++) {
              s.put("bkt", id + "/" + i, TestStores.random(id * 100 + i, 4096), PutOptions.DEFAULT);
            }
          });
      for (int t = 0; t < 32; t++) {
        for (int i = 0; i < 20; i++) {
          assertArrayEquals(
              TestStores.random(t * 100 + i, 4096), TestStores.readAll(s, "bkt", t + "/" + i));
        }
      }
      assertEquals(640, s.usage("bkt").objects());
    }
  }

  /**
   * Concurrent overwrites and deletes kill the old records through one group commit per segment;
   * every kill is durable: after the index is thrown away, rebuild-index finds each key's last
   * version and none of the deleted ones.
   */
  @Test
  void concurrentOverwritesAndDeletesKillEveryOldRecord() throws Exception {
    StorageConfig c = config().withPacking(128L << 10, 1L << 20);
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("bkt");
      onThreads(
          32,
          id -> {
            for (int i = 0; i < 10; i++) {
              String key = id + "/" + i;
              for (int v = 0; v < 3; v++) {
                s.put(
                    "bkt",
                    key,
                    TestStores.random(id * 1000 + i * 10 + v, 4096),
                    PutOptions.DEFAULT);
              }
              if (i % 2 == 1) {
                s.delete("bkt", key);
              }
            }
          });
    }
    TestStores.deleteTree(c.indexDir());
    RebuildReport r = ObjectStores.rebuildIndex(c);
    assertEquals(32 * 5, r.objects(), r.toString());
    try (ObjectStore s = ObjectStores.open(c)) {
      for (int t = 0; t < 32; t++) {
        for (int i = 0; i < 10; i += 2) {
          assertArrayEquals(
              TestStores.random(t * 1000 + i * 10 + 2, 4096),
              TestStores.readAll(s, "bkt", t + "/" + i));
        }
      }
      assertEquals(32 * 5, s.list("bkt", ListQuery.prefix("")).objects().size());
    }
  }

  /** Runs {@code work} on {@code n} virtual threads (numbered from 0) and rethrows a failure. */
  private static void onThreads(int n, java.util.function.IntConsumer work) {
    List<Thread> ts = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < n; t++) {
      int id = t;
      ts.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      work.accept(id);
                    } catch (Throwable e) {
                      failure.set(e);
                    }
                  }));
    }
    Threads.joinAll(ts);
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }
}
