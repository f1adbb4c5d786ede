package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Verified records of small (packed) objects, keyed by the object's data id ({@link
 * LocalObjectStore#reclaimId}), bounded by bytes.
 *
 * <p>Coherence needs no invalidation: the bytes under an id never change (an overwrite writes a new
 * id; heal and compaction copy the same record) and ids are never reused, so whoever reads the
 * current id from the index and finds it here has the current bytes. An id that is no longer
 * current is simply never asked for again and ages out.
 *
 * <p>Threads: {@link #get} takes no lock (a concurrent map read and a volatile write), so it may
 * run on an event loop. {@link #put} orders the eviction ring under a lock held for a bounded
 * number of steps ({@link #MAX_SECOND_CHANCES}); only threads that may block call it.
 *
 * <p>Eviction is CLOCK: an entry read since the hand last passed gets one more turn; after {@link
 * #MAX_SECOND_CHANCES} turns in one put the oldest entry goes regardless. Each entry is charged its
 * record's length plus {@link #ENTRY_OVERHEAD}; the charges held never exceed the capacity once a
 * put returns.
 */
final class SmallObjectCache {
  /** Bytes charged per entry beyond its record: the entry, its key, map node and buffer. */
  static final int ENTRY_OVERHEAD = 160;

  /** Referenced entries one put may pass over before it evicts regardless. */
  static final int MAX_SECOND_CHANCES = 32;

  private final long capacity;
  private final long maxObject;
  private final ConcurrentHashMap<Id, Entry> map = new ConcurrentHashMap<>();
  private final ReentrantLock ringLock = new ReentrantLock();
  private final ArrayDeque<Entry> ring = new ArrayDeque<>();
  private final AtomicLong bytes = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  /**
   * A cache of at most {@code capacity} bytes (0: nothing is kept) for objects of at most {@code
   * maxObject} bytes.
   */
  SmallObjectCache(long capacity, long maxObject) {
    this.capacity = capacity;
    this.maxObject = maxObject;
  }

  /** A 16-byte data id as two longs: cheap to hash and compare. */
  private record Id(long hi, long lo) {
    static Id of(byte[] id) {
      if (id == null || id.length != 16) {
        return null;
      }
      ByteBuffer b = ByteBuffer.wrap(id);
      return new Id(b.getLong(0), b.getLong(8));
    }
  }

  private static final class Entry {
    final Id id;
    final byte[] record;
    final int bodyOffset;
    final int bodyLength;
    final long charge;
    volatile boolean referenced;

    Entry(Id id, byte[] record, int bodyOffset, int bodyLength) {
      this.id = id;
      this.record = record;
      this.bodyOffset = bodyOffset;
      this.bodyLength = bodyLength;
      this.charge = (long) record.length + ENTRY_OVERHEAD;
    }
  }

  /** Whether the cache keeps anything. */
  boolean enabled() {
    return capacity > 0;
  }

  /**
   * The content of the object whose data id is {@code id}, as a read-only buffer of exactly its
   * bytes (a new view; the bytes are shared), or null. Lock-free; counts a hit or a miss.
   */
  ByteBuffer get(byte[] id) {
    if (capacity == 0) {
      return null;
    }
    Id k = Id.of(id);
    Entry e = k == null ? null : map.get(k);
    if (e == null) {
      misses.increment();
      return null;
    }
    if (!e.referenced) {
      e.referenced = true;
    }
    hits.increment();
    return ByteBuffer.wrap(e.record, e.bodyOffset, e.bodyLength).slice().asReadOnlyBuffer();
  }

  /**
   * Keeps a verified packed record (the caller no longer writes to it; the cache shares it with
   * readers) whose content is {@code record[bodyOffset, bodyOffset + bodyLength)}. Too large, an id
   * already present or a disabled cache: nothing happens. Evicts until the bound holds again.
   */
  void put(byte[] id, byte[] record, int bodyOffset, int bodyLength) {
    if (capacity == 0 || bodyLength > maxObject) {
      return;
    }
    Id k = Id.of(id);
    if (k == null || map.containsKey(k)) {
      return;
    }
    Entry e = new Entry(k, record, bodyOffset, bodyLength);
    if (e.charge > capacity) {
      return;
    }
    ringLock.lock();
    try {
      if (map.putIfAbsent(k, e) != null) {
        return;
      }
      ring.addLast(e);
      long held = bytes.addAndGet(e.charge);
      int passed = 0;
      while (held > capacity) {
        Entry v = ring.pollFirst();
        if (v.referenced && passed < MAX_SECOND_CHANCES) {
          passed++;
          v.referenced = false;
          ring.addLast(v);
          continue;
        }
        map.remove(v.id, v);
        held = bytes.addAndGet(-v.charge);
        evictions.increment();
      }
    } finally {
      ringLock.unlock();
    }
  }

  /** Drops every entry (the store is closing). */
  void clear() {
    ringLock.lock();
    try {
      map.clear();
      ring.clear();
      bytes.set(0);
    } finally {
      ringLock.unlock();
    }
  }

  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  long evictions() {
    return evictions.sum();
  }

  /** Bytes charged for the entries held now. */
  long bytes() {
    return bytes.get();
  }

  /** Entries held now. */
  int entries() {
    return map.size();
  }
}
