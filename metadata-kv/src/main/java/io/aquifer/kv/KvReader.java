package io.aquifer.kv;

/**
 * Point reads and ordered scans, over the latest state or a snapshot. Keys and values passed in are
 * only read during the call; arrays returned are fresh copies owned by the caller.
 */
public interface KvReader {

  /**
   * The value stored under {@code key}, or {@code null} when there is none.
   *
   * @throws KvException with {@link KvException.Code#INVALID_USE} when the table belongs to another
   *     store, {@link KvException.Code#CLOSED} when the store is closed
   */
  byte[] get(KvTable table, byte[] key);

  /**
   * A cursor over keys in {@code [fromInclusive, toExclusive)} in unsigned byte order. Either bound
   * may be {@code null} for unbounded; an empty or inverted range gives a cursor that is never
   * valid. The cursor starts positioned at the first key at or after {@code fromInclusive} and
   * reads a consistent view (the state when it was opened); commits made later are not seen. The
   * bounds are copied. Close the cursor when done.
   */
  KvCursor scan(KvTable table, byte[] fromInclusive, byte[] toExclusive);

  /** A cursor over all keys starting with {@code prefix}. */
  default KvCursor scanPrefix(KvTable table, byte[] prefix) {
    return scan(table, prefix, KvKeys.prefixEnd(prefix));
  }
}
