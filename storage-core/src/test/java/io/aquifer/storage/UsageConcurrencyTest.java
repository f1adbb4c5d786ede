package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads committing to the same bucket keep its usage exact, and a quota is never exceeded
 * however the commits interleave.
 */
class UsageConcurrencyTest {
  @TempDir Path dir;

  @Test
  void concurrentCommitsKeepUsageExact() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    var failures = new ConcurrentLinkedQueue<Throwable>();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("hot", "alice");
      s.createBucket("cold", "bob");
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int thread = t;
          tasks.add(
              pool.submit(
                  () -> {
                    Random rnd = new Random(thread);
                    try {
                      start.await();
                      for (int i = 0; i < 30; i++) {
                        String bucket = i % 5 == 0 ? "cold" : "hot";
                        // own keys (different keys in one bucket) and a few shared ones
                        String key =
                            rnd.nextInt(4) == 0
                                ? "shared-" + rnd.nextInt(4)
                                : "t" + thread + "-" + rnd.nextInt(6);
                        int op = rnd.nextInt(10);
                        if (op < 6) {
                          int size = rnd.nextInt(20_000);
                          s.put(bucket, key, TestStores.random(i, size), PutOptions.DEFAULT);
                        } else if (op < 8) {
                          s.delete(bucket, key);
                        } else {
                          String src = "t" + thread + "-" + rnd.nextInt(6);
                          try {
                            s.copy(bucket, src, bucket, key, null);
                          } catch (StorageException e) {
                            if (e.status() != StatusCode.NO_SUCH_KEY) {
                              throw e;
                            }
                          }
                        }
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
        }
        start.countDown();
        for (Future<?> f : tasks) {
          f.get();
        }
      }
      assertTrue(failures.isEmpty(), () -> "failures: " + failures);
      for (String b : List.of("hot", "cold")) {
        assertEquals(BucketQuotaTest.listed(s, b), s.usage(b), b);
      }
    }
    try (ObjectStore s = ObjectStores.open(c)) {
      for (String b : List.of("hot", "cold")) {
        assertEquals(BucketQuotaTest.listed(s, b), s.usage(b), b + " after restart");
      }
    }
  }

  @Test
  void concurrentWritersNeverExceedTheQuota() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    try (ObjectStore s = ObjectStores.open(c);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      s.createBucket("objs");
      s.setQuota("objs", new BucketQuota(0, 20));
      s.createBucket("bytes");
      s.setQuota("bytes", new BucketQuota(10_000, 0));
      AtomicInteger okObjects = new AtomicInteger();
      AtomicInteger okBytes = new AtomicInteger();
      var failures = new ConcurrentLinkedQueue<Throwable>();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 40; t++) {
        int thread = t;
        tasks.add(
            pool.submit(
                () -> {
                  try {
                    start.await();
                    String bucket = thread % 2 == 0 ? "objs" : "bytes";
                    for (int i = 0; i < 2; i++) {
                      try {
                        s.put(bucket, "k" + thread + "-" + i, new byte[1000], PutOptions.DEFAULT);
                        (bucket.equals("objs") ? okObjects : okBytes).incrementAndGet();
                      } catch (StorageException e) {
                        if (e.status() != StatusCode.QUOTA_EXCEEDED) {
                          throw e;
                        }
                      }
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }));
      }
      start.countDown();
      for (Future<?> f : tasks) {
        f.get();
      }
      assertTrue(failures.isEmpty(), () -> "failures: " + failures);
      assertEquals(20, okObjects.get());
      assertEquals(10, okBytes.get());
      assertEquals(new BucketUsage(20, 20_000), s.usage("objs"));
      assertEquals(new BucketUsage(10, 10_000), s.usage("bytes"));
      assertEquals(BucketQuotaTest.listed(s, "objs"), s.usage("objs"));
      assertEquals(BucketQuotaTest.listed(s, "bytes"), s.usage("bytes"));
      assertEquals(30 * 4, TestStores.shardFiles(c).size(), "rejected writes left no data");
    }
  }
}
