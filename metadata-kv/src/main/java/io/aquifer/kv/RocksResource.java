package io.aquifer.kv;

/**
 * A native resource handed out by a {@link RocksKvStore} (cursor, snapshot or batch). The store
 * tracks the open ones and releases any that callers forgot when it closes.
 */
interface RocksResource {
  /**
   * Frees the native memory; later use throws. Idempotent. Called with no operation of the store in
   * flight on this resource.
   */
  void release();
}
