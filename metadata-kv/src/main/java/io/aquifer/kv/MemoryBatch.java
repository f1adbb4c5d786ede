package io.aquifer.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A {@link KvBatch} of a {@link MemoryKvStore}: a list of copied operations. Not thread-safe. */
final class MemoryBatch implements KvBatch, MemoryResource {

  /** One operation; a {@code null} value is a delete. The arrays are owned by the batch. */
  record Op(MemoryTable table, byte[] key, byte[] value) {}

  private final MemoryKvStore store;
  private final List<Op> ops = new ArrayList<>();
  private volatile boolean released;

  MemoryBatch(MemoryKvStore store) {
    this.store = store;
  }

  MemoryKvStore store() {
    return store;
  }

  private void check() {
    store.checkOpen();
    if (released) {
      throw new KvException(KvException.Code.INVALID_USE, "the batch is closed");
    }
  }

  /** The operations in order; valid until the batch is next changed. */
  List<Op> operations() {
    check();
    return ops;
  }

  @Override
  public KvBatch put(KvTable table, byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    check();
    ops.add(new Op(store.rows(table), key.clone(), value.clone()));
    return this;
  }

  @Override
  public KvBatch delete(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    check();
    ops.add(new Op(store.rows(table), key.clone(), null));
    return this;
  }

  @Override
  public int size() {
    check();
    return ops.size();
  }

  @Override
  public void clear() {
    check();
    ops.clear();
  }

  @Override
  public void close() {
    release();
  }

  @Override
  public void release() {
    released = true;
    store.untrack(this);
  }
}
