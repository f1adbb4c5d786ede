package io.aquifer.kv;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory {@link KvStore} with the semantics of the RocksDB one, for tests and fakes.
 *
 * <p>Multi-version: each commit gets the next sequence number and adds a version of every key it
 * touches; the number becomes visible only when the whole batch is in, so readers (which read at
 * the latest visible number, or at their snapshot's) never see half a batch. Commits are serialized
 * by a lock; reads never block. Versions that no reader can see any more are pruned when their key
 * is written, and by a sweep of all tables every {@value #SWEEP_EVERY} writes. Stored arrays are
 * copies owned by the store, and readers get copies.
 *
 * <p>{@link #stats()} reports the key and value bytes of the newest version of every live key, kept
 * up to date by each commit (older versions kept for readers are not counted).
 */
final class MemoryKvStore implements KvStore {
  private static final int SWEEP_EVERY = 4096;

  private final Map<String, MemoryTable> tables;
  private final ReentrantLock commitLock = new ReentrantLock();
  private final MemoryPins pins;
  private final Set<MemoryResource> open = ConcurrentHashMap.newKeySet();
  private volatile long visible;
  private volatile long liveBytes;
  private volatile boolean closed;
  private int writesSinceSweep;

  /** An empty store with the given tables. */
  MemoryKvStore(List<String> tableNames) {
    List<String> names = List.copyOf(tableNames);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("at least one table is required");
    }
    Map<String, MemoryTable> byName = new LinkedHashMap<>();
    for (String name : names) {
      if (byName.put(name, new MemoryTable(name, this)) != null) {
        throw new IllegalArgumentException("duplicate table name: " + name);
      }
    }
    this.tables = Map.copyOf(byName);
    this.pins = new MemoryPins(() -> visible);
  }

  void checkOpen() {
    if (closed) {
      throw new KvException(KvException.Code.CLOSED, "the store is closed");
    }
  }

  MemoryTable rows(KvTable table) {
    Objects.requireNonNull(table, "table");
    if (table instanceof MemoryTable t && t.store() == this) {
      return t;
    }
    throw new KvException(KvException.Code.INVALID_USE, table + " belongs to another store");
  }

  MemoryPins pins() {
    return pins;
  }

  void track(MemoryResource resource) {
    open.add(resource);
  }

  void untrack(MemoryResource resource) {
    open.remove(resource);
  }

  /** How many cursors, snapshots and batches are open (for leak checks in tests). */
  int openResources() {
    return open.size();
  }

  @Override
  public KvTable table(String name) {
    checkOpen();
    MemoryTable table = tables.get(name);
    if (table == null) {
      throw new KvException(KvException.Code.NO_SUCH_TABLE, "no table " + name);
    }
    return table;
  }

  /** Reads never block here: the latest value, as {@link #get} gives it. */
  @Override
  public KvPeek peek(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    if (closed || !(table instanceof MemoryTable t) || t.store() != this) {
      return KvPeek.Miss.WOULD_BLOCK;
    }
    byte[] v;
    try {
      v = get(table, key);
    } catch (KvException e) {
      return KvPeek.Miss.WOULD_BLOCK; // closed meanwhile
    }
    return v == null ? KvPeek.Miss.ABSENT : new KvPeek.Found(v);
  }

  @Override
  public byte[] get(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    MemoryTable t = rows(table);
    long seq = pins.pin();
    try {
      byte[] value = MemoryVersion.valueAt(t.rows().get(key), seq);
      return value == null ? null : value.clone();
    } finally {
      pins.unpin(seq);
    }
  }

  @Override
  public KvCursor scan(KvTable table, byte[] fromInclusive, byte[] toExclusive) {
    checkOpen();
    MemoryTable t = rows(table);
    long seq = pins.pin();
    MemoryCursor cursor = new MemoryCursor(this, null, t, seq, fromInclusive, toExclusive);
    track(cursor);
    return cursor;
  }

  @Override
  public KvBatch newBatch() {
    checkOpen();
    MemoryBatch batch = new MemoryBatch(this);
    track(batch);
    return batch;
  }

  @Override
  public void commit(KvBatch batch) {
    Objects.requireNonNull(batch, "batch");
    checkOpen();
    if (!(batch instanceof MemoryBatch b) || b.store() != this) {
      throw new KvException(KvException.Code.INVALID_USE, "the batch belongs to another store");
    }
    apply(b.operations());
  }

  @Override
  public void commit(KvBatch batch, KvDurability atMost) {
    Objects.requireNonNull(atMost, "atMost");
    commit(batch);
  }

  @Override
  public void put(KvTable table, byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    checkOpen();
    apply(List.of(new MemoryBatch.Op(rows(table), key.clone(), value.clone())));
  }

  @Override
  public void delete(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    apply(List.of(new MemoryBatch.Op(rows(table), key.clone(), null)));
  }

  private void apply(List<MemoryBatch.Op> ops) {
    commitLock.lock();
    try {
      checkOpen();
      long oldestReader = pins.oldestReader();
      long seq = visible + 1;
      long delta = 0;
      MemoryVersion[] previous = new MemoryVersion[1];
      for (MemoryBatch.Op op : ops) {
        previous[0] = null;
        op.table()
            .rows()
            .compute(
                op.key(),
                (k, newest) -> {
                  previous[0] = newest; // an assignment: the map may retry the function
                  return MemoryVersion.prune(
                      new MemoryVersion(seq, op.value(), newest), oldestReader);
                });
        byte[] before = previous[0] == null ? null : previous[0].value;
        delta += liveSize(op.key(), op.value()) - liveSize(op.key(), before);
      }
      liveBytes += delta; // commits are serialized by the lock
      visible = seq;
      writesSinceSweep += ops.size();
      if (writesSinceSweep >= SWEEP_EVERY) {
        writesSinceSweep = 0;
        sweep(oldestReader);
      }
    } finally {
      commitLock.unlock();
    }
  }

  private static long liveSize(byte[] key, byte[] value) {
    return value == null ? 0 : (long) key.length + value.length;
  }

  /** Prunes every key; drops deleted keys that every reader sees as deleted. */
  private void sweep(long oldestReader) {
    for (MemoryTable table : tables.values()) {
      for (byte[] key : table.rows().keySet()) {
        table.rows().computeIfPresent(key, (k, v) -> MemoryVersion.prune(v, oldestReader));
      }
    }
  }

  @Override
  public KvSnapshot snapshot() {
    checkOpen();
    MemorySnapshot snapshot = new MemorySnapshot(this, pins.pin());
    track(snapshot);
    return snapshot;
  }

  @Override
  public KvDurability durability() {
    return KvDurability.NONE; // nothing survives the process
  }

  @Override
  public void flush() {
    checkOpen();
  }

  /** Key and value bytes of the live entries as sst and live data; nothing else applies. */
  @Override
  public KvStats stats() {
    checkOpen();
    long bytes = liveBytes;
    return new KvStats(bytes, bytes, 0, 0, 0);
  }

  /** Closes the store and every cursor, snapshot and batch still open. Idempotent. */
  @Override
  public void close() {
    commitLock.lock();
    try {
      closed = true;
    } finally {
      commitLock.unlock();
    }
    open.forEach(MemoryResource::release);
    open.clear();
  }
}
