package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import io.aquifer.kv.KvSnapshot;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * Background work of a store: collecting garbage at start, reclaiming replaced data, healing queued
 * and scrubbed objects. Heal and reclaim are serialized by one lock, so a heal never recreates
 * shards of data being reclaimed.
 */
final class Maintenance {
  private static final System.Logger LOG = System.getLogger(Maintenance.class.getName());

  private final StoreCore core;
  private final LocalObjectStore store;
  private static final long COMPACTION_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ReentrantLock lock = new ReentrantLock();
  private final Semaphore wake = new Semaphore(0);
  private volatile boolean running;
  private volatile boolean fullHealWanted;
  private volatile PackedRecovery.Report packedRecovery;
  private Thread thread;

  Maintenance(StoreCore core, LocalObjectStore store) {
    this.core = core;
    this.store = store;
    core.onHealQueued(wake::release);
  }

  /** Collects what a crash left behind: data of uncommitted writes and unfinished reclaims. */
  void recover() {
    int renames = Renames.recover(core);
    if (renames > 0) {
      LOG.log(Level.INFO, "rolled back {0} renames that were in flight", renames);
    }
    // Before the garbage entries: a P entry may name an acknowledged packed put whose index batch
    // was lost; re-indexing it removes the P entry, so the loop below does not kill its record.
    packedRecovery = PackedRecovery.run(core, store);
    int n = 0;
    List<byte[]> keys = new ArrayList<>();
    List<ObjectMeta> metas = new ArrayList<>();
    try (KvCursor c = core.kv.scan(core.garbage, null, null)) {
      for (; c.valid(); c.next()) {
        if (c.key()[0] == StoreCore.RENAMING) {
          continue; // renames in flight: rolled back above
        }
        keys.add(c.key());
        metas.add(MetaFormat.decodeObject(c.value()));
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      deleteData(metas.get(i));
      try (KvBatch b = core.kv.newBatch()) {
        b.delete(core.garbage, keys.get(i));
        core.commitDroppingHeal(b, metas.get(i).segments(), KvDurability.SYNC);
      }
      n++;
    }
    if (n > 0) {
      LOG.log(Level.INFO, "collected {0} leftovers of interrupted writes and deletes", n);
    }
    core.packed.retireListed(true); // everything indexed above is durable: start a new list
    if (!core.drives.replaced().isEmpty()) {
      fullHealWanted = true;
    }
  }

  /** What the packed recovery at open did. */
  PackedRecovery.Report packedRecovery() {
    return packedRecovery;
  }

  void start() {
    running = true;
    thread = Thread.ofPlatform().daemon().name("aquifer-maintenance").start(this::run);
    if (fullHealWanted) {
      wake.release();
    }
  }

  void stop() {
    running = false;
    wake.release();
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    long nextScrub =
        core.config.scrubInterval().isZero()
            ? Long.MAX_VALUE
            : System.nanoTime() + core.config.scrubInterval().toNanos();
    long nextCompaction = System.nanoTime() + COMPACTION_INTERVAL_NANOS;
    while (running) {
      try {
        long waitNanos = Math.max(0, nextScrub - System.nanoTime());
        wake.tryAcquire(Math.min(waitNanos, TimeUnit.SECONDS.toNanos(60)), TimeUnit.NANOSECONDS);
        wake.drainPermits();
        if (!running) {
          return;
        }
        if (fullHealWanted) {
          fullHealWanted = false;
          HealReport r = healAll(null, null);
          LOG.log(Level.INFO, "healed after drive replacement: {0}", r);
        }
        healQueue();
        core.packed.retireListed(false);
        if (core.config.packedMaxSize() > 0
            && System.nanoTime() >= nextCompaction
            && core.packed.takeKilled()) {
          compactNow();
          nextCompaction = System.nanoTime() + COMPACTION_INTERVAL_NANOS;
        }
        if (System.nanoTime() >= nextScrub) {
          scrubPass(core.config.scrubBytesPerSecond());
          nextScrub = System.nanoTime() + core.config.scrubInterval().toNanos();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (running) {
          LOG.log(Level.WARNING, "maintenance pass failed: " + e, e);
        }
      }
    }
  }

  /**
   * Deletes a replaced or deleted version's data and its reclaim entry. Shard data and manifests
   * are reclaimed under the lock that heal takes, so a heal never recreates shards being deleted; a
   * packed version needs no such lock (its heal and compaction work under the key's lock and only
   * on copies the index still names, and the index no longer names these), so concurrent deletes
   * and overwrites of small objects kill their records in parallel.
   */
  void reclaimNow(ObjectMeta old) {
    boolean packedOnly = old.segments().isEmpty() && old.manifestId() == null;
    if (!packedOnly) {
      lock.lock();
    }
    try {
      deleteData(old);
      try (KvBatch b = core.kv.newBatch()) {
        b.delete(
            core.garbage, StoreCore.garbageKey(StoreCore.RECLAIM, LocalObjectStore.reclaimId(old)));
        core.commitDroppingHeal(b, old.segments(), KvDurability.NONE);
      }
    } finally {
      if (!packedOnly) {
        lock.unlock();
      }
    }
  }

  private void deleteData(ObjectMeta m) {
    for (DataRef r : m.segments()) {
      core.deleteData(r);
    }
    if (m.manifestId() != null) {
      core.deleteManifest(m.manifestId());
    }
    if (m.packed() != null) {
      core.packed.kill(m.packed());
    }
    if (!m.segments().isEmpty() || m.manifestId() != null || m.packed() != null) {
      // after the data: a crash in between leaves an orphan record, not a resurrected old name
      Renames.delete(core, LocalObjectStore.reclaimId(m));
    }
  }

  /**
   * Compacts the sealed segments whose live fraction is below {@link PackedObjects#COMPACT_BELOW};
   * returns the number of segment files deleted.
   */
  int compactNow() {
    return compactNow(PackedObjects.COMPACT_BELOW);
  }

  /** Like {@link #compactNow()} with another live-fraction threshold (1.0: every sealed one). */
  int compactNow(double below) {
    int n = core.packed.compact(store, below);
    if (n > 0) {
      LOG.log(Level.INFO, "compaction deleted {0} segment files", n);
    }
    return n;
  }

  /** Heals everything in the heal queue. */
  HealReport healQueue() {
    List<DataRef> refs = new ArrayList<>();
    List<byte[]> packedKeys = new ArrayList<>();
    List<String[]> packedNames = new ArrayList<>();
    try (KvCursor c = core.kv.scan(core.heal, null, null)) {
      for (; c.valid(); c.next()) {
        byte[] k = c.key();
        if (k.length == 17 && k[0] == PackedObjects.HEAL_PACKED) {
          packedKeys.add(k);
          packedNames.add(
              MetaFormat.read(c.value(), in -> new String[] {in.string(), in.string()}));
        } else {
          refs.add(MetaFormat.decodeRef(c.value()));
        }
      }
    }
    long[] r = new long[4];
    for (int i = 0; i < packedKeys.size(); i++) {
      byte[] id = java.util.Arrays.copyOfRange(packedKeys.get(i), 1, 17);
      HealReport h = core.packed.heal(store, packedNames.get(i)[0], packedNames.get(i)[1], id);
      if (h != null) {
        add(r, h);
      }
      core.dropHealKey(packedKeys.get(i));
    }
    for (DataRef ref : refs) {
      lock.lock();
      try {
        if (core.kv.get(core.heal, ref.id()) == null) {
          continue; // reclaimed meanwhile
        }
        add(r, healRef(ref));
        core.dropHeal(ref);
      } finally {
        lock.unlock();
      }
    }
    return new HealReport(r[0], r[1], r[2], r[3]);
  }

  /** Heals every object (and part) under a bucket and prefix; null bucket means all. */
  HealReport healAll(String bucket, String prefix) {
    return walk(bucket, prefix, Long.MAX_VALUE, false);
  }

  /** Verifies every object at a rate limit and heals what is damaged. */
  HealReport scrubPass(long bytesPerSecond) {
    return walk(null, null, bytesPerSecond, true);
  }

  private HealReport walk(String bucket, String prefix, long rate, boolean scrub) {
    byte[] from = null;
    byte[] to = null;
    if (bucket != null) {
      long id = store.bucket(bucket).id();
      from =
          io.aquifer.kv.KvKeys.concat(
              Names.bucketPrefix(id),
              (prefix == null ? "" : prefix).getBytes(StandardCharsets.UTF_8));
      to = io.aquifer.kv.KvKeys.prefixEnd(from);
    }
    long[] r = new long[4];
    long started = System.nanoTime();
    long bytes = 0;
    try (KvSnapshot snap = core.kv.snapshot()) {
      List<List<DataRef>> batches = new ArrayList<>();
      List<byte[]> packedKeys = new ArrayList<>();
      List<PackedRef> packedRefs = new ArrayList<>();
      try (KvCursor c = snap.scan(core.objects, from, to)) {
        for (; c.valid(); c.next()) {
          ObjectMeta m = MetaFormat.decodeObject(c.value());
          if (m.packed() != null) {
            packedKeys.add(c.key());
            packedRefs.add(m.packed());
          } else {
            batches.add(m.segments());
          }
        }
      }
      java.util.Map<Long, String> names = new java.util.HashMap<>();
      try (KvCursor c = snap.scan(core.buckets, null, null)) {
        for (; c.valid(); c.next()) {
          names.put(
              MetaFormat.decodeBucket(c.value()).id(), new String(c.key(), StandardCharsets.UTF_8));
        }
      }
      for (int i = 0; i < packedKeys.size(); i++) {
        if (!running && scrub) {
          break;
        }
        byte[] k = packedKeys.get(i);
        String b = names.get(ByteBuffer.wrap(k).getLong());
        if (b == null) {
          continue;
        }
        String key = new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
        HealReport h = core.packed.heal(store, b, key, packedRefs.get(i).id());
        if (h != null) {
          add(r, h);
          core.dropHealKey(StoreCore.packedHealKey(packedRefs.get(i).id()));
        }
        if (scrub) {
          core.counters.objectsScrubbed.increment();
        }
        bytes += packedRefs.get(i).size();
        if (rate != Long.MAX_VALUE) {
          long wait = started + (long) (bytes * 1e9 / rate) - System.nanoTime();
          if (wait > 0) {
            try {
              TimeUnit.NANOSECONDS.sleep(wait); // rate limit of background scrub only
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              break;
            }
          }
        }
      }
      if (bucket == null) {
        try (KvCursor c = snap.scan(core.parts, null, null)) {
          for (; c.valid(); c.next()) {
            batches.add(List.of(Multipart.decodePart(c.value()).ref()));
          }
        }
      }
      for (List<DataRef> segs : batches) {
        for (DataRef ref : segs) {
          if (!running && scrub) {
            break;
          }
          lock.lock();
          try {
            add(r, healRef(ref));
            core.dropHeal(ref); // verified and healed: no longer waiting in the queue
          } finally {
            lock.unlock();
          }
          bytes += ref.size();
          if (rate != Long.MAX_VALUE) {
            long due = started + (long) (bytes * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              try {
                TimeUnit.NANOSECONDS.sleep(wait); // rate limit of background scrub only
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
              }
            }
          }
        }
        if (scrub) {
          core.counters.objectsScrubbed.increment();
        }
      }
    }
    return new HealReport(r[0], r[1], r[2], r[3]);
  }

  private static void add(long[] r, HealReport h) {
    r[0] += h.objectsChecked();
    r[1] += h.objectsHealed();
    r[2] += h.shardsRewritten();
    r[3] += h.unrecoverable();
  }

  /**
   * Verifies every block of every shard of one piece of data and rewrites the shards found missing
   * or corrupt (on drives that are online) from the others. Caller holds the lock.
   */
  HealReport healRef(DataRef ref) {
    int n = ref.k() + ref.m();
    ByteBuffer buf = core.buffers.acquire(StripeBuffers.size(n, ref.blockSize()));
    try (StripeFetcher f =
        new StripeFetcher(core, ref, StripeBuffers.regions(buf, n, ref.blockSize()), true)) {
      int bad = 0;
      long stripes = ref.stripes();
      for (long s = 0; s < stripes; s++) {
        bad |= f.fetch(s, 0, ref.k() - 1, true);
      }
      for (int i = 0; i < n; i++) {
        if (!trailerOk(ref, i)) {
          bad |= 1 << i;
        }
      }
      if (bad == 0) {
        return new HealReport(1, 0, 0, 0);
      }
      int good = n - Integer.bitCount(bad);
      if (good < ref.k()) {
        LOG.log(Level.ERROR, "data {0}: only {1} good shards, cannot heal", ref.hexId(), good);
        return new HealReport(1, 0, 0, 1);
      }
      int rewritten = rewrite(ref, f, bad);
      if (rewritten > 0) {
        core.counters.healedObjects.increment();
      }
      return new HealReport(1, rewritten > 0 ? 1 : 0, rewritten, 0);
    } catch (StorageException e) {
      if (e.status() == StatusCode.READ_QUORUM_LOST) {
        LOG.log(Level.ERROR, "data {0} cannot be healed: {1}", ref.hexId(), e.getMessage());
        return new HealReport(1, 0, 0, 1);
      }
      throw e;
    } finally {
      core.buffers.release(buf);
    }
  }

  private boolean trailerOk(DataRef ref, int shard) {
    Drive d = core.drives.get(ref.drives()[shard]);
    if (!d.online()) {
      return true; // nothing to do until the drive is back or replaced
    }
    try (FileChannel ch = d.openShard(ref.id(), shard)) {
      return ch.size() > ref.shardDataEnd() && ShardFormat.readTrailer(ch) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private int rewrite(DataRef ref, StripeFetcher f, int bad) {
    int n = ref.k() + ref.m();
    ShardFormat.Header header = null;
    byte[] trailer = null;
    for (int i = 0; i < n && header == null; i++) {
      if ((bad & (1 << i)) != 0 || !core.drives.get(ref.drives()[i]).online()) {
        continue;
      }
      try (FileChannel ch = core.drives.get(ref.drives()[i]).openShard(ref.id(), i)) {
        header = ShardFormat.readHeader(ch);
        trailer = ShardFormat.rawTrailer(ch, ref.shardDataEnd());
      } catch (IOException e) {
        header = null;
      }
    }
    if (header == null) {
      LOG.log(Level.ERROR, "data {0}: no readable shard header to heal from", ref.hexId());
      return 0;
    }
    FileChannel[] out = new FileChannel[n];
    Path[] tmp = new Path[n];
    int count = 0;
    try {
      for (int i = 0; i < n; i++) {
        Drive d = core.drives.get(ref.drives()[i]);
        if ((bad & (1 << i)) == 0 || !d.online()) {
          continue;
        }
        tmp[i] = d.shardPath(ref.id(), i).resolveSibling(ref.hexId() + "." + i + ".heal");
        try {
          out[i] =
              FileChannel.open(
                  tmp[i],
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING,
                  StandardOpenOption.WRITE);
          writeFully(
              out[i],
              ByteBuffer.wrap(
                  ShardFormat.header(
                      ref,
                      i,
                      header.bucket(),
                      header.key(),
                      header.uploadId(),
                      header.partNumber())));
        } catch (IOException e) {
          d.failed("heal write", e);
          closeQuietly(out[i]);
          out[i] = null;
        }
      }
      CRC32C crc = new CRC32C();
      for (long s = 0; s < ref.stripes(); s++) {
        f.fetch(s, 0, ref.k() - 1, true);
        int b = ref.blockLength(s);
        for (int i = 0; i < n; i++) {
          if (out[i] == null) {
            continue;
          }
          ByteBuffer r = f.region(i);
          crc.reset();
          crc.update(r.slice(0, b));
          r.putInt(b, (int) crc.getValue());
          try {
            writeFully(out[i], r.slice(0, b + DataRef.CRC_BYTES));
          } catch (IOException e) {
            core.drives.get(ref.drives()[i]).failed("heal write", e);
            closeQuietly(out[i]);
            out[i] = null;
          }
        }
      }
      for (int i = 0; i < n; i++) {
        if (out[i] == null) {
          continue;
        }
        Drive d = core.drives.get(ref.drives()[i]);
        try {
          writeFully(out[i], ByteBuffer.wrap(trailer));
          out[i].force(true);
          out[i].close();
          out[i] = null;
          Path dst = d.shardPath(ref.id(), i);
          java.nio.file.Files.move(
              tmp[i], dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          Drive.syncDirectory(dst.getParent());
          count++;
          core.counters.blocksRebuilt.add(ref.stripes());
        } catch (IOException e) {
          d.failed("heal commit", e);
        }
      }
    } finally {
      for (int i = 0; i < n; i++) {
        closeQuietly(out[i]);
        if (out[i] != null && tmp[i] != null) {
          try {
            java.nio.file.Files.deleteIfExists(tmp[i]);
          } catch (IOException ignored) {
            // the drive is failing; its state says so
          }
        }
      }
    }
    if (count > 0) {
      LOG.log(Level.DEBUG, "healed data {0}: rewrote {1} shard(s)", ref.hexId(), count);
    }
    return count;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // best effort on an error path
      }
    }
  }
}
