package io.aquifer.kv;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * A RocksDB snapshot with the read options that read at it. Thread-safe: reads hold the read side
 * of this snapshot's lock, {@link #close()} the write side, so a close never frees memory under a
 * concurrent read. Closing the snapshot closes the cursors opened from it.
 */
final class RocksKvSnapshot implements KvSnapshot, RocksResource {
  private final RocksKvStore store;
  private final Snapshot snapshot;
  private final ReadOptions options;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Set<RocksCursor> cursors = ConcurrentHashMap.newKeySet();
  private boolean released;

  private RocksKvSnapshot(RocksKvStore store, Snapshot snapshot, ReadOptions options) {
    this.store = store;
    this.snapshot = snapshot;
    this.options = options;
  }

  /** Takes a snapshot; call inside an operation of the store. */
  static RocksKvSnapshot open(RocksKvStore store) {
    Snapshot snapshot = store.takeSnapshot();
    ReadOptions options;
    try {
      options = new ReadOptions().setSnapshot(snapshot);
    } catch (RuntimeException | Error e) {
      store.db().releaseSnapshot(snapshot);
      snapshot.close();
      throw e;
    }
    RocksKvSnapshot s = new RocksKvSnapshot(store, snapshot, options);
    store.track(s);
    return s;
  }

  private void enter() {
    store.enter();
    lock.readLock().lock();
    if (released) {
      lock.readLock().unlock();
      store.exit();
      throw new KvException(KvException.Code.INVALID_USE, "the snapshot is closed");
    }
  }

  private void exit() {
    lock.readLock().unlock();
    store.exit();
  }

  @Override
  public byte[] get(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    enter();
    try {
      return store.db().get(store.handle(table), options, key);
    } catch (RocksDBException e) {
      throw RocksErrors.map("get", e);
    } finally {
      exit();
    }
  }

  @Override
  public KvCursor scan(KvTable table, byte[] fromInclusive, byte[] toExclusive) {
    enter();
    try {
      RocksCursor cursor =
          RocksCursor.open(store, this, store.handle(table), snapshot, fromInclusive, toExclusive);
      cursors.add(cursor);
      return cursor;
    } finally {
      exit();
    }
  }

  void forget(RocksCursor cursor) {
    cursors.remove(cursor);
  }

  @Override
  public void close() {
    if (!store.enterIfOpen()) {
      return; // the store released this snapshot when it closed
    }
    try {
      release();
    } finally {
      store.exit();
    }
  }

  @Override
  public void release() {
    lock.writeLock().lock();
    try {
      if (released) {
        return;
      }
      released = true;
      cursors.forEach(RocksCursor::release);
      cursors.clear();
      store.db().releaseSnapshot(snapshot);
      snapshot.close();
      options.close();
      store.untrack(this);
    } finally {
      lock.writeLock().unlock();
    }
  }
}
