package io.aquifer.storage;

import java.nio.file.Path;

/**
 * A child process for {@link PackedRecoveryTest}: runs puts (packed and shard-sized), overwrites,
 * deletes and renames in a loop on a store whose index log is buffered until a sync ({@link
 * ObjectStores#open(StorageConfig, boolean, boolean)}), so a SIGKILL loses every index commit after
 * the last sync, as power loss would. Before each operation it prints {@code BEGIN <tag> <op>} and
 * after it returns {@code OK <tag> <op>}, where op is {@code PUT key seed size}, {@code DEL key} or
 * {@code REN from to} ({@code NOREN from to} when the source was missing). The main loop (tag
 * {@code m}) runs the mixed operations; {@link #PUTTERS} more threads (tags {@code 0}, {@code 1},
 * ...) put new keys {@code c-<tag>-<n>} at the same time, so their pending entries and index
 * batches interleave with the syncs of the others.
 */
public final class PackedRecoveryWriter {
  private PackedRecoveryWriter() {}

  static final String BUCKET = "recovery";

  /** Threads putting new keys beside the main loop. */
  static final int PUTTERS = 3;

  /** Packed up to 8 KiB, in segments of 1 MiB; 4 drives, k = 2, m = 2 (3 copies, 2 needed). */
  static StorageConfig config(Path root) {
    return TestStores.config(root, 4, 2, 2).withPacking(8192, 1L << 20);
  }

  /** A packed size (0 to 8000 bytes) for a seed. */
  static int packedSize(long seed) {
    return (int) ((seed * 7919) % 8001);
  }

  /** A size above the packing threshold: shard files. */
  static int shardSize(long seed) {
    return 9000 + (int) (seed % 4000);
  }

  /** Arguments: the test's root directory and the first step. */
  public static void main(String[] args) {
    int first = Integer.parseInt(args[1]);
    try (ObjectStore s = ObjectStores.open(config(Path.of(args[0])), false, true)) {
      if (s.headBucket(BUCKET).isEmpty()) {
        s.createBucket(BUCKET);
      }
      say("READY");
      for (int t = 0; t < PUTTERS; t++) {
        String tag = Integer.toString(t);
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  for (long n = 0; ; n++) {
                    long seed = -(first * 1000L + n) * 10 - Long.parseLong(tag);
                    put(s, tag, "c-" + tag + "-" + first + "-" + n, seed, packedSize(-seed));
                  }
                });
      }
      for (int i = first; ; i++) {
        for (char c = 'a'; c <= 'c'; c++) {
          long seed = i * 10L + (c - 'a');
          put(s, "m", "n-" + i + "-" + c, seed, packedSize(seed));
        }
        if (i % 3 == 0) {
          put(
              s,
              "m",
              "n-" + (i - 1) + "-a",
              i * 10L + 3,
              packedSize(i * 10L + 3)); // packed over packed
        }
        if (i % 4 == 1) {
          put(
              s,
              "m",
              "n-" + (i - 1) + "-b",
              i * 10L + 4,
              shardSize(i * 10L + 4)); // shards over packed
        }
        if (i % 4 == 2) {
          put(
              s,
              "m",
              "n-" + (i - 2) + "-b",
              i * 10L + 5,
              packedSize(i * 10L + 5)); // packed over shards
        }
        if (i % 5 == 0) {
          String k = "n-" + (i - 1) + "-c";
          say("BEGIN m DEL " + k);
          s.delete(BUCKET, k);
          say("OK m DEL " + k);
        }
        if (i % 7 == 0) {
          String from = "n-" + (i - 1) + "-a";
          String to = "r-" + i;
          say("BEGIN m REN " + from + " " + to);
          try {
            s.rename(BUCKET, from, to, false);
            say("OK m REN " + from + " " + to);
          } catch (StorageException e) {
            if (e.status() != StatusCode.NO_SUCH_KEY) {
              throw e;
            }
            say("OK m NOREN " + from + " " + to);
          }
        }
      }
    }
  }

  private static void put(ObjectStore s, String tag, String key, long seed, int size) {
    String op = tag + " PUT " + key + " " + seed + " " + size;
    say("BEGIN " + op);
    s.put(BUCKET, key, TestStores.random(seed, size), PutOptions.DEFAULT);
    say("OK " + op);
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
