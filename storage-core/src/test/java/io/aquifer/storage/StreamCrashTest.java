package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A put of many stripes killed while it streams leaves nothing behind, also when the kill loses the
 * index commits not yet synced (a child, {@link StreamCrashWriter}, on a buffered index log, is
 * SIGKILLed at random points of its stream, five times). The writer syncs the pending entry of its
 * data on a thread of its own while the first stripe fills, and creates the shard files only after
 * that sync; it syncs the directories in the background and the files at commit. After each
 * restart: every acknowledged object reads back byte-exact, every listed object is whole, and the
 * drives hold the shard files of the listed objects and no others (a shard file created before its
 * pending entry was durable would stay behind, unknown to the index). At the end the index is
 * rebuilt from the drives alone and holds the same objects.
 */
class StreamCrashTest {
  @TempDir Path dir;

  @Test
  void aPutKilledMidStreamLeavesNoShardFilesEvenWhenTheIndexLosesUnsyncedCommits()
      throws Exception {
    Random rnd = new Random();
    StorageConfig c = StreamCrashWriter.config(dir);
    List<Integer> acked = new ArrayList<>();
    int next = 0;
    for (int round = 0; round < 5; round++) {
      int killAfter = 100 + rnd.nextInt(600); // lines: pieces and acknowledgements
      Process p =
          TestStores.child(dir, StreamCrashWriter.class, dir.toString(), Integer.toString(next));
      int seen = 0;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            acked.add(Integer.parseInt(line.substring(4)));
          }
          if ((line.startsWith("W ") || line.startsWith("ACK ")) && ++seen >= killAfter) {
            break;
          }
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          seen >= killAfter, "child died early: " + Files.readString(dir.resolve("child.err")));
      next = (acked.isEmpty() ? next : acked.get(acked.size() - 1)) + 2;
      try (ObjectStore s = ObjectStores.open(c, false)) {
        Map<String, byte[]> listed = check(s, acked, "after kill " + (round + 1));
        long big = listed.keySet().stream().filter(k -> k.startsWith("big-")).count();
        assertEquals(
            big * 4,
            TestStores.shardFiles(c).size(),
            "after kill " + (round + 1) + ": the shard files of the listed objects and no others");
      }
    }
    Map<String, byte[]> before;
    try (ObjectStore s = ObjectStores.open(c, false)) {
      before = check(s, acked, "before rebuild");
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c, false)) {
      Map<String, byte[]> after = check(s, acked, "after rebuild");
      assertEquals(before.keySet(), after.keySet(), "the rebuilt index holds the same objects");
    }
  }

  /**
   * Checks that every acknowledged object reads back exactly and every listed big object is whole;
   * returns the listed objects and their bytes.
   */
  private static Map<String, byte[]> check(ObjectStore s, List<Integer> acked, String when) {
    for (int i : acked) {
      assertArrayEquals(
          TestStores.random(i, StreamCrashWriter.size(i)),
          TestStores.readAll(s, "crash", "big-" + i),
          when + ": big-" + i);
    }
    Map<String, byte[]> listed = TestStores.readBucket(s, "crash");
    for (var e : listed.entrySet()) {
      if (e.getKey().startsWith("big-")) {
        int i = Integer.parseInt(e.getKey().substring(4));
        assertArrayEquals(
            TestStores.random(i, StreamCrashWriter.size(i)), e.getValue(), when + ": whole");
      }
    }
    return listed;
  }
}
