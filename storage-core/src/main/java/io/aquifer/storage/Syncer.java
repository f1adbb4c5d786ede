package io.aquifer.storage;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread that forces one drive's segment files ({@link GroupForce}): a platform thread, so an
 * {@code fdatasync} blocks it rather than a virtual-thread carrier, and one per drive, so the
 * copies of a packed record on m + 1 drives are forced in parallel. Started on the first request;
 * {@link #close} fails what is still queued.
 */
final class Syncer {
  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final ArrayDeque<GroupForce> queue = new ArrayDeque<>();
  private Thread thread;
  private boolean closed;

  Syncer(String name) {
    this.name = name;
  }

  /** Queues a force of {@code f}; fails it at once when closed. */
  void submit(GroupForce f) {
    lock.lock();
    try {
      if (closed) {
        f.fail(new IOException("store closed"));
        return;
      }
      queue.add(f);
      if (thread == null) {
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
      }
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      GroupForce f;
      lock.lock();
      try {
        while (queue.isEmpty() && !closed) {
          work.awaitUninterruptibly();
        }
        if (closed) {
          break;
        }
        f = queue.poll();
      } finally {
        lock.unlock();
      }
      f.forceNow();
    }
    failQueued();
  }

  private void failQueued() {
    while (true) {
      GroupForce f;
      lock.lock();
      try {
        f = queue.poll();
      } finally {
        lock.unlock();
      }
      if (f == null) {
        return;
      }
      f.fail(new IOException("store closed"));
    }
  }

  /** Stops the thread after the force in progress; queued forces fail. */
  void close() {
    Thread t;
    lock.lock();
    try {
      closed = true;
      t = thread;
      work.signal();
    } finally {
      lock.unlock();
    }
    if (t != null) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    failQueued();
  }
}
