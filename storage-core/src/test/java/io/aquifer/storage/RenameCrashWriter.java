package io.aquifer.storage;

import java.nio.file.Path;

/**
 * A child process for {@link RenameCrashTest}: renames in a loop and prints a line after each
 * rename returns. Object {@code j} (0 to {@link #OBJECTS} - 1) lives at {@code n/j/<gen>} and moves
 * to the next generation ("ACK n j gen"); the directory {@code d/<gen>/} (marker and {@link
 * #DIR_FILES} files) moves to the next generation ("ACK d gen"); a fresh object {@code tmp} seeded
 * by i replaces {@code victim} ("ACK v i").
 */
public final class RenameCrashWriter {
  static final int OBJECTS = 6;
  static final String[] DIR_FILES = {"f0", "sub/f1", "sub/deeper/f2"};

  private RenameCrashWriter() {}

  static byte[] content(int j) {
    return TestStores.random(1000 + j, 3000 + j * 1500);
  }

  static byte[] dirContent(int f) {
    return TestStores.random(2000 + f, 100 + f * 4000);
  }

  static byte[] victim(int i) {
    return TestStores.random(-i, 2000 + i % 700);
  }

  /** The generation at which a key of the form {@code base<gen>/...} lives, or -1. */
  static int gen(ObjectStore s, String base) {
    ListPage p = s.list("ren", new ListQuery(base, "/", null, null, 1000));
    for (ObjectInfo o : p.objects()) {
      return Integer.parseInt(o.key().substring(base.length()));
    }
    for (String cp : p.commonPrefixes()) {
      return Integer.parseInt(cp.substring(base.length(), cp.length() - 1));
    }
    return -1;
  }

  /** Arguments: the test's root directory and the first loop index. */
  public static void main(String[] args) {
    int first = Integer.parseInt(args[1]);
    try (ObjectStore s = ObjectStores.open(TestStores.shardConfig(Path.of(args[0]), 4, 2, 2))) {
      if (s.headBucket("ren").isEmpty()) {
        s.createBucket("ren");
        for (int j = 0; j < OBJECTS; j++) {
          s.put("ren", "n/" + j + "/0", content(j), PutOptions.DEFAULT);
        }
        s.put("ren", "d/0/", new byte[0], PutOptions.DEFAULT);
        for (int f = 0; f < DIR_FILES.length; f++) {
          s.put("ren", "d/0/" + DIR_FILES[f], dirContent(f), PutOptions.DEFAULT);
        }
        s.put("ren", "victim", victim(0), PutOptions.DEFAULT);
      }
      int[] gens = new int[OBJECTS];
      for (int j = 0; j < OBJECTS; j++) {
        gens[j] = gen(s, "n/" + j + "/");
      }
      int dirGen = gen(s, "d/");
      System.out.println("READY");
      System.out.flush();
      for (int i = first; ; i++) {
        int j = i % OBJECTS;
        s.rename("ren", "n/" + j + "/" + gens[j], "n/" + j + "/" + (gens[j] + 1), false);
        gens[j]++;
        System.out.println("ACK n " + j + " " + gens[j]);
        if (i % 4 == 0) {
          s.renamePrefix("ren", "d/" + dirGen + "/", "d/" + (dirGen + 1) + "/", 100);
          dirGen++;
          System.out.println("ACK d " + dirGen);
        }
        if (i % 5 == 0) {
          s.put("ren", "tmp", victim(i), PutOptions.DEFAULT);
          s.rename("ren", "tmp", "victim", true);
          System.out.println("ACK v " + i);
        }
        System.out.flush();
      }
    }
  }
}
