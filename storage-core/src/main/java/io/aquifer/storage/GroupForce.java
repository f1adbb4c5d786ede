package io.aquifer.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Group commit of writes to one file. Writes are numbered by a monotonic mark (an end offset, a
 * count); a writer asks for mark {@code n} to be forced ({@link #request}) and waits for it ({@link
 * #await}). The forces themselves run on the drive's {@link Syncer} thread, one at a time per file:
 * each covers every write whose mark was reached before it began, so a wait for mark {@code n}
 * returns after a force that began after write {@code n} completed. A failed force fails every
 * later wait on the file: a force after a failed one can succeed without the pages the kernel
 * dropped.
 *
 * <p>The writers never force themselves: a put with copies on three drives requests all three and
 * then waits on each, and the three forces run in parallel on the three drives' syncers without a
 * thread per copy. Forcing off the virtual-thread carriers also keeps a carrier from being held by
 * an {@code fdatasync}.
 *
 * <p>The state is guarded by a {@link ReentrantLock}, not the object's monitor: a virtual thread
 * woken from {@code Object.wait} or a contended {@code synchronized} is handed back to the
 * scheduler through the JDK's unblocker thread (one more thread switch per waiter), where a
 * condition's signal makes it runnable directly.
 */
final class GroupForce {
  /** The force itself: an {@code fdatasync} of the file (through the channel it has now). */
  @FunctionalInterface
  interface Target {
    void force() throws IOException;
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Target target;
  private final LongSupplier current;
  private final Syncer syncer;
  // guarded by lock
  private long forced;
  private long requested;
  private boolean queued;
  private IOException error;

  /**
   * @param ch the file to force
   * @param forced the mark already on stable storage
   * @param current the mark of the writes completed so far (read before each force begins)
   * @param syncer the thread that forces
   */
  GroupForce(FileChannel ch, long forced, LongSupplier current, Syncer syncer) {
    this(() -> ch.force(false), forced, current, syncer);
  }

  /** As above, forcing through {@code target}. */
  GroupForce(Target target, long forced, LongSupplier current, Syncer syncer) {
    this.target = target;
    this.forced = forced;
    this.requested = forced;
    this.current = current;
    this.syncer = syncer;
  }

  /**
   * Asks for every write up to {@code mark} to be forced, without waiting. Any number of requests
   * before one {@link #await} of the highest mark are covered by it.
   */
  void request(long mark) {
    lock.lock();
    try {
      if (mark <= forced || error != null) {
        return;
      }
      requested = Math.max(requested, mark);
      if (!queued) {
        queued = true;
        syncer.submit(this);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Returns once every write up to {@code mark} is forced (requesting it first). */
  void await(long mark) throws IOException {
    request(mark);
    lock.lock();
    try {
      while (true) {
        if (forced >= mark) {
          return;
        }
        if (error != null) {
          throw new IOException("segment sync failed: " + error, error);
        }
        try {
          changed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted waiting for a segment sync");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** One force, on the syncer's thread: covers the writes completed before it begins. */
  void forceNow() {
    long mark;
    lock.lock();
    try {
      queued = false;
      if (error != null || requested <= forced) {
        return;
      }
      mark = current.getAsLong();
    } finally {
      lock.unlock();
    }
    IOException err = null;
    try {
      target.force();
    } catch (IOException e) {
      err = e;
    }
    lock.lock();
    try {
      if (err != null) {
        error = err;
      } else {
        forced = Math.max(forced, mark);
        if (requested > forced && !queued) {
          queued = true; // asked for while this force ran: one more for them
          syncer.submit(this);
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Fails every wait not yet satisfied (the syncer stopped). */
  void fail(IOException e) {
    lock.lock();
    try {
      if (error == null) {
        error = e;
      }
      queued = false;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
