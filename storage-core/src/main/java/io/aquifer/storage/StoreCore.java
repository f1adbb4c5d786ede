package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import io.aquifer.kv.KvStore;
import io.aquifer.kv.KvTable;
import io.aquifer.storage.codec.ErasureCodec;
import io.aquifer.storage.codec.ErasureCodecs;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the write, read and maintenance paths share: configuration, drives, codecs, buffers,
 * counters and the index tables.
 */
final class StoreCore {
  private static final System.Logger LOG = System.getLogger(StoreCore.class.getName());

  static final String T_BUCKETS = "buckets";
  static final String T_OBJECTS = "objects";
  static final String T_UPLOADS = "uploads";
  static final String T_PARTS = "parts";
  static final String T_GARBAGE = "garbage";
  static final String T_HEAL = "heal";
  static final String T_SYSTEM = "system";
  static final String T_USAGE = "usage";
  static final java.util.List<String> TABLES =
      java.util.List.of(
          T_BUCKETS, T_OBJECTS, T_UPLOADS, T_PARTS, T_GARBAGE, T_HEAL, T_SYSTEM, T_USAGE);

  /** Garbage key prefix: data being written, removed by the commit. */
  static final byte PENDING = 'P';

  /** Garbage key prefix: data replaced or deleted, to reclaim. */
  static final byte RECLAIM = 'R';

  /** Garbage key prefix: a rename whose index batch has not committed (see {@link Renames}). */
  static final byte RENAMING = 'N';

  final StorageConfig config;
  final KvStore kv;
  final KvTable buckets;
  final KvTable objects;
  final KvTable uploads;
  final KvTable parts;
  final KvTable garbage;
  final KvTable heal;
  final KvTable system;
  final KvTable usage;
  final DriveSet drives;
  final StripeBuffers buffers;
  final PackedObjects packed;
  final Counters counters = new Counters();
  final Clock clock;
  final String codecName;
  private final Map<Long, ErasureCodec> codecs = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private final SecureRandom random = new SecureRandom();
  private volatile Runnable healSignal = () -> {};

  /**
   * Held around every change to the heal table together with the matching update of {@link
   * Counters#healQueued}, so that counter always equals the number of entries in the table.
   */
  private final ReentrantLock healLock = new ReentrantLock();

  StoreCore(StorageConfig config, KvStore kv, DriveSet drives, Clock clock) {
    this.config = config;
    this.kv = kv;
    this.buckets = kv.table(T_BUCKETS);
    this.objects = kv.table(T_OBJECTS);
    this.uploads = kv.table(T_UPLOADS);
    this.parts = kv.table(T_PARTS);
    this.garbage = kv.table(T_GARBAGE);
    this.heal = kv.table(T_HEAL);
    this.system = kv.table(T_SYSTEM);
    this.usage = kv.table(T_USAGE);
    this.drives = drives;
    this.clock = clock;
    this.buffers =
        new StripeBuffers(
            config.maxInflightBytes(),
            StripeBuffers.size(config.dataShards() + config.parityShards(), config.blockSize()));
    this.codecName = codec(config.dataShards(), config.parityShards()).name();
    this.packed = new PackedObjects(this);
    long queued = 0;
    try (KvCursor c = kv.scan(heal, null, null)) {
      for (; c.valid(); c.next()) {
        queued++;
      }
    }
    counters.healQueued.set(queued);
  }

  // group commit of the index log: tickets handed out after a commit, and the highest one synced;
  // a lock and condition rather than a monitor, so a woken waiter (a virtual thread) is made
  // runnable directly and not through the JDK's unblocker thread
  private final ReentrantLock indexSync = new ReentrantLock();
  private final Condition indexSyncDone = indexSync.newCondition();
  private long indexTickets;
  private long indexSynced;
  private boolean indexSyncing;

