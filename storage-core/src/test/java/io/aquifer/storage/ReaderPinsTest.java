package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** The pins readers hold on the data they read, and the reclaim that waits for them. */
class ReaderPinsTest {
  @Test
  void unpinnedDataIsReclaimedAtOnceAndPinnedDataByItsLastReader() {
    ReaderPins pins = new ReaderPins();
    assertTrue(pins.reclaimNowOrDefer("a"), "nobody reads a: reclaim it now");

    pins.pin("b");
    pins.pin("b");
    assertFalse(pins.reclaimNowOrDefer("b"), "b is read: its reclaim waits");
    assertFalse(pins.unpin("b"), "one reader is left");
    assertEquals(1, pins.readers("b"));
    assertTrue(pins.unpin("b"), "the last reader runs the deferred reclaim");
    assertEquals(0, pins.readers("b"));

    pins.pin("c");
    assertFalse(pins.unpin("c"), "no reclaim was asked for: none is due");
    pins.pin("c");
    assertFalse(pins.unpin("c"), "a deferral does not outlive the readers it waited for");
    assertThrows(IllegalStateException.class, () -> pins.unpin("c"));
  }

  /**
   * The store's protocol at full contention: readers pin the current version under the key lock and
   * then read it; a writer switches the version under the lock and reclaims the old one now or
   * defers it. A reader must never find its pinned version reclaimed. (The table this replaced let
   * a pin taken while the last reader was leaving land on an entry that reader then dropped, so the
   * reclaim did not see it.)
   */
  @Test
  void aVersionIsNeverReclaimedWhileAReaderHoldsIt() throws Exception {
    ReaderPins pins = new ReaderPins();
    ReentrantLock keyLock = new ReentrantLock();
    AtomicReference<String> current = new AtomicReference<>("v0");
    Set<String> reclaimed = ConcurrentHashMap.newKeySet();
    AtomicInteger violations = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int readers = 4;
    int versions = 5_000;
    CountDownLatch done = new CountDownLatch(1);
    Thread[] threads = new Thread[readers];
    for (int r = 0; r < readers; r++) {
      threads[r] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      read(pins, keyLock, current, reclaimed, violations, done);
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
    }
    for (int i = 1; i <= versions; i++) {
      String old;
      keyLock.lock();
      try {
        old = current.getAndSet("v" + i);
      } finally {
        keyLock.unlock();
      }
      if (pins.reclaimNowOrDefer(old) && !reclaimed.add(old)) {
        violations.incrementAndGet();
      }
      Thread.yield(); // let the readers pin and unpin each version many times over
    }
    done.countDown();
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("a reader failed", failure.get());
    }
    assertEquals(0, violations.get(), "versions read after (or reclaimed twice by) their reclaim");
    assertEquals(versions, reclaimed.size(), "every replaced version reclaimed once");
  }

  private static void read(
      ReaderPins pins,
      ReentrantLock keyLock,
      AtomicReference<String> current,
      Set<String> reclaimed,
      AtomicInteger violations,
      CountDownLatch done) {
    while (done.getCount() > 0) {
      String v;
      keyLock.lock();
      try {
        v = current.get();
        pins.pin(v);
      } finally {
        keyLock.unlock();
      }
      if (reclaimed.contains(v)) {
        violations.incrementAndGet();
      }
      if (pins.unpin(v) && !reclaimed.add(v)) {
        violations.incrementAndGet(); // reclaimed twice
      }
    }
  }
}
