package io.aquifer.kv;

/** A cursor, snapshot or batch of a {@link MemoryKvStore}, released when the store closes. */
interface MemoryResource {
  /** Makes later use throw and drops what the resource holds. Idempotent. */
  void release();
}
