package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent puts, gets and deletes on the same and different keys: readers see one whole version
 * or nothing, never a mix; nothing leaks once the writers stop.
 */
class ConcurrencyTest {
  @TempDir Path dir;

  /** Content of version v: every 4-byte word holds v, so a mix of versions is detectable. */
  static byte[] version(int v, int size) {
    ByteBuffer b = ByteBuffer.allocate(size - size % 4);
    while (b.hasRemaining()) {
      b.putInt(v);
    }
    return b.array();
  }

  @Test
  void readersNeverSeeAMixOfVersions() throws Exception {
    StorageConfig c =
        TestStores.shardConfig(dir, 4, 2, 2).withMaxInflightBytes(8L << 20); // small budget: waits
    List<Throwable> errors = new ConcurrentLinkedQueue<Throwable>().stream().toList();
    var failures = new ConcurrentLinkedQueue<Throwable>();
    try (ObjectStore s = ObjectStores.open(c);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      s.createBucket("cc-bucket");
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch writersDone = new CountDownLatch(4);
      List<Future<?>> tasks = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        tasks.add(
            pool.submit(
                () -> {
                  try {
                    for (int i = 0; i < 40; i++) {
                      int v = writer * 1000 + i;
                      String key = i % 2 == 0 ? "shared" : "own-" + writer;
                      s.put(
                          "cc-bucket", key, version(v, 4 * (1000 + v % 5000)), PutOptions.DEFAULT);
                      if (i % 7 == 0) {
                        s.delete("cc-bucket", "shared");
                      }
                    }
                  } catch (Throwable t) {
                    failures.add(t);
                  } finally {
                    writersDone.countDown();
                  }
                }));
      }
      for (int r = 0; r < 6; r++) {
        tasks.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    try (ObjectReader rd = s.get("cc-bucket", "shared")) {
                      ByteBuffer all = ByteBuffer.wrap(rd.asInputStream().readAllBytes());
                      int first = all.getInt(0);
                      while (all.hasRemaining()) {
                        if (all.getInt() != first) {
                          failures.add(new AssertionError("mixed versions in one read"));
                          return;
                        }
                      }
                    } catch (StorageException e) {
                      if (e.status() != StatusCode.NO_SUCH_KEY) {
                        failures.add(e);
                      }
                    } catch (Throwable t) {
                      failures.add(t);
                    }
                  }
                }));
      }
      writersDone.await();
      stop.set(true);
      for (Future<?> f : tasks) {
        f.get();
      }
      assertTrue(failures.isEmpty(), () -> "failures: " + failures);
      assertTrue(errors.isEmpty());
      long objects = s.list("cc-bucket", ListQuery.prefix("")).objects().size();
      assertEquals(objects * 4, TestStores.shardFiles(c).size(), "replaced data reclaimed");
    }
  }
}
