package io.aquifer.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Group commit of writes to one file. Writes are numbered by a monotonic mark (an end offset, a
 * count); a writer waiting for mark {@code n} either finds it covered by a force that began after
 * it, or becomes the leader and forces the file once for every write up to the current mark. A
 * failed force fails every later wait on the file: a force after a failed one can succeed without
 * the pages the kernel dropped.
 *
 * <p>The state is guarded by a {@link ReentrantLock}, not the object's monitor: a virtual thread
 * woken from {@code Object.wait} or a contended {@code synchronized} is handed back to the
 * scheduler through the JDK's unblocker thread (one more thread switch per waiter), where a
 * condition's signal makes it runnable directly.
 */
final class GroupForce {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long forced;
  private boolean syncing;
  private IOException error;

  /**
   * @param forced the mark already on stable storage
   */
  GroupForce(long forced) {
    this.forced = forced;
  }

  /**
   * Returns once every write up to {@code mark} is forced.
   *
   * @param current the mark of the writes done so far (read by the leader before it forces)
   */
  void await(FileChannel ch, long mark, LongSupplier current) throws IOException {
    while (true) {
      long target;
      lock.lock();
      try {
        while (true) {
          if (error != null) {
            throw new IOException("segment sync failed: " + error, error);
          }
          if (forced >= mark) {
            return;
          }
          if (!syncing) {
            break;
          }
          try {
            changed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for a segment sync");
          }
        }
        syncing = true;
        target = current.getAsLong();
      } finally {
        lock.unlock();
      }
      IOException err = null;
      try {
        ch.force(false);
      } catch (IOException e) {
        err = e;
      }
      lock.lock();
      try {
        syncing = false;
        if (err != null) {
          error = err;
        } else {
          forced = Math.max(forced, target);
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
