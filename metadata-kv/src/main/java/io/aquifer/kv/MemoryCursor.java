package io.aquifer.kv;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A cursor over one table of a {@link MemoryKvStore} at a fixed sequence number: the state when it
 * was opened, or its snapshot's. Walks the live skip list and skips versions newer than its number.
 * Not thread-safe.
 */
final class MemoryCursor implements KvCursor, MemoryResource {
  private final MemoryKvStore store;
  private final MemorySnapshot parent;
  private final MemoryTable table;
  private final long seq;
  private final byte[] lower;
  private final byte[] upper;
  private byte[] key;
  private byte[] value;
  private volatile boolean released;

  /**
   * A cursor positioned at the first key at or after {@code from}. Without a parent the cursor owns
   * the pin of {@code seq} and unpins it when closed.
   */
  MemoryCursor(
      MemoryKvStore store,
      MemorySnapshot parent,
      MemoryTable table,
      long seq,
      byte[] from,
      byte[] to) {
    this.store = store;
    this.parent = parent;
    this.table = table;
    this.seq = seq;
    this.lower = from == null ? null : from.clone();
    this.upper = to == null ? null : to.clone();
    positionAt(lower == null ? table.rows().firstEntry() : table.rows().ceilingEntry(lower));
  }

  private void positionAt(Map.Entry<byte[], MemoryVersion> entry) {
    Map.Entry<byte[], MemoryVersion> e = entry;
    while (e != null && (upper == null || KvKeys.compare(e.getKey(), upper) < 0)) {
      byte[] v = MemoryVersion.valueAt(e.getValue(), seq);
      if (v != null) {
        key = e.getKey();
        value = v;
        return;
      }
      e = table.rows().higherEntry(e.getKey());
    }
    key = null;
    value = null;
  }

  private void check() {
    store.checkOpen();
    if (released) {
      throw new KvException(KvException.Code.INVALID_USE, "the cursor is closed");
    }
  }

  private void checkValid() {
    check();
    if (key == null) {
      throw new NoSuchElementException("the cursor is past the end of its range");
    }
  }

  @Override
  public boolean valid() {
    check();
    return key != null;
  }

  @Override
  public byte[] key() {
    checkValid();
    return key.clone();
  }

  @Override
  public byte[] value() {
    checkValid();
    return value.clone();
  }

  @Override
  public void next() {
    checkValid();
    positionAt(table.rows().higherEntry(key));
  }

  @Override
  public void seek(byte[] target) {
    Objects.requireNonNull(target, "key");
    check();
    byte[] from = lower != null && KvKeys.compare(target, lower) < 0 ? lower : target;
    positionAt(table.rows().ceilingEntry(from));
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
    store.untrack(this);
    if (parent == null) {
      store.pins().unpin(seq);
    } else {
      parent.forget(this);
    }
  }
}
