/**
 * An ordered key-value store with named tables, knowing nothing about objects.
 *
 * <p>Entry points: {@link io.aquifer.kv.KvStores#openRocks(KvConfig)} for the durable RocksDB store
 * and {@link io.aquifer.kv.KvStores#inMemory(java.util.List)} for the in-memory store with the same
 * semantics. Keys and values are byte arrays; keys are ordered by unsigned byte comparison. This is
 * the only package in Aquifer that may import {@code org.rocksdb}.
 */
package io.aquifer.kv;
