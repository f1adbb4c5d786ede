package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-bucket usage (committed objects and their bytes), kept exact by the index batch of every
 * commit that changes it, and the quota check that goes with it.
 *
 * <p>A bucket's usage is stored as {@link #SLOTS} records (table {@code usage}, key bucket id +
 * slot) whose sum is the usage. A commit takes a free slot's lock, puts the slot's new absolute
 * value into its own batch and commits it: the record can never be overwritten by an older value,
 * and up to {@code SLOTS} commits to one bucket run at once. The batch is committed without a log
 * sync and the caller then waits for {@link StoreCore#syncIndex()}, which shares one sync among all
 * concurrent committers (of any bucket). Locks are held only across the index commit, never across
 * data I/O.
 *
 * <p>Quota: before taking a slot, a commit reserves its growth (positive deltas only) against the
 * committed usage plus the growth of commits still in flight, under the bucket's lock. The check is
 * therefore exact for a lone writer and conservative under concurrency (a delete in flight does not
 * free room until it committed); the quota is never exceeded.
 */
final class UsageLedger {
  static final int SLOTS = 16;

  private final StoreCore core;
  private final Map<Long, State> states = new ConcurrentHashMap<>();

  UsageLedger(StoreCore core) {
    this.core = core;
  }

  /** In-memory image of one bucket's usage records. */
  private static final class State {
    final ReentrantLock[] slotLocks = new ReentrantLock[SLOTS];
    // guarded by slotLocks[i]: the value of slot i as committed
    final long[] slotObjects = new long[SLOTS];
    final long[] slotBytes = new long[SLOTS];
    // guarded by lock: a lock rather than the monitor, so a virtual thread that waited for it is
    // made runnable directly, not through the JDK's unblocker thread
    final ReentrantLock lock = new ReentrantLock();
    long objects;
    long bytes;
    long reservedObjects;
    long reservedBytes;

    State() {
      for (int i = 0; i < SLOTS; i++) {
        slotLocks[i] = new ReentrantLock();
      }
    }

    int acquireSlot() {
      int start = ThreadLocalRandom.current().nextInt(SLOTS);
      for (int i = 0; i < SLOTS; i++) {
        int s = (start + i) % SLOTS;
        if (slotLocks[s].tryLock()) {
          return s;
        }
      }
      slotLocks[start].lock();
      return start;
    }
  }

  private State state(long bucketId) {
    return states.computeIfAbsent(bucketId, this::load);
  }

  private State load(long bucketId) {
    State s = new State();
    try (KvCursor c = core.kv.scanPrefix(core.usage, Names.bucketPrefix(bucketId))) {
      for (; c.valid(); c.next()) {
        byte[] k = c.key();
        int slot = k.length == 9 ? k[8] & 0xff : SLOTS;
        if (slot >= SLOTS) {
          throw new StorageException(StatusCode.INTERNAL, "bad usage record key");
        }
        long[] v = MetaFormat.decodeUsage(c.value());
        s.slotObjects[slot] = v[0];
        s.slotBytes[slot] = v[1];
        s.objects += v[0];
        s.bytes += v[1];
      }
    }
    return s;
  }

  /** The committed usage of a bucket. */
  BucketUsage usage(long bucketId) {
    State s = state(bucketId);
    s.lock.lock();
    try {
      return new BucketUsage(s.objects, s.bytes);
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Adds a usage change to {@code batch} and commits it, after checking the growth against {@code
   * quota}. Throws {@link StatusCode#QUOTA_EXCEEDED} before anything is committed.
   */
  void commit(
      String bucket, long bucketId, BucketQuota quota, long dObjects, long dBytes, KvBatch batch) {
    commit(bucket, bucketId, quota, dObjects, dBytes, batch, true);
  }

  /**
   * Like {@link #commit(String, long, BucketQuota, long, long, KvBatch)}; without {@code syncIndex}
   * it returns without waiting for the index log's sync (packed puts).
   */
  void commit(
      String bucket,
      long bucketId,
      BucketQuota quota,
      long dObjects,
      long dBytes,
      KvBatch batch,
      boolean syncIndex) {
    State s = state(bucketId);
    long growObjects = Math.max(0, dObjects);
    long growBytes = Math.max(0, dBytes);
    s.lock.lock();
    try {
      check(s, bucket, quota, growObjects, growBytes);
      s.reservedObjects += growObjects;
      s.reservedBytes += growBytes;
    } finally {
      s.lock.unlock();
    }
    boolean committed = false;
    int slot = s.acquireSlot();
    try {
      long objects = s.slotObjects[slot] + dObjects;
      long bytes = s.slotBytes[slot] + dBytes;
      batch.put(core.usage, Names.usageKey(bucketId, slot), MetaFormat.encodeUsage(objects, bytes));
      core.kv.commit(batch, KvDurability.NONE);
      s.slotObjects[slot] = objects;
      s.slotBytes[slot] = bytes;
      committed = true;
    } finally {
      s.slotLocks[slot].unlock();
      s.lock.lock();
      try {
        s.reservedObjects -= growObjects;
        s.reservedBytes -= growBytes;
        if (committed) {
          s.objects += dObjects;
          s.bytes += dBytes;
        }
      } finally {
        s.lock.unlock();
      }
    }
    if (syncIndex && core.kv.durability() == KvDurability.SYNC) {
      core.syncIndex(); // group commit: one log sync for every commit before it began
    }
  }

  /**
   * Fails early when a write of this size change would exceed the quota now, so that large copies
   * and completions do not do their I/O in vain. The check at commit still decides.
   */
  void precheck(String bucket, long bucketId, BucketQuota quota, long dObjects, long dBytes) {
    if (quota.unlimited()) {
      return;
    }
    State s = state(bucketId);
    s.lock.lock();
    try {
      check(s, bucket, quota, Math.max(0, dObjects), Math.max(0, dBytes));
    } finally {
      s.lock.unlock();
    }
  }

  /** Throws when the growth does not fit; the caller holds the state's lock. */
  private static void check(
      State s, String bucket, BucketQuota quota, long growObjects, long growBytes) {
    if (growObjects > 0
        && quota.maxObjects() > 0
        && s.objects + s.reservedObjects + growObjects > quota.maxObjects()) {
      throw new StorageException(
          StatusCode.QUOTA_EXCEEDED,
          "bucket "
              + bucket
              + " would exceed its quota of "
              + quota.maxObjects()
              + " objects: it holds "
              + s.objects
              + " objects"
              + (s.reservedObjects > 0 ? " (" + s.reservedObjects + " more being written)" : ""));
    }
    if (growBytes > 0
        && quota.maxBytes() > 0
        && s.bytes + s.reservedBytes + growBytes > quota.maxBytes()) {
      throw new StorageException(
          StatusCode.QUOTA_EXCEEDED,
          "bucket "
              + bucket
              + " would exceed its quota of "
              + quota.maxBytes()
              + " bytes: it holds "
              + s.bytes
              + " bytes"
              + (s.reservedBytes > 0 ? " (" + s.reservedBytes + " more being written)" : "")
              + " and the write adds "
              + growBytes);
    }
  }

  /**
   * Adds to {@code batch} the deletion of a bucket's usage records; call {@link #forget} once it
   * committed. The caller excludes every writer of the bucket.
   */
  void deleteRecords(long bucketId, KvBatch batch) {
    for (int i = 0; i < SLOTS; i++) {
      batch.delete(core.usage, Names.usageKey(bucketId, i));
    }
  }

  /** Drops the in-memory image of a deleted bucket. */
  void forget(long bucketId) {
    states.remove(bucketId);
  }

  /**
   * Adds to {@code batch} records that set a bucket's usage to exactly these values (slot 0 holds
   * them, the others are cleared). For bucket creation, index migration and rebuild-index; the
   * caller excludes every writer of the bucket and calls {@link #forget} after the commit.
   */
  static void reset(StoreCore core, long bucketId, long objects, long bytes, KvBatch batch) {
    batch.put(core.usage, Names.usageKey(bucketId, 0), MetaFormat.encodeUsage(objects, bytes));
    for (int i = 1; i < SLOTS; i++) {
      batch.delete(core.usage, Names.usageKey(bucketId, i));
    }
  }
}
