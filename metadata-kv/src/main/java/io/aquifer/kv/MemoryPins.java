package io.aquifer.kv;

import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The sequence numbers readers of a {@link MemoryKvStore} are reading at, so that commits keep
 * every version some reader can still see.
 */
final class MemoryPins {
  private final TreeMap<Long, Integer> counts = new TreeMap<>();
  private final LongSupplier visible;

  MemoryPins(LongSupplier visible) {
    this.visible = visible;
  }

  /** Pins and returns the latest committed sequence number. Release it with {@link #unpin}. */
  synchronized long pin() {
    long seq = visible.getAsLong();
    counts.merge(seq, 1, Integer::sum);
    return seq;
  }

  synchronized void unpin(long seq) {
    counts.computeIfPresent(seq, (k, n) -> n == 1 ? null : n - 1);
  }

  /**
   * The oldest sequence number any current or future reader can read at. Call while holding the
   * commit lock, so the latest committed number cannot move.
   */
  synchronized long oldestReader() {
    long latest = visible.getAsLong();
    return counts.isEmpty() ? latest : Math.min(counts.firstKey(), latest);
  }
}
