package io.aquifer.storage;

/**
 * Counters since the store opened, and the size of the heal queue.
 *
 * @param codec name of the erasure codec implementation in use
 * @param dataShards k
 * @param parityShards m
 * @param bytesEncoded data bytes erasure-encoded
 * @param bytesDecoded bytes rebuilt by reconstruction
 * @param degradedReads stripes read with a missing or corrupt block
 * @param blocksRebuilt blocks rewritten by heal
 * @param checksumFailures blocks that failed CRC32C verification
 * @param healQueued objects waiting in the heal queue now (pieces of data: objects, or parts of
 *     multipart objects), a gauge rather than a counter: counted from the index when the store
 *     opens, up when a read or write finds damage in data not yet queued, down when the queued data
 *     is healed (by the heal queue, a heal pass or scrub) or deleted or replaced; 0 once everything
 *     queued is healed
 * @param objectsScrubbed objects verified by the scrubber
 * @param encodeNanos time spent in the erasure codec encoding stripes, in nanoseconds
 * @param decodeNanos time spent in the erasure codec reconstructing missing or corrupt blocks (on
 *     reads and in heal), in nanoseconds
 * @param healedObjects pieces of data (objects, or parts of multipart objects) that heal, scrub or
 *     the heal queue found damaged and had at least one shard rewritten, as counted in {@link
 *     HealReport#objectsHealed()}
 * @param smallCacheHits reads of a small object's data answered by the small-object cache
 * @param smallCacheMisses reads of a small object's data that looked in the cache and missed
 * @param smallCacheEvictions entries evicted from the small-object cache to keep its bound
 * @param smallCacheBytes bytes charged for the entries the small-object cache holds now
 */
public record StoreStats(
    String codec,
    int dataShards,
    int parityShards,
    long bytesEncoded,
    long bytesDecoded,
    long degradedReads,
    long blocksRebuilt,
    long checksumFailures,
    long healQueued,
    long objectsScrubbed,
    long encodeNanos,
    long decodeNanos,
    long healedObjects,
    long smallCacheHits,
    long smallCacheMisses,
    long smallCacheEvictions,
    long smallCacheBytes) {}
