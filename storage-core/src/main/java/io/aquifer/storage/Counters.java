package io.aquifer.storage;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a store, exported through {@link ObjectStore#stats()}. */
final class Counters {
  final LongAdder bytesEncoded = new LongAdder();
  final LongAdder bytesDecoded = new LongAdder();
  final LongAdder degradedReads = new LongAdder();
  final LongAdder blocksRebuilt = new LongAdder();
  final LongAdder checksumFailures = new LongAdder();

  /**
   * Entries in the heal table now: counted when the store opens, then changed only under {@link
   * StoreCore}'s heal-queue lock, after the index commit that adds or removes entries.
   */
  final AtomicLong healQueued = new AtomicLong();

  final LongAdder objectsScrubbed = new LongAdder();
  final LongAdder encodeNanos = new LongAdder();
  final LongAdder decodeNanos = new LongAdder();
  final LongAdder healedObjects = new LongAdder();

  /** Background writeback forces of shard files that completed (see {@link StripeWriter}). */
  final LongAdder writebackForces = new LongAdder();
}
