package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A failing operation answers EIO and leaves the mount working; workers run ops in parallel. */
@Timeout(120)
class FuseErrorTest {
  @TempDir Path tmp;
  private TestMount m;

  @AfterEach
  void unmount() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  @Test
  void runtimeExceptionIsEioWithOneLogLineAndTheMountKeepsWorking() throws Exception {
    m = TestMount.mount(Files.createDirectory(tmp.resolve("mnt")));
    Logger logger = Logger.getLogger(FuseWorker.class.getName());
    List<String> lines = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            synchronized (lines) {
              lines.add(record.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try {
      IOException e =
          assertThrows(
              IOException.class,
              () -> Files.readAttributes(m.path(MemFs.EXPLODE), BasicFileAttributes.class));
      assertTrue(e.getMessage().contains("Input/output error"), e.toString());
      Files.writeString(m.path("after"), "still works");
      assertEquals("still works", Files.readString(m.path("after")));
      assertEquals("still works", TestMount.run("cat", m.path("after").toString()).out());
    } finally {
      logger.removeHandler(capture);
    }
    synchronized (lines) {
      assertEquals(1, lines.size(), lines.toString());
      String line = lines.getFirst();
      assertTrue(line.contains("lookup") && line.contains("ino=1"), line);
      assertTrue(line.contains("IllegalStateException: boom in lookup"), line);
      assertTrue(!line.contains("\n"), "one line");
    }
  }

  @Test
  void fourWorkersRunOperationsAtOnce() throws Exception {
    int workers = 4;
    m =
        TestMount.mount(
            Files.createDirectory(tmp.resolve("mnt")),
            FuseMountOptions.defaults().withName("memfs", "memfs").withWorkers(workers));
    CountDownLatch allInside = new CountDownLatch(workers);
    m.fs.parallel = allInside;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<Boolean>> lookups = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        Path p = m.path("par-" + i);
        lookups.add(pool.submit(() -> Files.exists(p)));
      }
      for (Future<Boolean> f : lookups) {
        assertEquals(false, f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        List.of(true, true, true, true),
        m.fs.parallelOutcomes,
        "every lookup saw all " + workers + " inside the file system at once");
  }
}
