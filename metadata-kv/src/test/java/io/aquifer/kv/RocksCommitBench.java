package io.aquifer.kv;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A quick measure of durable commit throughput with 1 and with N committing threads, showing group
 * commit. Not a test; run by hand: {@code java -cp <test classpath> io.aquifer.kv.RocksCommitBench
 * [threads] [commitsPerThread]}.
 */
final class RocksCommitBench {
  private RocksCommitBench() {}

  /**
   * Runs the measurement.
   *
   * @param args thread count and commits per thread (defaults 8 and 1000)
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int perThread = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    Path dir = Files.createTempDirectory("kv-bench");
    run(dir.resolve("one"), 1, perThread);
    run(dir.resolve("many"), threads, perThread);
  }

  private static void run(Path dir, int threads, int perThread) throws Exception {
    try (RocksKvStore store = RocksKvStore.open(KvConfig.of(dir, List.of("t")))) {
      KvTable table = store.table("t");
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long base = (long) t * perThread;
        workers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try (KvBatch batch = store.newBatch()) {
                        start.await();
                        for (long i = base; i < base + perThread; i++) {
                          batch.clear();
                          byte[] key = ByteBuffer.allocate(8).putLong(i).array();
                          store.commit(batch.put(table, key, new byte[100]));
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
      long begin = System.nanoTime();
      start.countDown();
      for (Thread w : workers) {
        w.join();
      }
      double seconds = (System.nanoTime() - begin) / 1e9;
      long commits = (long) threads * perThread;
      System.out.printf(
          "%d thread(s) x %d SYNC commits: %.0f commits/s (%.3f s)%n",
          threads, perThread, commits / seconds, seconds);
      for (String line : store.property("rocksdb.stats").split("\n")) {
        if (line.startsWith("Cumulative writes") || line.startsWith("Cumulative WAL")) {
          System.out.println("  " + line);
        }
      }
    }
  }
}
