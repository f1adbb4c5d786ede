package io.aquifer.kv;

/**
 * A set of writes applied atomically by {@link KvStore#commit(KvBatch)}. Operations apply in the
 * order they were added, so a put then a delete of the same key leaves it absent. Nothing is
 * visible until the commit. Not thread-safe. Belongs to the store that created it (committing it to
 * another store throws {@link KvException.Code#INVALID_USE}).
 *
 * <p>A batch can be committed again, or {@link #clear() cleared} and refilled; reusing one batch
 * per thread avoids allocating native memory per commit. Use after {@link #close()} throws {@link
 * KvException.Code#INVALID_USE}; batches still open when the store closes are closed with it.
 */
public interface KvBatch extends AutoCloseable {

  /** Adds a put. The arrays are copied; the caller may reuse them. */
  KvBatch put(KvTable table, byte[] key, byte[] value);

  /** Adds a delete. The array is copied; the caller may reuse it. */
  KvBatch delete(KvTable table, byte[] key);

  /** Number of operations added. */
  int size();

  /** Removes all operations so the batch can be reused. */
  void clear();

  /** Frees the batch. Never throws; may be repeated. */
  @Override
  void close();
}
