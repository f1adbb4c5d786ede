package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group commit of a file's writes on a drive's syncer thread, on real files. */
class GroupForceTest {
  @TempDir Path dir;

  /** A file whose force counts how often it ran and what mark it covered. */
  private static final class Counted {
    final FileChannel ch;
    final AtomicLong written = new AtomicLong();

    Counted(Path p) throws IOException {
      ch =
          FileChannel.open(
              p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    long append(byte[] b) throws IOException {
      synchronized (this) {
        long off = written.get();
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
          off += ch.write(buf, off);
        }
        written.set(off);
        return off;
      }
    }
  }

  @Test
  void concurrentWritersOnTwoFilesAreAllCoveredBySharedForces() throws Exception {
    Syncer syncer = new Syncer("test-sync");
    Counted a = new Counted(dir.resolve("a"));
    Counted b = new Counted(dir.resolve("b"));
    GroupForce fa = new GroupForce(a.ch, 0, a.written::get, syncer);
    GroupForce fb = new GroupForce(b.ch, 0, b.written::get, syncer);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < 32; t++) {
      int id = t;
      ts.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 50; i++) {
                        long ma = a.append(TestStores.random(id * 100 + i, 512));
                        long mb = b.append(TestStores.random(id * 100 + i, 256));
                        fa.request(ma); // both forces asked for before either wait
                        fb.request(mb);
                        fa.await(ma);
                        fb.await(mb);
                      }
                    } catch (Throwable e) {
                      failure.set(e);
                    }
                  }));
    }
    Threads.joinAll(ts);
    syncer.close();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertEquals(32 * 50 * 512, Files.size(dir.resolve("a")));
    assertEquals(32 * 50 * 256, Files.size(dir.resolve("b")));
    a.ch.close();
    b.ch.close();
  }

  @Test
  void aFailedForceFailsEveryLaterWaitAndAMarkAlreadyForcedReturnsAtOnce() throws Exception {
    Syncer syncer = new Syncer("test-sync");
    Counted a = new Counted(dir.resolve("a"));
    GroupForce f = new GroupForce(a.ch, 10, a.written::get, syncer);
    f.await(10); // already durable: no force needed, returns without the syncer
    long m = a.append(new byte[100]);
    f.await(m);
    a.ch.close(); // the next force fails
    a.written.set(m + 1);
    IOException e = assertThrows(IOException.class, () -> f.await(m + 1));
    assertTrue(e.getMessage().contains("segment sync failed"), e.getMessage());
    assertThrows(IOException.class, () -> f.await(m + 2), "a failed file stays failed");
    syncer.close();
  }

  @Test
  void aClosedSyncerFailsNewRequests() throws Exception {
    Syncer syncer = new Syncer("test-sync");
    Counted a = new Counted(dir.resolve("a"));
    GroupForce f = new GroupForce(a.ch, 0, a.written::get, syncer);
    long m = a.append(new byte[10]);
    f.await(m);
    syncer.close();
    long m2 = a.append(new byte[10]);
    IOException e = assertThrows(IOException.class, () -> f.await(m2));
    assertTrue(e.getMessage().contains("store closed"), e.getMessage());
    a.ch.close();
  }
}
