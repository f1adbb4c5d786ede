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
   * For crash tests only: opens a RocksDB store whose log writes stay in the store's memory until a
   * sync (a {@link KvDurability#SYNC} commit or {@link KvStore#flush()}) writes and syncs them, in
   * order (RocksDB's {@code manual_wal_flush}). A killed process then loses every commit after the
   * last sync, as power loss or a kernel crash would lose the unsynced tail of the log; a SIGKILL
   * of a normal store loses nothing the kernel already holds. Commits are otherwise the same.
   */
  public static KvStore openRocksBufferingLog(KvConfig config) {
    return RocksKvStore.open(config, true);
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
