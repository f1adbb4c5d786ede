package io.aquifer.kv;

/**
 * A forward cursor over an ordered key range, reading a consistent view: the state when it was
 * opened (or its snapshot's). Not thread-safe. Arrays returned by {@link #key()} and {@link
 * #value()} are fresh copies owned by the caller.
 *
 * <p>An open cursor holds resources of the store (in RocksDB it pins memtables and files), so close
 * it when done. Using it after {@link #close()}, or after closing the snapshot it came from, throws
 * {@link KvException} with {@link KvException.Code#INVALID_USE}; using it after the store closed
 * throws {@link KvException.Code#CLOSED}. {@link #close()} itself never throws and may be repeated.
 */
public interface KvCursor extends AutoCloseable {

  /** Whether the cursor is positioned on an entry inside its range. */
  boolean valid();

  /**
   * The current key, as a new array owned by the caller.
   *
   * @throws java.util.NoSuchElementException when the cursor is not {@link #valid()}
   */
  byte[] key();

  /**
   * The current value, as a new array owned by the caller.
   *
   * @throws java.util.NoSuchElementException when the cursor is not {@link #valid()}
   */
  byte[] value();

  /**
   * Moves to the next entry; past the last one in the range the cursor becomes invalid.
   *
   * @throws java.util.NoSuchElementException when the cursor is not {@link #valid()}
   */
  void next();

  /**
   * Moves to the first entry whose key is at or after {@code key} (clamped to the range's lower
   * bound). Seeking backwards is allowed, also after the cursor ran past the end; seeking at or
   * past the range's upper bound makes it invalid. The array is only read during the call.
   */
  void seek(byte[] key);

  @Override
  void close();
}
