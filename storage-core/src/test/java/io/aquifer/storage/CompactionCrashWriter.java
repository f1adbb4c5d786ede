package io.aquifer.storage;

import java.nio.file.Path;

/**
 * A child process for {@link CompactionCrashTest}: puts small (packed) objects into 64 KiB
 * segments, deletes most of them again and compacts every few rounds, printing "ACK i" after each
 * put of {@code k-i} returns and "DEL i" after each delete returns, so kills land in appends,
 * deletes and compactions alike.
 */
public final class CompactionCrashWriter {
  private CompactionCrashWriter() {}

  static StorageConfig config(Path root) {
    return TestStores.config(root, 4, 2, 2).withPacking(128L << 10, 64L << 10);
  }

  static int size(int i) {
    return 500 + (i * 7919) % 8000;
  }

  /** Whether {@code k-i} is deleted after {@code k-(i+5)} is put. */
  static boolean deleted(int i) {
    return i % 4 != 0;
  }

  /** Arguments: the test's root directory and the first index to write. */
  public static void main(String[] args) {
    int first = Integer.parseInt(args[1]);
    try (ObjectStore s = ObjectStores.open(config(Path.of(args[0])), false)) {
      if (s.headBucket("crash").isEmpty()) {
        s.createBucket("crash");
      }
      System.out.println("READY");
      for (int i = first; ; i++) {
        s.put("crash", "k-" + i, TestStores.random(i, size(i)), PutOptions.DEFAULT);
        System.out.println("ACK " + i);
        int d = i - 5;
        if (d >= first && deleted(d)) {
          s.delete("crash", "k-" + d);
          System.out.println("DEL " + d);
        }
        if (i % 10 == 0) {
          ((LocalObjectStore) s).compactNow();
        }
        System.out.flush();
      }
    }
  }
}
