package io.aquifer.kv;

import java.util.Objects;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link KvBatch} over a native {@link WriteBatch}: operations are copied into native memory as
 * they are added. Not thread-safe; its methods synchronize only so that a close from another thread
 * (or the store's) never frees the batch under a running call.
 */
final class RocksBatch implements KvBatch, RocksResource {
  private final RocksKvStore store;
  private final WriteBatch batch;
  private boolean released;

  /** A new batch; call inside an operation of the store. */
  RocksBatch(RocksKvStore store) {
    this.store = store;
    this.batch = new WriteBatch();
    store.track(this);
  }

  RocksKvStore store() {
    return store;
  }

  private void check() {
    if (released) {
      throw new KvException(KvException.Code.INVALID_USE, "the batch is closed");
    }
  }

  @Override
  public KvBatch put(KvTable table, byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    store.enter();
    try {
      synchronized (this) {
        check();
        batch.put(store.handle(table), key, value);
      }
    } catch (RocksDBException e) {
      throw RocksErrors.map("batch put", e);
    } finally {
      store.exit();
    }
    return this;
  }

  @Override
  public KvBatch delete(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    store.enter();
    try {
      synchronized (this) {
        check();
        batch.delete(store.handle(table), key);
      }
    } catch (RocksDBException e) {
      throw RocksErrors.map("batch delete", e);
    } finally {
      store.exit();
    }
    return this;
  }

  @Override
  public int size() {
    store.enter();
    try {
      synchronized (this) {
        check();
        return batch.count();
      }
    } finally {
      store.exit();
    }
  }

  @Override
  public void clear() {
    store.enter();
    try {
      synchronized (this) {
        check();
        batch.clear();
      }
    } finally {
      store.exit();
    }
  }

  /** Writes the batch atomically; call inside an operation of the store. */
  synchronized void writeTo(RocksDB db, WriteOptions options) {
    check();
    try {
      db.write(options, batch);
    } catch (RocksDBException e) {
      throw RocksErrors.map("commit", e);
    }
  }

  @Override
  public void close() {
    if (!store.enterIfOpen()) {
      return; // the store released this batch when it closed
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
    batch.close();
    store.untrack(this);
  }
}
