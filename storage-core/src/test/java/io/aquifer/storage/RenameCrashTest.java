package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renames survive SIGKILL with exactly one name per object: a child JVM renames objects and a
 * directory in a loop and is killed at random points, twice. After restart every object is under
 * exactly one name (the last acknowledged one, or the next one if the kill hit that rename after
 * its batch), byte-exact, usage is exact and no shard file leaked; after dropping the index and
 * rebuilding it, the store holds exactly the same names and bytes. After the second kill, a copy of
 * the drives is also rebuilt without a restart (the index lost in the crash): every object still
 * has exactly one name and the directory is whole.
 */
class RenameCrashTest {
  @TempDir Path dir;

  @Test
  void everyObjectHasExactlyOneNameAfterSigkillRestartAndRebuild() throws Exception {
    Random rnd = new Random();
    int next = 0;
    int[] acked = new int[RenameCrashWriter.OBJECTS];
    int ackedDir = 0;
    int ackedVictim = 0;
    for (int round = 0; round < 2; round++) {
      int killAfter = 15 + rnd.nextInt(50);
      Process p = child(next);
      int seen = 0;
      boolean ready = false;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.equals("READY")) {
            ready = true;
          } else if (line.startsWith("ACK ")) {
            String[] f = line.split(" ");
            switch (f[1]) {
              case "n" -> {
                acked[Integer.parseInt(f[2])] = Integer.parseInt(f[3]);
                next++;
              }
              case "d" -> ackedDir = Integer.parseInt(f[2]);
              default -> ackedVictim = Integer.parseInt(f[2]);
            }
            if (++seen >= killAfter) {
              break;
            }
          }
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          ready && seen >= killAfter,
          "child died early: " + java.nio.file.Files.readString(dir.resolve("child.err")));
      if (round == 1) {
        rebuildWithoutRestart(acked, ackedDir, ackedVictim);
      }
      // the child resumes with the next loop index; its in-flight rename may have landed
      try (ObjectStore s = ObjectStores.open(TestStores.shardConfig(dir, 4, 2, 2))) {
        check(s, acked, ackedDir, ackedVictim);
        for (int j = 0; j < acked.length; j++) {
          acked[j] = RenameCrashWriter.gen(s, "n/" + j + "/");
        }
        ackedDir = RenameCrashWriter.gen(s, "d/");
      }
    }
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    Map<String, String> restarted;
    try (ObjectStore s = ObjectStores.open(c)) {
      check(s, acked, ackedDir, ackedVictim);
      restarted = RenameTest.contents(s, "ren");
      assertEquals(BucketQuotaTest.listed(s, "ren"), s.usage("ren"), "usage exact after SIGKILL");
      assertEquals(
          s.usage("ren").objects() * 4, TestStores.shardFiles(c).size(), "no leftover shards");
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(restarted, RenameTest.contents(s, "ren"), "rebuild-index agrees with restart");
      check(s, acked, ackedDir, ackedVictim);
      assertEquals(BucketQuotaTest.listed(s, "ren"), s.usage("ren"));
    }
  }

  /**
   * The index lost in the crash: a copy of the drives, as the kill left them, rebuilt without a
   * restart (so an in-flight rename is not rolled back, and may land). Every object still has
   * exactly one name, and the directory's files all moved or none did.
   */
  private void rebuildWithoutRestart(int[] acked, int ackedDir, int ackedVictim) throws Exception {
    Path copy = dir.resolve("copy");
    StorageConfig c = TestStores.shardConfig(copy, 4, 2, 2);
    java.nio.file.Files.createDirectories(copy);
    for (Path drive : TestStores.shardConfig(dir, 4, 2, 2).drives()) {
      Path to = copy.resolve(drive.getFileName());
      try (var files = java.nio.file.Files.walk(drive)) {
        for (Path f : files.toList()) {
          java.nio.file.Files.copy(f, to.resolve(drive.relativize(f).toString()));
        }
      }
    }
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c)) {
      check(s, acked, ackedDir, ackedVictim);
      assertEquals(BucketQuotaTest.listed(s, "ren"), s.usage("ren"));
    }
    TestStores.deleteTree(copy);
  }

  /** Each object under one name, at its acknowledged generation or the next, byte-exact. */
  private static void check(ObjectStore s, int[] acked, int ackedDir, int ackedVictim) {
    checkObjects(s, acked, ackedVictim);
    checkDirectory(s, ackedDir);
  }

  private static void checkObjects(ObjectStore s, int[] acked, int ackedVictim) {
    for (int j = 0; j < acked.length; j++) {
      List<ObjectInfo> names = s.list("ren", ListQuery.prefix("n/" + j + "/")).objects();
      assertEquals(1, names.size(), "object " + j + " has one name: " + names);
      int g = Integer.parseInt(names.get(0).key().substring(("n/" + j + "/").length()));
      assertTrue(
          g == acked[j] || g == acked[j] + 1, "object " + j + " at " + g + ", acked " + acked[j]);
      assertArrayEquals(
          RenameCrashWriter.content(j), TestStores.readAll(s, "ren", names.get(0).key()));
    }
    byte[] v = TestStores.readAll(s, "ren", "victim");
    boolean whole = false;
    for (int i = ackedVictim; i <= ackedVictim + 5 * 3; i += 5) {
      whole |= Arrays.equals(v, RenameCrashWriter.victim(i));
    }
    assertTrue(whole, "victim holds one whole acknowledged-or-later version");
  }

  /** The directory under one name, with all its files. */
  private static void checkDirectory(ObjectStore s, int ackedDir) {
    ListPage dirs = s.list("ren", new ListQuery("d/", "/", null, null, 1000));
    assertEquals(List.of(), dirs.objects());
    assertEquals(1, dirs.commonPrefixes().size(), "one directory: " + dirs.commonPrefixes());
    String d = dirs.commonPrefixes().get(0);
    int g = Integer.parseInt(d.substring(2, d.length() - 1));
    assertTrue(g == ackedDir || g == ackedDir + 1, "directory at " + g + ", acked " + ackedDir);
    List<String> files = new ArrayList<>();
    for (ObjectInfo o : s.list("ren", ListQuery.prefix(d)).objects()) {
      files.add(o.key().substring(d.length()));
    }
    List<String> want = new ArrayList<>(Arrays.asList(RenameCrashWriter.DIR_FILES));
    want.add("");
    java.util.Collections.sort(want);
    assertEquals(want, files, "the whole directory moved together");
    for (int f = 0; f < RenameCrashWriter.DIR_FILES.length; f++) {
      assertArrayEquals(
          RenameCrashWriter.dirContent(f),
          TestStores.readAll(s, "ren", d + RenameCrashWriter.DIR_FILES[f]));
    }
  }

  private Process child(int first) throws Exception {
    return TestStores.child(dir, RenameCrashWriter.class, dir.toString(), Integer.toString(first));
  }
}
