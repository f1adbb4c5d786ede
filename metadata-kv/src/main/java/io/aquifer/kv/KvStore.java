package io.aquifer.kv;

/**
 * An ordered key-value store with named tables.
 *
 * <p>Reads through the store itself see the latest committed state. Writes are applied with {@link
 * #commit(KvBatch)}: a batch is atomic across tables (no reader, cursor or snapshot ever sees part
 * of one), and when the store is {@link KvDurability#SYNC durable} it is on stable storage when
 * {@code commit} returns.
 *
 * <p>Group commit: commits are not serialized by the store. Threads that commit at the same time
 * are joined by RocksDB into one write group: one log write and, in {@code SYNC} mode, one fsync
 * shared by all of them, so throughput grows with the number of concurrent committers while each
 * still waits for its own durability. Commit from many threads rather than funnelling writes
 * through one.
 *
 * <p>All methods are thread-safe. {@link #close()} waits for operations in flight, closes every
 * cursor, snapshot and batch still open, and makes every later call (on the store or on those
 * objects) throw {@link KvException} with {@link KvException.Code#CLOSED}.
 */
public interface KvStore extends KvReader, AutoCloseable {

  /**
   * The table with this name.
   *
   * @throws KvException with {@link KvException.Code#NO_SUCH_TABLE} when the store was not opened
   *     with it
   */
  KvTable table(String name);

  /**
   * Reads {@code key} from memory only, never waiting for I/O or for a lock held by a thread that
   * may be doing I/O: for callers that must not block (a network event loop). It sees the same
   * latest committed state as {@link #get}: {@link KvPeek.Found} with the value, {@link
   * KvPeek.Miss#ABSENT} when there is none, or {@link KvPeek.Miss#WOULD_BLOCK} when the answer is
   * not in memory (RocksDB: the key's blocks are in neither the memtables nor the block cache), the
   * store is closing or closed, or the table belongs to another store; then call {@link #get} from
   * a thread that may block, which also reports any error. Never throws for those cases. The
   * default answers {@code WOULD_BLOCK} always.
   */
  default KvPeek peek(KvTable table, byte[] key) {
    return KvPeek.Miss.WOULD_BLOCK;
  }

  /** A new empty batch for this store. Batches hold native memory: close them. */
  KvBatch newBatch();

  /**
   * Applies every operation in the batch atomically. With {@link KvDurability#SYNC}, the batch is
   * durable when this returns. The batch may be closed or reused (after {@link KvBatch#clear()})
   * afterwards.
   */
  void commit(KvBatch batch);

  /**
   * Applies the batch atomically with at most the given durability: {@link KvDurability#NONE} skips
   * the log sync even in a durable store (for records whose loss only leaves garbage that a later
   * pass collects); {@link KvDurability#SYNC} means the store's own mode. The default
   * implementation always uses the store's mode.
   */
  default void commit(KvBatch batch, KvDurability atMost) {
    commit(batch);
  }

  /** Puts one entry, as a single-operation batch. */
  void put(KvTable table, byte[] key, byte[] value);

  /** Deletes one entry (no error if absent), as a single-operation batch. */
  void delete(KvTable table, byte[] key);

  /** A consistent point-in-time view for long scans; close it to release resources. */
  KvSnapshot snapshot();

  /** The durability mode this store was opened with. */
  KvDurability durability();

  /**
   * Forces everything committed so far to stable storage (syncs the log; useful in {@link
   * KvDurability#NONE}).
   */
  void flush();

  /**
   * The store's size and compaction state, summed over its tables. Cheap: it reads figures the
   * store keeps in memory (no scan of the data, no I/O), so it may be called on every metrics
   * scrape.
   *
   * @throws KvException with {@link KvException.Code#CLOSED} after {@link #close()}
   */
  KvStats stats();

  /** Closes the store and everything still open from it. May be repeated. */
  @Override
  void close();
}
