package io.aquifer.storage;

/**
 * Size and compaction state of the metadata index, summed over its tables; every figure is an
 * estimate current when read, none is a counter.
 *
 * @param liveDataBytes estimated bytes of live index data in table files
 * @param sstFilesBytes bytes of all index table files, including data compaction has not yet
 *     dropped
 * @param memtableBytes memory of the index's memtables
 * @param pendingCompactionBytes estimated bytes compaction has to rewrite
 * @param runningCompactions compactions running now
 */
public record MetadataStats(
    long liveDataBytes,
    long sstFilesBytes,
    long memtableBytes,
    long pendingCompactionBytes,
    long runningCompactions) {}
