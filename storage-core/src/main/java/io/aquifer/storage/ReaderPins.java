package io.aquifer.storage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which data is being read: readers pin the data id of the version they opened, and the data of a
 * replaced version is reclaimed at once when nobody reads it, or else by its last reader to close.
 *
 * <p>The store pins a version only under its key lock while it is the key's current one, and
 * reclaims it only after switching the key away from it under that lock; so once its reclaim is
 * asked for, nobody pins it again.
 *
 * <p>An id's state is one integer while it has readers: the reader count times two, plus one when a
 * reclaim waits for them. Every change is one compare-and-set on it, so the deferral and the last
 * reader's leaving are ordered: either the reclaim sets its bit before the last reader leaves (who
 * then answers that it reclaims), or it finds the readers gone (and reclaims itself). The last
 * reader leaves by marking the state {@link #DEAD} before dropping it from the table, and a pin
 * counts only on a live state, taking a fresh one otherwise: no pin can land on a state no longer
 * in the table, where a reclaim would not see it. (The table this replaced, a counter per id and a
 * set of deferred ids, had both races: a pin on the counter its last reader was about to drop, and
 * a leaving reader taking the deferral meant for a newer one.) No locks: readers of one hot object
 * contend only on its state.
 */
final class ReaderPins {
  private static final int DEAD = -1;
  private static final int ONE = 2;
  private static final int DEFERRED = 1;

  private final ConcurrentHashMap<String, AtomicInteger> states = new ConcurrentHashMap<>();

  /** Counts one more reader of {@code id}. */
  void pin(String id) {
    while (true) {
      AtomicInteger s = states.computeIfAbsent(id, k -> new AtomicInteger());
      for (int c = s.get(); c != DEAD; c = s.get()) {
        if (s.compareAndSet(c, c + ONE)) {
          return;
        }
      }
      states.remove(id, s); // its last reader is dropping it: help, and pin a fresh one
    }
  }

  /**
   * Counts one reader of {@code id} fewer; true when it was the last and a reclaim waits for it,
   * which the caller then runs.
   */
  boolean unpin(String id) {
    AtomicInteger s = states.get(id);
    while (true) {
      int c = s == null ? DEAD : s.get();
      if (c == DEAD || c < ONE) {
        throw new IllegalStateException("unpin of data nobody pinned: " + id);
      }
      if (c >= 2 * ONE) {
        if (s.compareAndSet(c, c - ONE)) {
          return false;
        }
      } else if (s.compareAndSet(c, DEAD)) {
        states.remove(id, s);
        return (c & DEFERRED) != 0;
      }
    }
  }

  /**
   * For the reclaim of {@code id}: true when nobody reads it, and the caller reclaims it now; false
   * when it is read, and then its last reader's {@link #unpin} answers true instead. Exactly one of
   * them answers true.
   */
  boolean reclaimNowOrDefer(String id) {
    AtomicInteger s = states.get(id);
    if (s == null) {
      return true;
    }
    while (true) {
      int c = s.get();
      if (c == DEAD || c < ONE) {
        return true; // its last reader left without a deferral to take
      }
      if (s.compareAndSet(c, c | DEFERRED)) {
        return false;
      }
    }
  }

  /** How many readers hold {@code id}. */
  int readers(String id) {
    AtomicInteger s = states.get(id);
    int c = s == null ? DEAD : s.get();
    return c == DEAD ? 0 : c / ONE;
  }
}
