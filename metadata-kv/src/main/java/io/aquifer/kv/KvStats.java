package io.aquifer.kv;

/**
 * Size and compaction state of a store, summed over all its tables, as read by {@link
 * KvStore#stats()}. Every figure is an estimate that is current when read; none is a counter.
 *
 * @param liveDataBytes estimated bytes of live data in table files (RocksDB {@code
 *     rocksdb.estimate-live-data-size}); the in-memory store reports its key and value bytes
 * @param sstFilesBytes bytes of all table files, including data that compaction has not yet dropped
 *     ({@code rocksdb.total-sst-files-size}); the in-memory store reports its key and value bytes
 * @param memtableBytes memory of the memtables, active, immutable and pinned ({@code
 *     rocksdb.cur-size-all-mem-tables}); 0 for the in-memory store
 * @param pendingCompactionBytes estimated bytes compaction has to rewrite to bring every level to
 *     its target size ({@code rocksdb.estimate-pending-compaction-bytes}); 0 for the in-memory
 *     store
 * @param runningCompactions compactions running now ({@code rocksdb.num-running-compactions}); 0
 *     for the in-memory store
 */
public record KvStats(
    long liveDataBytes,
    long sstFilesBytes,
    long memtableBytes,
    long pendingCompactionBytes,
    long runningCompactions) {}
