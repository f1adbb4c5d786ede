package io.aquifer.storage;

import java.nio.file.Path;

/**
 * A child process for {@link CrashTest}: writes objects in a loop and prints "ACK i" after each put
 * returns, and "HOT i" after each overwrite of the key "hot" with content seeded by i. Every fifth
 * round it also puts and deletes a key "tmp-i", so kills land in deletes too.
 */
public final class CrashWriter {
  private CrashWriter() {}

  static int size(int i) {
    return (i * 7919) % 40000;
  }

  /** The store's settings: packing on (the default) or off. */
  static StorageConfig config(Path root, boolean packed) {
    return packed ? TestStores.config(root, 4, 2, 2) : TestStores.shardConfig(root, 4, 2, 2);
  }

  /**
   * Arguments: the test's root directory, the first index to write, and {@code packed} or {@code
   * sharded}.
   */
  public static void main(String[] args) {
    int first = Integer.parseInt(args[1]);
    boolean packed = args.length < 3 || args[2].equals("packed");
    try (ObjectStore s = ObjectStores.open(config(Path.of(args[0]), packed))) {
      if (s.headBucket("crash").isEmpty()) {
        s.createBucket("crash");
      }
      System.out.println("READY");
      for (int i = first; ; i++) {
        s.put("crash", "k-" + i, TestStores.random(i, size(i)), PutOptions.DEFAULT);
        System.out.println("ACK " + i);
        if (i % 5 == 0) {
          s.put("crash", "tmp-" + i, TestStores.random(i, size(i) / 2), PutOptions.DEFAULT);
          s.delete("crash", "tmp-" + i);
        }
        if (i % 3 == 0) {
          s.put("crash", "hot", TestStores.random(-i, 5000 + i % 1000), PutOptions.DEFAULT);
          System.out.println("HOT " + i);
        }
        System.out.flush();
      }
    }
  }
}
