package io.aquifer.storage;

/**
 * The outcome of {@link ObjectStores#rebuildIndex}.
 *
 * @param buckets buckets restored
 * @param objects objects restored
 * @param uploads multipart uploads in progress restored
 * @param discarded pieces of data that were incomplete or superseded and were deleted
 */
public record RebuildReport(long buckets, long objects, long uploads, long discarded) {}
