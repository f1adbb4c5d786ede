package io.aquifer.kv;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A snapshot of a {@link MemoryKvStore}: a pinned sequence number. Thread-safe. Closing it closes
 * the cursors opened from it.
 */
final class MemorySnapshot implements KvSnapshot, MemoryResource {
  private final MemoryKvStore store;
  private final long seq;
  private final Set<MemoryCursor> cursors = ConcurrentHashMap.newKeySet();
  private volatile boolean released;

  /** A snapshot that owns the pin of {@code seq}. */
  MemorySnapshot(MemoryKvStore store, long seq) {
    this.store = store;
    this.seq = seq;
  }

  private void check() {
    store.checkOpen();
    if (released) {
      throw new KvException(KvException.Code.INVALID_USE, "the snapshot is closed");
    }
  }

  @Override
  public byte[] get(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    check();
    byte[] value = MemoryVersion.valueAt(store.rows(table).rows().get(key), seq);
    return value == null ? null : value.clone();
  }

  @Override
  public KvCursor scan(KvTable table, byte[] fromInclusive, byte[] toExclusive) {
    check();
    MemoryCursor cursor =
        new MemoryCursor(store, this, store.rows(table), seq, fromInclusive, toExclusive);
    cursors.add(cursor);
    store.track(cursor);
    return cursor;
  }

  void forget(MemoryCursor cursor) {
    cursors.remove(cursor);
  }

  @Override
  public void close() {
    release();
  }

  @Override
  public synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    cursors.forEach(MemoryCursor::release);
    cursors.clear();
    store.untrack(this);
    store.pins().unpin(seq);
  }
}