  /**
   * Returns when everything committed to the index before the call is on stable storage: a group
   * commit of our own. Callers commit without a sync ({@link io.aquifer.kv.KvDurability#NONE}),
   * then one of them at a time syncs the log for everyone who committed before its sync began,
   * while the others wait unmounted. (RocksDB groups concurrent syncing writers itself, but each
   * waits inside a native call that holds its carrier thread, so on a small machine those groups
   * stay as small as the carrier pool.) The entries are visible to readers from the commit; writers
   * are answered after the sync.
   */
  void syncIndex() {
    long ticket;
    indexSync.lock();
    try {
      ticket = ++indexTickets;
    } finally {
      indexSync.unlock();
    }
    while (true) {
      long target;
      indexSync.lock();
      try {
        while (true) {
          if (indexSynced >= ticket) {
            return;
          }
          if (!indexSyncing) {
            break;
          }
          try {
            indexSyncDone.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StatusCode.INTERNAL, "interrupted waiting for the index");
          }
        }
        indexSyncing = true;
        target = indexTickets;
      } finally {
        indexSync.unlock();
      }
      RuntimeException err = null;
      try {
        kv.flush();
      } catch (RuntimeException e) {
        err = e;
      }
      indexSync.lock();
      try {
        indexSyncing = false;
        if (err == null) {
          indexSynced = Math.max(indexSynced, target);
        }
        indexSyncDone.signalAll();
      } finally {
        indexSync.unlock();
      }
      if (err != null) {
        throw new StorageException(
            StatusCode.METADATA_ERROR, "index log sync failed: " + err.getMessage(), err);
      }
    }
  }

  /**
   * The ETag (hex MD5) of a write's bytes; {@code BAD_DIGEST} when the client sent an MD5 and it
   * differs.
   */
  static String etag(byte[] digest, byte[] expectedMd5) {
    if (expectedMd5 != null && !java.security.MessageDigest.isEqual(digest, expectedMd5)) {
      throw new StorageException(
          StatusCode.BAD_DIGEST,
          "content MD5 "
              + java.util.HexFormat.of().formatHex(digest)
              + " differs from the expected "
              + java.util.HexFormat.of().formatHex(expectedMd5));
    }
    return java.util.HexFormat.of().formatHex(digest);
  }

  /** A put's attributes with those its commit adds; {@code extra} wins. */
  static Map<String, String> attributes(PutOptions options, Map<String, String> extra) {
    if (extra.isEmpty()) {
      return options.attributes();
    }
    Map<String, String> merged = new java.util.HashMap<>(options.attributes());
    merged.putAll(extra);
    return Map.copyOf(merged);
  }

  ErasureCodec codec(int k, int m) {
    return codecs.computeIfAbsent(
        ((long) k << 32) | m, x -> ErasureCodecs.create(config.codec(), k, m));
  }

  /** Shards that must be written for a write to succeed: k + 1 when there is parity, else k. */
  int writeQuorum(int k, int m) {
    return m == 0 ? k : k + 1;
  }

  /** A version number above every earlier one on this node and near the wall clock. */
  long nextVersion() {
    long now = clock.millis() * 1000;
    return version.updateAndGet(v -> Math.max(v + 1, now));
  }

  /** Like {@link #nextVersion()}, and also above {@code floor} (whatever the clock says). */
  long versionAbove(long floor) {
    long now = clock.millis() * 1000;
    return version.updateAndGet(v -> Math.max(Math.max(v + 1, now), floor + 1));
  }

  String contentType(PutOptions o) {
    return o.contentType() == null || o.contentType().isEmpty()
        ? "application/octet-stream"
        : o.contentType();
  }

  byte[] newId() {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return id;
  }

  void onHealQueued(Runnable signal) {
    this.healSignal = signal;
  }

  /**
   * Lays out new data: picks an id and drives (online drives first, in rotation order) and records
   * a pending entry, not yet synced: the caller must {@link #syncPending} before it creates a shard
   * file, so a crash before commit leaves nothing behind after the next start.
   */
  DataRef newLayout(String bucket, String key, String uploadId) {
    int k = config.dataShards();
    int m = config.parityShards();
    byte[] id = newId();
    int[] order = drives.place(id, drives.size());
    int[] chosen = new int[k + m];
    int c = 0;
    for (int d : order) {
      if (c < k + m && drives.get(d).online()) {
        chosen[c++] = d;
      }
    }
    for (int d : order) {
      if (c < k + m && !drives.get(d).online()) {
        chosen[c++] = d;
      }
    }
    int header = ShardFormat.headerLength(k + m, bucket, key, uploadId);
    DataRef ref = new DataRef(id, 0, k, m, config.blockSize(), header, chosen);
    try (KvBatch b = kv.newBatch()) {
      b.put(garbage, garbageKey(PENDING, id), MetaFormat.encodeObject(garbageOf(ref, null)));
      kv.commit(b, KvDurability.NONE);
    }
    return ref;
  }

  /**
   * Makes the pending entries recorded so far durable (see {@link #newLayout}); a no-op when the
   * index is not synced. A writer calls it before it creates any shard file: packed puts do not
   * sync the index, so without it a power loss could take the entry and the commit both and leave
   * whole shard files of an unanswered put that only rebuild-index would find (and restore).
   */
  void syncPending() {
    if (kv.durability() == KvDurability.SYNC) {
      syncIndex();
    }
  }

  static byte[] garbageKey(byte kind, byte[] id) {
    byte[] key = new byte[17];
    key[0] = kind;
    System.arraycopy(id, 0, key, 1, 16);
    return key;
  }

  /** An object record that only serves to name data to delete. */
  static ObjectMeta garbageOf(DataRef ref, byte[] manifestId) {
    return new ObjectMeta(
        0,
        0,
        "",
        0,
        "",
        Map.of(),
        Map.of(),
        manifestId,
        ref == null ? java.util.List.of() : java.util.List.of(ref));
  }

  /**
   * Deletes the shard files of data that was never committed, then its pending entry. Data whose
   * pending entry is gone was committed (the index batch removes it; a failed log sync after the
   * batch still leaves the entry gone) and is left alone.
   */
  void discard(DataRef ref) {
    if (kv.get(garbage, garbageKey(PENDING, ref.id())) == null) {
      return;
    }
    deleteData(ref);
    kv.delete(garbage, garbageKey(PENDING, ref.id()));
  }

  /** Deletes every shard file of a piece of data on the drives that are online. */
  void deleteData(DataRef ref) {
    for (int i = 0; i < ref.k() + ref.m(); i++) {
      Drive d = drives.get(ref.drives()[i]);
      if (!d.online()) {
        continue;
      }
      try {
        d.deleteShard(ref.id(), i);
      } catch (IOException e) {
        d.failed("delete of shard " + ref.hexId() + "." + i, e);
      }
    }
  }

  /** Deletes the manifest copies of a multipart object. */
  void deleteManifest(byte[] manifestId) {
    for (Drive d : drives.all()) {
      if (d.online()) {
        try {
          Files.deleteIfExists(d.manifestPath(manifestId));
        } catch (IOException e) {
          d.failed("delete of manifest", e);
        }
      }
    }
  }

  /**
   * Records that a piece of data has missing or corrupt shards; the healer picks it up. Data
   * already in the queue is not added again.
   */
  void queueHeal(DataRef ref) {
    try {
      healLock.lock();
      try {
        if (kv.get(heal, ref.id()) == null) {
          kv.put(heal, ref.id(), MetaFormat.encodeRef(ref));
          counters.healQueued.incrementAndGet();
        }
      } finally {
        healLock.unlock();
      }
      healSignal.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not queue {0} for healing: {1}", ref.hexId(), e.toString());
    }
  }

  /** The heal-queue key of a packed object. */
  static byte[] packedHealKey(byte[] id) {
    return garbageKey(PackedObjects.HEAL_PACKED, id);
  }

  /**
   * Records that a packed object has a missing or corrupt copy; the healer rewrites it. The entry
   * names the key, so the healer finds the object's current copies.
   */
  void queueHealPacked(PackedRef ref, String bucket, String key) {
    try {
      byte[] hk = packedHealKey(ref.id());
      healLock.lock();
      try {
        if (kv.get(heal, hk) == null) {
          kv.put(
              heal,
              hk,
              MetaFormat.write(
                  out -> {
                    MetaFormat.writeString(out, bucket);
                    MetaFormat.writeString(out, key);
                  }));
          counters.healQueued.incrementAndGet();
        }
      } finally {
        healLock.unlock();
      }
      healSignal.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not queue {0} for healing: {1}", ref.hexId(), e.toString());
    }
  }

  /** Removes the heal-queue entry under this key, if there is one. */
  void dropHealKey(byte[] hk) {
    if (counters.healQueued.get() == 0) {
      return;
    }
    healLock.lock();
    try {
      if (kv.get(heal, hk) != null) {
        kv.delete(heal, hk);
        counters.healQueued.decrementAndGet();
      }
    } finally {
      healLock.unlock();
    }
  }

  /**
   * Removes the heal-queue entry of a piece of data that was just healed, if there is one, and
   * lowers {@link Counters#healQueued} after the commit.
   */
  void dropHeal(DataRef ref) {
    if (counters.healQueued.get() == 0) {
      return; // empty queue; an entry being added now counts as added after this heal
    }
    healLock.lock();
    try {
      if (kv.get(heal, ref.id()) != null) {
        kv.delete(heal, ref.id());
        counters.healQueued.decrementAndGet();
      }
    } finally {
      healLock.unlock();
    }
  }

  /**
   * Adds to the batch the removal of the heal-queue entries of these pieces of data, commits it,
   * and then lowers {@link Counters#healQueued} by the number of entries that were there.
   */
  void commitDroppingHeal(KvBatch b, Collection<DataRef> refs, KvDurability atMost) {
    healLock.lock();
    try {
      long queued = counters.healQueued.get();
      long dropped = 0;
      Set<ByteBuffer> seen = new HashSet<>();
      for (DataRef r : refs) {
        if (!seen.add(ByteBuffer.wrap(r.id()))) {
          continue;
        }
        if (queued > 0 && kv.get(heal, r.id()) != null) {
          dropped++; // an empty queue (counter 0) needs no look-up
        }
        b.delete(heal, r.id());
      }
      kv.commit(b, atMost);
      counters.healQueued.addAndGet(-dropped);
    } finally {
      healLock.unlock();
    }
  }
}
