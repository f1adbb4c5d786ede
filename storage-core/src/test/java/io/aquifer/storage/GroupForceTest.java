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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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

  /** A force that blocks until the test lets it finish. */
  private static final class Gate implements GroupForce.Target {
    final Semaphore entered = new Semaphore(0);
    final Semaphore go = new Semaphore(0);

    @Override
    public void force() {
      entered.release();
      go.acquireUninterruptibly();
    }
  }

  /** Spins until {@code done} holds: the test waits on state it can see, not on time. */
  private static void until(BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("condition not reached");
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void aWaiterForThreeFilesIsMadeRunnableOnceWhenTheLastIsForced() throws Exception {
    Syncer[] syncers = new Syncer[3];
    Gate[] gates = new Gate[3];
    GroupForce[] forces = new GroupForce[3];
    for (int i = 0; i < 3; i++) {
      syncers[i] = new Syncer("test-sync-" + i);
      gates[i] = new Gate();
      forces[i] = new GroupForce(gates[i], 0, () -> 1, syncers[i], 0);
    }
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    GroupForce.waitAll(forces, new long[] {1, 1, 1}, 3);
                    for (GroupForce f : forces) {
                      f.check(1);
                    }
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    for (Gate g : gates) {
      // all three forces run in parallel, each on its drive's syncer
      assertTrue(g.entered.tryAcquire(60, TimeUnit.SECONDS), "every force requested at once");
    }
    // the first two finish: the waiter is not woken for them
    for (int i = 0; i < 2; i++) {
      gates[i].go.release();
      GroupForce f = forces[i];
      until(() -> f.forced() == 1 && f.waiting() == 0);
      assertEquals(0, f.wakeups(), "woken by the force of file " + i);
    }
    assertTrue(t.isAlive());
    gates[2].go.release();
    t.join();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertEquals(1, forces[2].wakeups(), "woken once, by the last force");
    for (Syncer s : syncers) {
      s.close();
    }
  }

  @Test
  void aForceWakesOnlyTheWaitersItCovered() throws Exception {
    Syncer syncer = new Syncer("test-sync");
    Gate gate = new Gate();
    AtomicLong written = new AtomicLong(1);
    GroupForce f = new GroupForce(gate, 0, written::get, syncer, 0);
    Thread first = Thread.ofVirtual().start(() -> awaitQuietly(f, 1));
    gate.entered.acquire(); // the force covering mark 1 has begun
    written.set(2); // a write after it began: the next force covers it
    Thread second = Thread.ofVirtual().start(() -> awaitQuietly(f, 2));
    until(() -> f.waiting() == 2);
    gate.go.release();
    first.join();
    gate.entered.acquire(); // the second force has begun: the first one has settled its waits
    assertEquals(1, f.wakeups(), "the force covering mark 1 woke its waiter only");
    assertEquals(1, f.forced());
    assertTrue(second.isAlive());
    gate.go.release();
    second.join();
    assertEquals(2, f.wakeups());
    assertEquals(2, f.forced());
    syncer.close();
  }

  @Test
  void underLoadAForceWaitsForAGroupAsLargeAsTheLastOne() throws Exception {
    Syncer syncer = new Syncer("test-sync");
    Gate gate = new Gate();
    AtomicLong written = new AtomicLong(1);
    AtomicLong clock = new AtomicLong(); // the forces' clock: moves only when the test moves it
    GroupForce f =
        new GroupForce(gate, 0, written::get, syncer, TimeUnit.SECONDS.toNanos(60), clock::get);
    Thread w0 = Thread.ofVirtual().start(() -> awaitQuietly(f, 1));
    gate.entered.acquire(); // force 1 covers mark 1
    written.set(3);
    Thread w1 = Thread.ofVirtual().start(() -> awaitQuietly(f, 2));
    Thread w2 = Thread.ofVirtual().start(() -> awaitQuietly(f, 3));
    until(() -> f.waiting() == 3);
    gate.go.release();
    w0.join();
    gate.entered.acquire(); // force 2, after a group of one: begins at once, covers marks 2 and 3
    clock.addAndGet(TimeUnit.SECONDS.toNanos(10)); // and takes 10 s
    gate.go.release();
    w1.join();
    w2.join();
    assertEquals(3, f.forced());

    // the last force settled two waits: a force for one waits (up to 5 s) for a second one
    written.set(4);
    Thread w3 = Thread.ofVirtual().start(() -> awaitQuietly(f, 4));
    until(() -> f.gathering() || gate.entered.availablePermits() > 0);
    assertTrue(f.gathering(), "the force for one write began at once");
    written.set(5);
    Thread w4 = Thread.ofVirtual().start(() -> awaitQuietly(f, 5));
    gate.entered.acquire(); // the second wait made the group: the force begins
    assertTrue(w3.isAlive());
    gate.go.release();
    w3.join();
    w4.join();
    assertEquals(5, f.forced(), "one force covered both writes");
    assertEquals(0, gate.entered.availablePermits(), "three forces for five writes");
    syncer.close();
  }

  private static void awaitQuietly(GroupForce f, long mark) {
    try {
      f.await(mark);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
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
