package io.aquifer.kv;

import java.util.List;

/** Opens stores. */
public final class KvStores {
  private KvStores() {}

  /**
   * Opens (creating if needed) a RocksDB store.
   *
   * @throws KvException with {@link KvException.Code#OPEN_FAILED} when it cannot be opened
   */
  public static KvStore openRocks(KvConfig config) {
    return RocksKvStore.open(config);
  }

  /**
   * A new empty in-memory store with the same semantics as the RocksDB one (checked by the same
   * contract tests). Nothing is durable; {@link KvStore#durability()} reports {@link
   * KvDurability#NONE}. For tests and fakes.
   */
  public static KvStore inMemory(List<String> tables) {
    return new MemoryKvStore(tables);
  }
}
