package io.aquifer.kv;

/**
 * A consistent point-in-time view of every table. Thread-safe.
 *
 * <p>Taking one is cheap (no copy), but while it is open the store keeps every version it can see
 * (RocksDB cannot drop them in compaction), so close it when the listing is done. Closing it also
 * closes the cursors opened from it. Use after close throws {@link KvException} with {@link
 * KvException.Code#INVALID_USE}, or {@link KvException.Code#CLOSED} once the store is closed.
 */
public interface KvSnapshot extends KvReader, AutoCloseable {
  @Override
  void close();
}
