package io.aquifer.storage;

/**
 * The outcome of a heal pass.
 *
 * @param objectsChecked objects (or parts) examined
 * @param objectsHealed objects with at least one shard rewritten
 * @param shardsRewritten shard files rewritten
 * @param unrecoverable objects with fewer than k good shards
 */
public record HealReport(
    long objectsChecked, long objectsHealed, long shardsRewritten, long unrecoverable) {}
