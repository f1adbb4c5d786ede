package io.aquifer.kv;

import java.util.NoSuchElementException;
import java.util.Objects;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A cursor over a RocksDB iterator bounded by {@code iterate_lower_bound}/{@code
 * iterate_upper_bound}. Without a snapshot the iterator still reads a consistent view: the state
 * when the cursor was opened. Every method holds the store's lifecycle lock and this cursor's
 * monitor, so neither the store nor the parent snapshot can free the iterator under it.
 */
final class RocksCursor implements KvCursor, RocksResource {
  private final RocksKvStore store;
  private final RocksKvSnapshot parent;
  private final byte[] lower;
  private final ReadOptions options;
  private final Slice lowerSlice;
  private final Slice upperSlice;
  private final RocksIterator iterator;
  private boolean released;

  private RocksCursor(
      RocksKvStore store,
      RocksKvSnapshot parent,
      byte[] lower,
      ReadOptions options,
      Slice lowerSlice,
      Slice upperSlice,
      RocksIterator iterator) {
    this.store = store;
    this.parent = parent;
    this.lower = lower;
    this.options = options;
    this.lowerSlice = lowerSlice;
    this.upperSlice = upperSlice;
    this.iterator = iterator;
  }

  /**
   * Opens a cursor positioned at the first key at or after {@code from}. Call inside an operation
   * of the store (and of the parent snapshot, if any).
   */
  static RocksCursor open(
      RocksKvStore store,
      RocksKvSnapshot parent,
      ColumnFamilyHandle handle,
      Snapshot snapshot,
      byte[] from,
      byte[] to) {
    ReadOptions options = new ReadOptions();
    Slice lowerSlice = null;
    Slice upperSlice = null;
    RocksIterator iterator = null;
    try {
      if (snapshot != null) {
        options.setSnapshot(snapshot);
      }
      if (from != null) {
        lowerSlice = new Slice(from);
        options.setIterateLowerBound(lowerSlice);
      }
      if (to != null) {
        upperSlice = new Slice(to);
        options.setIterateUpperBound(upperSlice);
      }
      iterator = store.db().newIterator(handle, options);
      RocksCursor cursor =
          new RocksCursor(
              store,
              parent,
              from == null ? null : from.clone(),
              options,
              lowerSlice,
              upperSlice,
              iterator);
      cursor.seekTo(from);
      store.track(cursor);
      return cursor;
    } catch (RuntimeException | Error e) {
      closeAll(iterator, upperSlice, lowerSlice, options);
      throw e;
    }
  }

  private static void closeAll(AbstractNativeReference... objects) {
    for (AbstractNativeReference o : objects) {
      if (o != null) {
        o.close();
      }
    }
  }

  private void check() {
    if (released) {
      throw new KvException(KvException.Code.INVALID_USE, "the cursor is closed");
    }
  }

  private void seekTo(byte[] key) {
    if (key == null) {
      iterator.seekToFirst();
    } else {
      iterator.seek(key);
    }
    checkStatus();
  }

  private void checkStatus() {
    if (!iterator.isValid()) {
      try {
        iterator.status();
      } catch (RocksDBException e) {
        throw RocksErrors.map("scan", e);
      }
    }
  }

  @Override
  public boolean valid() {
    store.enter();
    try {
      synchronized (this) {
        check();
        return iterator.isValid();
      }
    } finally {
      store.exit();
    }
  }

  @Override
  public byte[] key() {
    store.enter();
    try {
      synchronized (this) {
        checkValid();
        return iterator.key();
      }
    } finally {
      store.exit();
    }
  }

  @Override
  public byte[] value() {
    store.enter();
    try {
      synchronized (this) {
        checkValid();
        return iterator.value();
      }
    } finally {
      store.exit();
    }
  }

  private void checkValid() {
    check();
    if (!iterator.isValid()) {
      throw new NoSuchElementException("the cursor is past the end of its range");
    }
  }

  @Override
  public void next() {
    store.enter();
    try {
      synchronized (this) {
        checkValid();
        iterator.next();
        checkStatus();
      }
    } finally {
      store.exit();
    }
  }

  @Override
  public void seek(byte[] key) {
    Objects.requireNonNull(key, "key");
    store.enter();
    try {
      synchronized (this) {
        check();
        seekTo(lower != null && KvKeys.compare(key, lower) < 0 ? lower : key);
      }
    } finally {
      store.exit();
    }
  }

  @Override
  public void close() {
    if (!store.enterIfOpen()) {
      return; // the store released this cursor when it closed
    }
    try {
      release();
    } finally {
      store.exit();
    }
  }

  @Override
  public synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    closeAll(iterator, upperSlice, lowerSlice, options);
    store.untrack(this);
    if (parent != null) {
      parent.forget(this);
    }
  }
}
