package io.aquifer.storage;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one drive's block reads: how many, how many bytes, busy time, and in flight now. */
final class DriveReads {
  private final LongAdder count = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder busyNanos = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Starts a read; returns its start time for {@link #end}. */
  long begin() {
    inFlight.incrementAndGet();
    return System.nanoTime();
  }

  /** Ends a read started at {@code started} that read {@code n} bytes (0 when it failed). */
  void end(long started, long n) {
    busyNanos.add(System.nanoTime() - started);
    bytes.add(n);
    count.increment();
    inFlight.decrementAndGet();
  }

  DriveStatus.Reads snapshot() {
    return new DriveStatus.Reads(count.sum(), bytes.sum(), busyNanos.sum(), inFlight.get());
  }
}
