package io.aquifer.kv;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a RocksDB-backed store.
 *
 * @param dir directory of the database (created if missing)
 * @param tables names of the tables to open (created if missing); at least one
 * @param durability when commits are on stable storage
 * @param blockCacheBytes size of the shared block cache for reads
 * @param writeBufferBytes total memory of all memtables across tables
 */
public record KvConfig(
    Path dir,
    List<String> tables,
    KvDurability durability,
    long blockCacheBytes,
    long writeBufferBytes) {

  /** Default block cache: 64 MiB. */
  public static final long DEFAULT_BLOCK_CACHE_BYTES = 64L << 20;

  /** Default total memtable memory: 64 MiB. */
  public static final long DEFAULT_WRITE_BUFFER_BYTES = 64L << 20;

  /** Validates and copies the arguments. */
  public KvConfig {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(durability, "durability");
    tables = List.copyOf(tables);
    if (tables.isEmpty()) {
      throw new IllegalArgumentException("at least one table is required");
    }
    if (tables.stream().distinct().count() != tables.size()) {
      throw new IllegalArgumentException("duplicate table names: " + tables);
    }
    if (blockCacheBytes < (1 << 20)) {
      throw new IllegalArgumentException(
          "blockCacheBytes must be at least 1 MiB: " + blockCacheBytes);
    }
    if (writeBufferBytes < (1 << 20)) {
      throw new IllegalArgumentException(
          "writeBufferBytes must be at least 1 MiB: " + writeBufferBytes);
    }
  }

  /** A durable store in {@code dir} with default memory budgets. */
  public static KvConfig of(Path dir, List<String> tables) {
    return new KvConfig(
        dir, tables, KvDurability.SYNC, DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_WRITE_BUFFER_BYTES);
  }

  /** A copy with another durability. */
  public KvConfig withDurability(KvDurability d) {
    return new KvConfig(dir, tables, d, blockCacheBytes, writeBufferBytes);
  }
}
