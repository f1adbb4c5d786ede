package io.aquifer.storage;

/** Joining the virtual threads a store operation starts, and handing on what they threw. */
final class Threads {
  private Threads() {}

  /**
   * Waits for every thread (nulls are skipped) even when interrupted, since the caller must not go
   * on while they still touch its buffers or files; the interrupt status is restored after.
   */
  static void joinAll(Thread... threads) {
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t != null) {
        try {
          t.join();
          t = null;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Like {@link #joinAll(Thread...)}. */
  static void joinAll(Iterable<Thread> threads) {
    for (Thread t : threads) {
      joinAll(t);
    }
  }

  /**
   * Throws {@code t} as it is when unchecked, else wrapped as an internal error naming {@code
   * what}; nothing when it is null.
   */
  static void rethrow(Throwable t, String what) {
    if (t == null) {
      return;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    throw new StorageException(StatusCode.INTERNAL, what + " failed: " + t, t);
  }
}
