package io.aquifer.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * then waits for all of them at once ({@link #awaitAll}), and the three forces run in parallel on
 * the three drives' syncers without a thread per copy. Forcing off the virtual-thread carriers also
 * keeps a carrier from being held by an {@code fdatasync}.
 *
 * <p>Wake-ups are targeted: a force makes runnable only the waiters it settled (those whose marks
 * it covered, or every one when it failed), and a waiter for several files only once, when the last
 * of them settled it. (With one condition per file signalled by every force, a waiter whose write
 * came after the force began was woken to park again, and a put waiting for three copies in turn
 * could be woken once per copy: each a thread switch.) Waiters are parked with {@link LockSupport}
 * and unparked directly, so a virtual thread is handed to the scheduler at once, not through the
 * JDK's unblocker thread as a contended monitor or {@code Object.wait} would.
 *
 * <p>Under load a force may begin a little later, to cover more writes ({@link #gather}): when the
 * previous force settled several waiters and fewer are registered now, the syncer waits for as many
 * as that force settled, at most half of that force's duration and {@code maxGatherNanos}. Each
 * force costs an {@code fdatasync} and the waits cost as many thread switches, so a group that is
 * twice as large halves both per write; a put then waits at most that much longer, and a lone
 * writer (groups of one) never waits.
 */
final class GroupForce {
  /** The force itself: an {@code fdatasync} of the file (through the channel it has now). */
  @FunctionalInterface
  interface Target {
    void force() throws IOException;
  }

  /** One thread waiting for marks of one or more files: unparked when none is outstanding. */
  static final class Waiter {
    final Thread thread = Thread.currentThread();
    final AtomicInteger outstanding = new AtomicInteger();

    /**
     * Settles one of the marks; the last one counts the wake-up in {@code wakeups} and then makes
     * the thread runnable (counted first, so the woken thread sees its own wake-up counted).
     */
    void settle(AtomicLong wakeups) {
      if (outstanding.decrementAndGet() == 0) {
        wakeups.incrementAndGet();
        LockSupport.unpark(thread);
      }
    }
  }

  /** A registered wait: {@code waiter} wants mark {@code mark} of this file. */
  private record Wait(long mark, Waiter waiter) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Target target;
  private final LongSupplier current;
  private final Syncer syncer;
  private final long maxGatherNanos;
  private final LongSupplier nanoClock;
  // guarded by lock
  private long forced;
  private long requested;
  private boolean queued;
  private IOException error;
  private final ArrayList<Wait> waits = new ArrayList<>();
  // waits the last successful force settled, and how long it took (the next one's gather bound)
  private int lastGroup;
  private long lastForceNanos;
  // the syncer while it gathers waits for the next force, unparked when gatherTarget are registered
  private Thread gatherer;
  private int gatherTarget;
  // waiting threads this file's forces made runnable
  private final AtomicLong wakeups = new AtomicLong();

  /**
   * @param ch the file to force
   * @param forced the mark already on stable storage
   * @param current the mark of the writes completed so far (read before each force begins)
   * @param syncer the thread that forces
   */
  GroupForce(FileChannel ch, long forced, LongSupplier current, Syncer syncer) {
    this(() -> ch.force(false), forced, current, syncer, 0);
  }

  /**
   * As above, forcing through {@code target}; a force may begin up to {@code maxGatherNanos} later
   * to cover more writes ({@link #gather}; 0: never).
   */
  GroupForce(Target target, long forced, LongSupplier current, Syncer syncer, long maxGatherNanos) {
    this(target, forced, current, syncer, maxGatherNanos, System::nanoTime);
  }

  /** As above, timing forces and gathers with {@code nanoClock} (a test's clock). */
  GroupForce(
      Target target,
      long forced,
      LongSupplier current,
      Syncer syncer,
      long maxGatherNanos,
      LongSupplier nanoClock) {
    this.target = target;
    this.forced = forced;
    this.requested = forced;
    this.current = current;
    this.syncer = syncer;
    this.maxGatherNanos = maxGatherNanos;
    this.nanoClock = nanoClock;
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
      requestLocked(mark);
    } finally {
      lock.unlock();
    }
  }

  private void requestLocked(long mark) {
    requested = Math.max(requested, mark);
    if (!queued) {
      queued = true;
      syncer.submit(this);
    }
  }

  /** Returns once every write up to {@code mark} is forced (requesting it first). */
  void await(long mark) throws IOException {
    waitAll(new GroupForce[] {this}, new long[] {mark}, 1);
    check(mark);
  }

  /**
   * Returns once, for each {@code i < n}, mark {@code marks[i]} of {@code forces[i]} is settled:
   * forced, or its file failed ({@link #check} tells which). Each is requested first, so the files
   * are forced in parallel, and the calling thread is made runnable once, when the last of them is
   * settled.
   *
   * @throws IOException only when interrupted (the interrupt status is kept)
   */
  static void waitAll(GroupForce[] forces, long[] marks, int n) throws IOException {
    Waiter w = new Waiter();
    w.outstanding.set(n + 1); // one for this thread: no wake-up while registering
    for (int i = 0; i < n; i++) {
      if (!forces[i].register(marks[i], w)) {
        w.outstanding.decrementAndGet(); // settled already
      }
    }
    if (w.outstanding.decrementAndGet() == 0) {
      return;
    }
    while (w.outstanding.get() > 0) {
      LockSupport.park(w);
      if (Thread.currentThread().isInterrupted()) {
        throw new IOException("interrupted waiting for a segment sync");
      }
    }
  }

  /**
   * Registers {@code w} for {@code mark} and requests it; false when the mark is settled already
   * (forced, or the file failed), and then {@code w} is not registered. (A syncer that is closed
   * fails the file inside the request, which settles {@code w} among the others.)
   */
  private boolean register(long mark, Waiter w) {
    lock.lock();
    try {
      if (mark <= forced || error != null) {
        return false;
      }
      waits.add(new Wait(mark, w));
      requestLocked(mark);
      if (gatherer != null && waits.size() >= gatherTarget) {
        LockSupport.unpark(gatherer); // the group is as large as the last one: force now
        gatherer = null;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Throws unless {@code mark} is forced; for a mark {@link #waitAll} settled. */
  void check(long mark) throws IOException {
    lock.lock();
    try {
      if (forced >= mark) {
        return;
      }
      if (error != null) {
        throw new IOException("segment sync failed: " + error, error);
      }
      throw new IllegalStateException("mark " + mark + " is not settled");
    } finally {
      lock.unlock();
    }
  }

  /** How many waiting threads this file's forces (or its failure) made runnable so far. */
  long wakeups() {
    return wakeups.get();
  }

  /** How many waits are registered and not settled. */
  int waiting() {
    lock.lock();
    try {
      return waits.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the syncer is waiting for more writes before it begins a force ({@link #gather}). */
  boolean gathering() {
    lock.lock();
    try {
      return gatherer != null;
    } finally {
      lock.unlock();
    }
  }

  /** The mark on stable storage. */
  long forced() {
    lock.lock();
    try {
      return forced;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes the waits settled now (marks up to {@code forced}, or every one after a failure) and
   * returns them, to be settled after the lock is released. Called with the lock held.
   */
  private List<Wait> takeSettled() {
    if (waits.isEmpty()) {
      return List.of();
    }
    List<Wait> out = new ArrayList<>();
    int keep = 0;
    for (int i = 0; i < waits.size(); i++) {
      Wait x = waits.get(i);
      if (error != null || x.mark() <= forced) {
        out.add(x);
      } else {
        waits.set(keep++, x);
      }
    }
    waits.subList(keep, waits.size()).clear();
    return out;
  }

  private void settle(List<Wait> settled) {
    for (Wait x : settled) {
      x.waiter().settle(wakeups);
    }
  }

  /**
   * Before a force, with the lock held: when the last force settled more waits than are registered
   * now, waits (releasing the lock) until as many are registered or the bound passes: half the last
   * force's duration, at most {@code maxGatherNanos}. Writers keep arriving while the syncer waits,
   * so the force covers a group about as large as the last one rather than the few writes that
   * completed since the last force ended.
   */
  private void gather() {
    long bound = Math.min(maxGatherNanos, lastForceNanos / 2);
    if (bound <= 0 || lastGroup < 2 || waits.size() >= lastGroup) {
      return;
    }
    long deadline = nanoClock.getAsLong() + bound;
    gatherer = Thread.currentThread();
    gatherTarget = lastGroup;
    try {
      while (gatherer != null && error == null) {
        long left = deadline - nanoClock.getAsLong();
        if (left <= 0) {
          break;
        }
        lock.unlock();
        try {
          LockSupport.parkNanos(this, left);
        } finally {
          lock.lock();
        }
      }
    } finally {
      gatherer = null;
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
      gather();
      if (error != null) {
        return;
      }
      mark = current.getAsLong();
    } finally {
      lock.unlock();
    }
    long began = nanoClock.getAsLong();
    IOException err = null;
    try {
      target.force();
    } catch (IOException e) {
      err = e;
    }
    long took = nanoClock.getAsLong() - began;
    List<Wait> settled;
    lock.lock();
    try {
      if (err != null) {
        error = err;
      } else {
        lastForceNanos = took;
        forced = Math.max(forced, mark);
        if (requested > forced && !queued) {
          queued = true; // asked for while this force ran: one more for them
          syncer.submit(this);
        }
      }
      settled = takeSettled();
      if (err == null) {
        lastGroup = settled.size();
      }
    } finally {
      lock.unlock();
    }
    settle(settled);
  }

  /** Fails every wait not yet satisfied (the syncer stopped). */
  void fail(IOException e) {
    List<Wait> settled;
    lock.lock();
    try {
      if (error == null) {
        error = e;
      }
      queued = false;
      if (gatherer != null) {
        LockSupport.unpark(gatherer); // nothing left to gather for
        gatherer = null;
      }
      settled = takeSettled();
    } finally {
      lock.unlock();
    }
    settle(settled);
  }
}
