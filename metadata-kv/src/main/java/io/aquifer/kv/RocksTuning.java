package io.aquifer.kv;

import java.util.ArrayDeque;
import java.util.Deque;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The native option objects of one open store, created from a {@link KvConfig} and closed (in
 * reverse order of creation) after the database.
 *
 * <p>Memory: one LRU block cache of {@code blockCacheBytes + writeBufferBytes}. A write buffer
 * manager charges every memtable to that cache and caps all memtables together at {@code
 * writeBufferBytes}, so data, index and filter blocks always keep at least {@code blockCacheBytes}
 * and the store's resident memory stays near the sum of the two budgets. Each table's memtable is
 * sized so that two per table fit in the budget.
 */
final class RocksTuning implements AutoCloseable {
  private static final long MIN_MEMTABLE_BYTES = 64L << 10;
  private static final long MAX_MEMTABLE_BYTES = 256L << 20;

  private final Deque<RocksObject> owned = new ArrayDeque<>();
  final DBOptions dbOptions;
  final ColumnFamilyOptions tableOptions;
  final WriteOptions syncWrite;
  final WriteOptions noSyncWrite;

  RocksTuning(KvConfig config, int columnFamilies) {
    this(config, columnFamilies, false);
  }

  /**
   * With {@code bufferLog}, log writes stay in the store's memory until a sync writes and syncs
   * them (RocksDB's {@code manual_wal_flush}): see {@link KvStores#openRocksBufferingLog}.
   */
  RocksTuning(KvConfig config, int columnFamilies, boolean bufferLog) {
    try {
      LRUCache cache = own(new LRUCache(config.blockCacheBytes() + config.writeBufferBytes()));
      WriteBufferManager writeBuffers =
          own(new WriteBufferManager(config.writeBufferBytes(), cache));
      BloomFilter bloom = own(new BloomFilter(10, false));
      BlockBasedTableConfig table =
          new BlockBasedTableConfig()
              .setBlockCache(cache)
              .setFilterPolicy(bloom)
              .setCacheIndexAndFilterBlocks(true)
              .setPinL0FilterAndIndexBlocksInCache(true);
      long memtable =
          Math.clamp(
              config.writeBufferBytes() / (2L * columnFamilies),
              MIN_MEMTABLE_BYTES,
              MAX_MEMTABLE_BYTES);
      tableOptions =
          own(new ColumnFamilyOptions())
              .setTableFormatConfig(table)
              .setWriteBufferSize(memtable)
              .setMaxWriteBufferNumber(2);
      dbOptions =
          own(new DBOptions())
              .setCreateIfMissing(true)
              .setCreateMissingColumnFamilies(true)
              .setWriteBufferManager(writeBuffers)
              // A table that is rarely written must not pin old logs forever.
              .setMaxTotalWalSize(4 * config.writeBufferBytes())
              .setKeepLogFileNum(4)
              .setMaxLogFileSize(16L << 20)
              .setManualWalFlush(bufferLog);
      syncWrite = own(new WriteOptions()).setSync(true);
      noSyncWrite = own(new WriteOptions()).setSync(false);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private <T extends RocksObject> T own(T object) {
    owned.push(object);
    return object;
  }

  /** The write options for a commit with the given durability. */
  WriteOptions write(KvDurability durability) {
    return durability == KvDurability.SYNC ? syncWrite : noSyncWrite;
  }

  @Override
  public void close() {
    while (!owned.isEmpty()) {
      owned.pop().close();
    }
  }
}
