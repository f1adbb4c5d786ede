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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during packed writes, deletes and compaction: a child JVM ({@link CompactionCrashWriter})
 * is killed at random points, four times. After restart every acknowledged object that was not
 * deleted reads back byte-identical, every acknowledged delete stays deleted, usage is exact; a
 * full compaction then keeps all of it; and so does {@code rebuild-index} from the segments alone.
 */
class CompactionCrashTest {
  @TempDir Path dir;

  @Test
  void packedWritesDeletesAndCompactionSurviveSigkill() throws Exception {
    Random rnd = new Random();
    int next = 0;
    Set<Integer> live = new TreeSet<>();
    Set<Integer> gone = new TreeSet<>();
    for (int round = 0; round < 4; round++) {
      int killAfter = 30 + rnd.nextInt(80);
      Process p = child(next);
      int seen = 0;
      int last = next;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            last = Integer.parseInt(line.substring(4));
            live.add(last);
            if (++seen >= killAfter) {
              break;
            }
          } else if (line.startsWith("DEL ")) {
            int d = Integer.parseInt(line.substring(4));
            live.remove(d);
            gone.add(d);
          }
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          seen >= killAfter,
          "child died early: " + java.nio.file.Files.readString(dir.resolve("child.err")));
      next = last + 1;
      // the child may have run on after the last line read: deletes due from there are uncertain
      for (int d = last - 5; d <= last; d++) {
        if (CompactionCrashWriter.deleted(d)) {
          live.remove(d);
        }
      }
    }
    StorageConfig c = CompactionCrashWriter.config(dir);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      check(s, live, gone);
      ((LocalObjectStore) s).core().packed.compact((LocalObjectStore) s, 1.0);
      check(s, live, gone);
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      check(s, live, gone);
    }
  }

  private static void check(ObjectStore s, Set<Integer> live, Set<Integer> gone) {
    for (int i : live) {
      assertArrayEquals(
          TestStores.random(i, CompactionCrashWriter.size(i)),
          TestStores.readAll(s, "crash", "k-" + i),
          "k-" + i);
    }
    List<String> keys = new ArrayList<>();
    ListPage page = s.list("crash", ListQuery.prefix(""));
    while (true) {
      page.objects().forEach(o -> keys.add(o.key()));
      if (!page.truncated()) {
        break;
      }
      page = s.list("crash", ListQuery.prefix("").next(page.nextToken()));
    }
    for (int i : gone) {
      assertTrue(!keys.contains("k-" + i), "acknowledged delete of k-" + i + " undone");
    }
    assertEquals(BucketQuotaTest.listed(s, "crash"), s.usage("crash"), "usage exact");
  }

  private Process child(int first) throws Exception {
    return TestStores.child(
        dir, CompactionCrashWriter.class, dir.toString(), Integer.toString(first));
  }
}
