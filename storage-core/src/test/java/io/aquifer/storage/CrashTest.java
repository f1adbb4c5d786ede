package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged put survives SIGKILL: a child JVM writes in a loop and is killed at random
 * points, three times; after restart every acknowledged object reads back byte-identical, the
 * overwritten key holds a whole version, no leftover shard files remain, and the bucket's usage
 * equals what a full listing counts.
 */
class CrashTest {
  @TempDir Path dir;

  @Test
  void acknowledgedWritesSurviveSigkill() throws Exception {
    StorageConfig c = crashAndCheck(false);
    try (ObjectStore s = ObjectStores.open(c)) {
      long objects = BucketQuotaTest.listed(s, "crash").objects();
      assertEquals(objects * 4, TestStores.shardFiles(c).size(), "no leftover shard files");
    }
  }

  /**
   * The same with packed objects (all sizes here are below the threshold), and then the index is
   * deleted and rebuilt from the segment files alone: every acknowledged object is back, the
   * deleted ones are not, and the hot key holds one whole version.
   */
  @Test
  void acknowledgedPackedWritesSurviveSigkillAndRebuild() throws Exception {
    StorageConfig c = crashAndCheck(true);
    assertEquals(0, TestStores.shardFiles(c).size(), "small objects make no shard files");
    java.util.Map<String, byte[]> before;
    try (ObjectStore s = ObjectStores.open(c)) {
      before = TestStores.readBucket(s, "crash");
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c)) {
      for (var e : before.entrySet()) {
        assertArrayEquals(e.getValue(), TestStores.readAll(s, "crash", e.getKey()), e.getKey());
      }
      assertDeletedAbsent(s, "after rebuild-index");
      assertEquals(BucketQuotaTest.listed(s, "crash"), s.usage("crash"), "usage after rebuild");
    }
  }

  private final List<Integer> acked = new ArrayList<>();

  /**
   * The tmp keys whose delete returned: "tmp-i" is put and deleted after "ACK i" and before "ACK
   * i+1", so only an ACK i+1 from the same child proves the delete. A round's last tmp key may be
   * put, or put and not deleted, when the child is killed.
   */
  private final List<Integer> deleted = new ArrayList<>();

  private void assertDeletedAbsent(ObjectStore s, String when) {
    assertTrue(deleted.size() > 0, "some deletes acknowledged");
    for (int i : deleted) {
      assertTrue(
          s.list("crash", ListQuery.prefix("tmp-" + i)).objects().stream()
              .noneMatch(o -> o.key().equals("tmp-" + i)),
          "deleted tmp-" + i + " present " + when);
    }
  }

  private StorageConfig crashAndCheck(boolean packed) throws Exception {
    Random rnd = new Random();
    int next = 0;
    int lastHot = -1;
    for (int round = 0; round < 3; round++) {
      int killAfter = 20 + rnd.nextInt(60);
      Process p = child(next, packed);
      int seen = 0;
      int previous = -1;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            int i = Integer.parseInt(line.substring(4));
            acked.add(i);
            if (previous == i - 1 && previous % 5 == 0) {
              deleted.add(previous);
            }
            previous = i;
            if (++seen >= killAfter) {
              break;
            }
          } else if (line.startsWith("HOT ")) {
            lastHot = Integer.parseInt(line.substring(4));
          }
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          seen >= killAfter,
          "child died early: " + java.nio.file.Files.readString(dir.resolve("child.err")));
      next = acked.get(acked.size() - 1) + 1;
    }
    StorageConfig c = CrashWriter.config(dir, packed);
    try (ObjectStore s = ObjectStores.open(c)) {
      for (int i : acked) {
        assertArrayEquals(
            TestStores.random(i, CrashWriter.size(i)),
            TestStores.readAll(s, "crash", "k-" + i),
            "k-" + i);
      }
      if (lastHot >= 0) {
        byte[] hot = TestStores.readAll(s, "crash", "hot");
        boolean whole = false;
        for (int h = lastHot; h <= lastHot + 3 * 4; h += 3) {
          whole |= java.util.Arrays.equals(hot, TestStores.random(-h, 5000 + h % 1000));
        }
        assertTrue(whole, "hot key holds one whole acknowledged-or-later version");
      }
      long objects = 0;
      ListPage page = s.list("crash", ListQuery.prefix(""));
      while (true) {
        objects += page.objects().size();
        if (!page.truncated()) {
          break;
        }
        page = s.list("crash", ListQuery.prefix("").next(page.nextToken()));
      }
      assertTrue(objects >= acked.size());
      assertDeletedAbsent(s, "after SIGKILL");
      assertEquals(
          BucketQuotaTest.listed(s, "crash"), s.usage("crash"), "usage exact after SIGKILL");
    }
    return c;
  }

  private Process child(int first, boolean packed) throws Exception {
    return TestStores.child(
        dir,
        CrashWriter.class,
        dir.toString(),
        Integer.toString(first),
        packed ? "packed" : "sharded");
  }
}
