package io.aquifer.storage;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At open, before the {@code garbage} entries are collected: re-indexes the packed records whose
 * index entries were lost in a crash. A packed put is acknowledged once its copies are durable and
 * its index batch is committed, without waiting for the index log's sync, so power loss or a kernel
 * crash can lose that batch (and every later unsynced one) while the record is durable. Only the
 * segments listed as written since the last index sync ({@link PackedObjects#listed()}) are
 * scanned. Each live record found is decided by {@link #decide}; the newest version per key wins,
 * as in {@code rebuild-index} ({@link IndexRebuilder#offer}), with rename records applied. See
 * docs/architecture.md, "Small objects (packed)", for why each case is safe.
 */
final class PackedRecovery {
  private static final System.Logger LOG = System.getLogger(PackedRecovery.class.getName());

  private PackedRecovery() {}

  /** What recovery does with the newest record found for a key. */
  enum Decision {
    /** The index entry at its key names it: nothing to do. */
    INDEXED,
    /** Its batch was lost: index it (replacing an older version, which is reclaimed). */
    REINDEX,
    /** The key holds a newer version, or its bucket is gone: kill the record. */
    SUPERSEDED
  }

  /**
   * The decision for a record of {@code id} at {@code version} whose key's bucket exists ({@code
   * bucketExists}) and whose key holds {@code current} (null when absent). Records named by an
   * {@code R} or {@code C} entry never get here: their entry decides (reclaim or relocation).
   */
  static Decision decide(byte[] id, long version, boolean bucketExists, ObjectMeta current) {
    if (!bucketExists) {
      return Decision.SUPERSEDED;
    }
    if (current == null) {
      return Decision.REINDEX;
    }
    if (Arrays.equals(LocalObjectStore.reclaimId(current), id)) {
      return Decision.INDEXED;
    }
    return current.version() >= version ? Decision.SUPERSEDED : Decision.REINDEX;
  }

  /** Counts of one recovery: records found, re-indexed and killed. */
  record Report(int scanned, int found, int reindexed, int killed) {}

  static Report run(StoreCore core, LocalObjectStore store) {
    List<PackedObjects.Listed> listed = core.packed.listed();
    if (listed.isEmpty()) {
      return new Report(0, 0, 0, 0);
    }
    Map<String, PackedObjects.Found> found = core.packed.scan(listed);
    Map<String, IndexRebuilder.Candidate> winners = new HashMap<>();
    List<IndexRebuilder.Candidate> losers = new ArrayList<>();
    for (PackedObjects.Found f : found.values()) {
      byte[] id = f.ref().id();
      if (core.kv.get(core.garbage, StoreCore.garbageKey(StoreCore.RECLAIM, id)) != null
          || core.kv.get(core.garbage, StoreCore.garbageKey(PackedObjects.RELOCATING, id))
              != null) {
        continue; // replaced or deleted (R), or copies of an indexed object being moved (C)
      }
      IndexRebuilder.Candidate loser =
          IndexRebuilder.offer(winners, IndexRebuilder.named(Renames.named(core, id), f));
      if (loser != null) {
        losers.add(loser);
      }
    }
    int reindexed = 0;
    for (IndexRebuilder.Candidate w : winners.values()) {
      byte[] rawBucket = core.kv.get(core.buckets, w.bucket().getBytes(StandardCharsets.UTF_8));
      LocalObjectStore.BucketRec rec =
          rawBucket == null ? null : MetaFormat.decodeBucket(rawBucket);
      byte[] keyBytes = w.key().getBytes(StandardCharsets.UTF_8);
      ObjectMeta current = rec == null ? null : indexed(core, rec.id(), keyBytes);
      PackedRef ref = w.meta().packed();
      switch (decide(ref.id(), w.meta().version(), rec != null, current)) {
        case INDEXED -> {}
        case SUPERSEDED -> losers.add(w);
        case REINDEX -> {
          try {
            store.switchKey(
                w.bucket(),
                rec.id(),
                w.key(),
                keyBytes,
                w.meta(),
                WriteCondition.none(),
                List.of(ref.id()),
                false);
            reindexed++;
            if (ref.distinctDrives() < core.packed.copiesWanted()) {
              core.queueHealPacked(ref, w.bucket(), w.key());
            }
          } catch (StorageException e) {
            LOG.log(
                Level.ERROR,
                "packed {0} ({1}/{2}) could not be re-indexed: {3}",
                ref.hexId(),
                w.bucket(),
                w.key(),
                e.getMessage());
          }
        }
      }
    }
    core.syncIndex(); // the re-indexed entries are durable before any loser is killed
    int killed = 0;
    for (IndexRebuilder.Candidate l : losers) {
      byte[] rawBucket = core.kv.get(core.buckets, l.bucket().getBytes(StandardCharsets.UTF_8));
      ObjectMeta current =
          rawBucket == null
              ? null
              : indexed(
                  core,
                  MetaFormat.decodeBucket(rawBucket).id(),
                  l.key().getBytes(StandardCharsets.UTF_8));
      if (current != null
          && Arrays.equals(LocalObjectStore.reclaimId(current), l.meta().packed().id())) {
        continue; // the index names it after all
      }
      core.packed.kill(l.meta().packed());
      killed++;
    }
    Report r = new Report(listed.size(), found.size(), reindexed, killed);
    if (reindexed > 0 || killed > 0) {
      LOG.log(
          Level.INFO,
          "packed recovery: {0} segments scanned, {1} live records, {2} re-indexed, {3} killed",
          r.scanned(),
          r.found(),
          r.reindexed(),
          r.killed());
    }
    return r;
  }

  private static ObjectMeta indexed(StoreCore core, long bucketId, byte[] keyBytes) {
    byte[] raw = core.kv.get(core.objects, Names.objectKey(bucketId, keyBytes));
    return raw == null ? null : MetaFormat.decodeObject(raw);
  }
}
