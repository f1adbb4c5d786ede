package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import io.aquifer.kv.KvSnapshot;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Small objects packed into per-drive segment files ({@link SegmentLog}, {@link PackedFormat}):
 * each is one self-describing record, replicated to m + 1 drives, so any m drives can be lost.
 * Writes, reads with checksum verification and fallback to another copy, kills (deletes), heal,
 * scrub, compaction and the segment scan of {@code rebuild-index}.
 *
 * <p>Copies that are appended but not yet in the index are named by a {@code garbage} entry (kind
 * {@link StoreCore#PENDING} for new objects, {@link #RELOCATING} for heal and compaction copies)
 * removed in the batch that indexes them, so a crash in between leaves them to be killed at the
 * next start.
 */
final class PackedObjects {
  private static final System.Logger LOG = System.getLogger(PackedObjects.class.getName());

  /** Garbage key prefix: copies appended by heal or compaction, not yet in the index. */
  static final byte RELOCATING = 'C';

  /** Heal key prefix: a packed object to verify; the value names its bucket and key. */
  static final byte HEAL_PACKED = 'K';

  /** Compaction takes a sealed segment whose live bytes are below this fraction of its size. */
  static final double COMPACT_BELOW = 0.5;

  private final StoreCore core;
  private final SegmentLog[] logs;
  // records killed since the last background compaction pass (true at start: unknown)
  private final java.util.concurrent.atomic.AtomicBoolean killed =
      new java.util.concurrent.atomic.AtomicBoolean(true);

  PackedObjects(StoreCore core) {
    this.core = core;
    this.logs = new SegmentLog[core.drives.size()];
    for (int i = 0; i < logs.length; i++) {
      int drive = i;
      logs[i] =
          new SegmentLog(
              core.drives.get(i),
              core.config.packedSegmentSize(),
              core.config.durable(),
              segment -> core.kv.put(core.system, listedKey(drive, segment), new byte[0]));
    }
  }

  // ---- segments written since the last index sync (recovery scans them)

  /**
   * Key prefix in {@code system} of the segments that may hold records whose index entries are not
   * yet durable: one key per segment, {@code prefix + drive (4 bytes) + segment id (8 bytes)},
   * written synced when the segment is opened, before any record goes into it (see docs/
   * architecture.md, "Small objects (packed)").
   */
  static final byte[] LISTED_PREFIX = "packed-unsynced/".getBytes(StandardCharsets.UTF_8);

  static byte[] listedKey(int drive, long segment) {
    return ByteBuffer.allocate(LISTED_PREFIX.length + 12)
        .put(LISTED_PREFIX)
        .putInt(drive)
        .putLong(segment)
        .array();
  }

  /** A listed segment: its key in {@code system}, drive and id. */
  record Listed(byte[] key, int drive, long segment) {}

  /** The segments listed as written since the last index sync. */
  List<Listed> listed() {
    List<Listed> out = new ArrayList<>();
    try (KvCursor c = core.kv.scanPrefix(core.system, LISTED_PREFIX)) {
      for (; c.valid(); c.next()) {
        byte[] k = c.key();
        if (k.length != LISTED_PREFIX.length + 12) {
          throw new StorageException(StatusCode.INTERNAL, "bad listed-segment key in the index");
        }
        ByteBuffer b = ByteBuffer.wrap(k, LISTED_PREFIX.length, 12);
        out.add(new Listed(k, b.getInt(), b.getLong()));
      }
    }
    return out;
  }

  /**
   * Drops from the list the sealed segments with no append in flight, after an index sync: every
   * index entry naming their records has then been committed (or abandoned) and is durable. Returns
   * how many were dropped. Runs in the background pass and at close. With {@code all} (at close and
   * after recovery) open segments go too, but never one with an append in flight: a put writes no
   * index entry before its batch, so such a record is found by the next open's scan only.
   */
  int retireListed(boolean all) {
    List<byte[]> done = new ArrayList<>();
    for (Listed l : listed()) {
      if (l.drive() >= logs.length
          || (all
              ? !logs[l.drive()].unsettled(l.segment())
              : logs[l.drive()].quiescent(l.segment()))) {
        done.add(l.key());
      }
    }
    if (done.isEmpty()) {
      return 0;
    }
    core.syncIndex();
    try (KvBatch b = core.kv.newBatch()) {
      for (byte[] k : done) {
        b.delete(core.system, k);
      }
      core.kv.commit(b, all ? KvDurability.SYNC : KvDurability.NONE);
    }
    return done.size();
  }

  /**
   * Every live record with a good checksum in the given segments of online drives (missing files
   * skipped), copies merged by id.
   */
  Map<String, Found> scan(List<Listed> segments) {
    Map<String, Found> out = new HashMap<>();
    for (Listed l : segments) {
      if (l.drive() >= logs.length
          || !core.drives.get(l.drive()).online()
          || !java.nio.file.Files.exists(logs[l.drive()].path(l.segment()))) {
        continue;
      }
      scan(l.drive(), l.segment(), out);
    }
    return out;
  }

  SegmentLog log(int drive) {
    return logs[drive];
  }

  /** Whether an object of {@code size} bytes is packed. */
  boolean packs(long size) {
    return size <= core.config.packedMaxSize() && core.config.packedMaxSize() > 0;
  }

  /** Copies a packed object should have: m + 1. */
  int copiesWanted() {
    return core.config.parityShards() + 1;
  }

  /** Copies a write needs to succeed: m (one may be missing, as with k + 1 of k + m shards). */
  int copiesRequired() {
    return Math.max(1, core.config.parityShards());
  }

  /** Appended copies of a record, not yet durable or indexed. */
  record Pending(PackedRef ref, List<SegmentLog.Appended> appended) {
    void settle() {
      for (SegmentLog.Appended a : appended) {
        SegmentLog.settle(a);
      }
    }
  }

  /**
   * Appends a record to up to {@code wanted} online drives (in the placement order of its id,
   * skipping {@code exclude}); fails with WRITE_QUORUM_LOST below {@code required} copies.
   */
  Pending append(
      byte[] id, long size, byte[] record, int wanted, int required, Set<Integer> exclude) {
    List<PackedRef.Copy> copies = new ArrayList<>();
    List<SegmentLog.Appended> appended = new ArrayList<>();
    for (int d : core.drives.place(id, core.drives.size())) {
      if (copies.size() == wanted) {
        break;
      }
      Drive drive = core.drives.get(d);
      if (!drive.online() || exclude.contains(d)) {
        continue;
      }
      try {
        SegmentLog.Appended a = logs[d].append(record);
        appended.add(a);
        copies.add(new PackedRef.Copy(d, a.segment().id, a.offset()));
      } catch (IOException e) {
        drive.failed("packed append", e);
      }
    }
    Pending p = new Pending(new PackedRef(id, size, record.length, copies), appended);
    if (copies.size() < required) {
      kill(p.ref());
      p.settle();
      throw quorumLost(copies.size(), required);
    }
    return p;
  }

  private StorageException quorumLost(int have, int required) {
    return new StorageException(
        StatusCode.WRITE_QUORUM_LOST,
        "only "
            + have
            + " packed copies writable ("
            + (core.drives.size() - core.drives.online())
            + " drives offline or failing); "
            + required
            + " needed");
  }

  /**
   * Waits until the appended copies are on stable storage, in parallel (each a group commit on its
   * drive's syncer: every force is requested before the wait, and the caller is woken once, when
   * the last copy is settled), and returns the reference to those that made it; throws below {@code
   * required}.
   */
  PackedRef awaitDurable(Pending p, int required) {
    List<SegmentLog.Appended> as = p.appended();
    IOException[] failed = SegmentLog.awaitDurable(logs, as);
    List<PackedRef.Copy> ok = new ArrayList<>(as.size());
    for (int i = 0; i < as.size(); i++) {
      PackedRef.Copy c = p.ref().copies().get(i);
      if (failed[i] == null) {
        ok.add(c);
      } else {
        core.drives.get(c.drive()).failed("packed sync", failed[i]);
      }
    }
    if (ok.size() < required) {
      throw quorumLost(ok.size(), required);
    }
    return ok.size() == as.size() ? p.ref() : p.ref().withCopies(ok);
  }

  /** The whole record of one copy when it is there and its checksum and id hold; else null. */
  byte[] readCopy(PackedRef ref, PackedRef.Copy c) {
    Drive d = core.drives.get(c.drive());
    if (!d.online()) {
      return null;
    }
    try {
      byte[] rec = logs[c.drive()].read(c.segment(), c.offset(), ref.recordLength());
      if (PackedFormat.recordLength(ByteBuffer.wrap(rec)) != ref.recordLength()
          || !PackedFormat.checksumOk(rec)
          || !Arrays.equals(PackedFormat.id(rec), ref.id())) {
        core.counters.checksumFailures.increment();
        return null;
      }
      return rec;
    } catch (java.io.EOFException e) {
      core.counters.checksumFailures.increment();
      return null;
    } catch (NoSuchFileException | ClosedChannelException e) {
      return null;
    } catch (IOException e) {
      d.failed("packed read", e);
      return null;
    }
  }

  /** The result of a read: the record (null when no copy is good) and whether a copy was bad. */
  record Read(byte[] record, boolean degraded) {}

  /** Reads the first good copy. */
  Read read(PackedRef ref) {
    boolean degraded = false;
    for (PackedRef.Copy c : ref.copies()) {
      byte[] rec = readCopy(ref, c);
      if (rec != null) {
        if (degraded) {
          core.counters.degradedReads.increment();
        }
        return new Read(rec, degraded);
      }
      degraded = true;
    }
    return new Read(null, true);
  }

  /**
   * Marks the record dead in every copy on an online drive, so {@code rebuild-index} skips it. A
   * copy is only touched when the bytes at its place are this record (its id).
   */
  void kill(PackedRef ref) {
    List<SegmentLog.StateWrite> writes = new ArrayList<>(ref.copies().size());
    List<PackedRef.Copy> written = new ArrayList<>(ref.copies().size());
    for (PackedRef.Copy c : ref.copies()) {
      Drive d = core.drives.get(c.drive());
      if (!d.online()) {
        continue;
      }
      try {
        byte[] head = logs[c.drive()].read(c.segment(), c.offset(), PackedFormat.FIXED + 16);
        if (PackedFormat.recordLength(ByteBuffer.wrap(head)) != ref.recordLength()
            || !Arrays.equals(PackedFormat.id(head), ref.id())) {
          continue;
        }
        writes.add(logs[c.drive()].writeState(c.segment(), c.offset(), PackedFormat.DEAD));
        written.add(c);
        killed.set(true);
      } catch (java.io.EOFException | NoSuchFileException | ClosedChannelException e) {
        // not this record, or compacted away already
      } catch (IOException e) {
        d.failed("packed kill", e);
      }
    }
    // the copies' forces were requested as each was written: they run in parallel
    for (int i = 0; i < writes.size(); i++) {
      try {
        SegmentLog.awaitState(writes.get(i));
      } catch (IOException e) {
        if (e.getCause() instanceof ClosedChannelException
            || e.getCause() instanceof NoSuchFileException) {
          continue; // the segment was compacted away meanwhile
        }
        core.drives.get(written.get(i).drive()).failed("packed kill", e);
      }
    }
  }

  /**
   * Whether records were killed since the last call (or the store opened): the background pass
   * skips its index scan when nothing can have become dead.
   */
  boolean takeKilled() {
    return killed.getAndSet(false);
  }

  /** An index record naming packed copies to kill (pending or relocating entries). */
  static ObjectMeta garbageOf(PackedRef ref) {
    return new ObjectMeta(0, 0, "", 0, "", Map.of(), Map.of(), null, List.of(), ref);
  }

  // ---- heal, scrub and compaction (under the object's locks)

  /**
   * Verifies every copy of a packed object and, when fewer than m + 1 drives hold a good copy,
   * appends the record to other online drives and repoints the index. Bad copies are dropped from
   * the index and killed. Returns null when the key no longer holds this packed object.
   */
  HealReport heal(LocalObjectStore store, String bucket, String key, byte[] id) {
    LocalObjectStore.BucketRec rec;
    try {
      rec = store.bucket(bucket);
    } catch (StorageException e) {
      return null;
    }
    byte[] okey = Names.objectKey(rec.id(), key.getBytes(StandardCharsets.UTF_8));
    var bl = store.bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = store.keyLock(bucket, key);
    kl.lock();
    try {
      byte[] raw = core.kv.get(core.objects, okey);
      ObjectMeta meta = raw == null ? null : MetaFormat.decodeObject(raw);
      if (meta == null || meta.packed() == null || !Arrays.equals(meta.packed().id(), id)) {
        return null;
      }
      PackedRef p = meta.packed();
      List<PackedRef.Copy> keep = new ArrayList<>();
      List<PackedRef.Copy> bad = new ArrayList<>();
      Set<Integer> goodDrives = new HashSet<>();
      byte[] record = null;
      for (PackedRef.Copy c : p.copies()) {
        if (!core.drives.get(c.drive()).online()) {
          keep.add(c); // nothing to check until the drive is back or replaced
          continue;
        }
        byte[] r = readCopy(p, c);
        if (r == null) {
          bad.add(c);
        } else {
          keep.add(c);
          goodDrives.add(c.drive());
          record = r;
        }
      }
      if (record == null) {
        LOG.log(Level.ERROR, "packed object {0}/{1}: no good copy, cannot heal", bucket, key);
        return new HealReport(1, 0, 0, 1);
      }
      int need = copiesWanted() - goodDrives.size();
      if (need <= 0 && bad.isEmpty()) {
        return new HealReport(1, 0, 0, 0);
      }
      List<PackedRef.Copy> added =
          need <= 0 ? List.of() : addCopies(okey, meta, record, need, goodDrives, keep);
      if (need <= 0) {
        commitCopies(okey, meta, keep, null);
      }
      kill(p.withCopies(bad));
      if (!added.isEmpty()) {
        core.counters.healedObjects.increment();
      }
      return new HealReport(1, added.isEmpty() ? 0 : 1, added.size(), 0);
    } finally {
      kl.unlock();
      bl.unlock();
    }
  }

  /**
   * Appends the record to {@code n} more online drives not in {@code exclude}, durably, then
   * commits the index with copies {@code keep} plus the new ones. Caller holds the key's lock.
   */
  private List<PackedRef.Copy> addCopies(
      byte[] okey,
      ObjectMeta meta,
      byte[] record,
      int n,
      Set<Integer> exclude,
      List<PackedRef.Copy> keep) {
    byte[] rec = record.clone();
    rec[PackedFormat.STATE_OFFSET] = PackedFormat.LIVE;
    PackedRef p = meta.packed();
    Pending pending;
    try {
      pending = append(p.id(), p.size(), rec, n, 1, exclude);
    } catch (StorageException e) {
      LOG.log(Level.WARNING, "packed {0}: no drive to copy to: {1}", p.hexId(), e.getMessage());
      return List.of();
    }
    try {
      byte[] gkey = StoreCore.garbageKey(RELOCATING, p.id());
      core.kv.commit(
          putGarbage(gkey, MetaFormat.encodeObject(garbageOf(pending.ref()))), KvDurability.NONE);
      PackedRef done = awaitDurable(pending, 1);
      List<PackedRef.Copy> all = new ArrayList<>(keep);
      all.addAll(done.copies());
      commitCopies(okey, meta, all, gkey);
      return done.copies();
    } catch (StorageException e) {
      kill(pending.ref());
      core.kv.delete(core.garbage, StoreCore.garbageKey(RELOCATING, p.id()));
      LOG.log(Level.WARNING, "packed {0}: copy failed: {1}", p.hexId(), e.getMessage());
      return List.of();
    } finally {
      pending.settle();
    }
  }

  private KvBatch putGarbage(byte[] key, byte[] value) {
    KvBatch b = core.kv.newBatch();
    b.put(core.garbage, key, value);
    return b;
  }

  private void commitCopies(
      byte[] okey, ObjectMeta meta, List<PackedRef.Copy> copies, byte[] gkey) {
    try (KvBatch b = core.kv.newBatch()) {
      b.put(
          core.objects,
          okey,
          MetaFormat.encodeObject(meta.withPacked(meta.packed().withCopies(copies))));
      if (gkey != null) {
        b.delete(core.garbage, gkey);
      }
      core.kv.commit(b);
    }
  }

  /** One indexed copy in a segment. */
  private record Live(long bucketId, byte[] okey, PackedRef.Copy copy, int length) {}

  /**
   * Compacts the sealed segments whose live bytes are below {@link #COMPACT_BELOW} of their size:
   * live records are appended to the drive's open segment and the index repointed (each under its
   * key's lock), and the segment file is deleted once no index entry points into it. Returns the
   * number of segments deleted.
   */
  int compact(LocalObjectStore store, double below) {
    Map<Integer, List<Long>> candidates = new HashMap<>();
    for (int d = 0; d < logs.length; d++) {
      if (!core.drives.get(d).online()) {
        continue;
      }
      try {
        for (long s : logs[d].segments()) {
          if (logs[d].quiescent(s)) {
            candidates.computeIfAbsent(d, x -> new ArrayList<>()).add(s);
          }
        }
      } catch (IOException e) {
        core.drives.get(d).failed("segment listing", e);
      }
    }
    if (candidates.isEmpty()) {
      return 0;
    }
    Map<Integer, Map<Long, List<Live>>> live = liveCopies(candidates);
    int deleted = 0;
    for (var e : candidates.entrySet()) {
      int d = e.getKey();
      Map<Long, List<Live>> onDrive = live.getOrDefault(d, Map.of());
      for (long s : e.getValue()) {
        long size;
        try {
          size = logs[d].size(s);
        } catch (IOException x) {
          continue;
        }
        long liveBytes = 0;
        for (Live l : onDrive.getOrDefault(s, List.of())) {
          liveBytes += l.length();
        }
        long payload = size - PackedFormat.SEGMENT_HEADER;
        if (payload > 0 && liveBytes >= below * payload) {
          continue;
        }
        if (compactSegment(store, d, s, onDrive.getOrDefault(s, List.of()))) {
          deleted++;
        }
      }
    }
    return deleted;
  }

  private boolean compactSegment(LocalObjectStore store, int drive, long segment, List<Live> live) {
    Map<Long, String> names = bucketNames();
    for (int attempt = 0; attempt < 3; attempt++) {
      for (Live l : live) {
        String bucket = names.get(l.bucketId());
        if (bucket != null) {
          relocate(store, bucket, l);
        }
      }
      live =
          liveCopies(Map.of(drive, List.of(segment)))
              .getOrDefault(drive, Map.of())
              .getOrDefault(segment, List.of());
      if (live.isEmpty()) {
        try {
          logs[drive].delete(segment);
          LOG.log(Level.DEBUG, "compacted segment {0} of drive {1}", segment, drive);
          return true;
        } catch (IOException e) {
          core.drives.get(drive).failed("segment delete", e);
          return false;
        }
      }
      names = bucketNames();
    }
    LOG.log(Level.WARNING, "segment {0} of drive {1} still referenced; kept", segment, drive);
    return false;
  }

  /** Moves one copy to the drive's open segment if the index still points at it. */
  private void relocate(LocalObjectStore store, String bucket, Live l) {
    String key = new String(l.okey(), 8, l.okey().length - 8, StandardCharsets.UTF_8);
    var bl = store.bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = store.keyLock(bucket, key);
    kl.lock();
    try {
      byte[] raw = core.kv.get(core.objects, l.okey());
      ObjectMeta meta = raw == null ? null : MetaFormat.decodeObject(raw);
      if (meta == null || meta.packed() == null || !meta.packed().copies().contains(l.copy())) {
        return;
      }
      PackedRef p = meta.packed();
      byte[] record = readCopy(p, l.copy());
      if (record == null) {
        record = read(p).record();
      }
      if (record == null) {
        LOG.log(Level.ERROR, "packed {0}: no good copy to compact", p.hexId());
        return;
      }
      List<PackedRef.Copy> keep = new ArrayList<>(p.copies());
      keep.remove(l.copy());
      Set<Integer> exclude = new HashSet<>();
      for (int d = 0; d < logs.length; d++) {
        if (d != l.copy().drive()) {
          exclude.add(d);
        }
      }
      addCopies(l.okey(), meta, record, 1, exclude, keep);
    } finally {
      kl.unlock();
      bl.unlock();
    }
  }

  private Map<Long, String> bucketNames() {
    Map<Long, String> out = new HashMap<>();
    try (KvCursor c = core.kv.scan(core.buckets, null, null)) {
      for (; c.valid(); c.next()) {
        out.put(
            MetaFormat.decodeBucket(c.value()).id(), new String(c.key(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Indexed copies in the given segments (per drive), by drive and segment: one index scan. */
  private Map<Integer, Map<Long, List<Live>>> liveCopies(Map<Integer, List<Long>> segments) {
    Map<Integer, Set<Long>> wanted = new HashMap<>();
    segments.forEach((d, l) -> wanted.put(d, new HashSet<>(l)));
    Map<Integer, Map<Long, List<Live>>> out = new HashMap<>();
    try (KvSnapshot snap = core.kv.snapshot();
        KvCursor c = snap.scan(core.objects, null, null)) {
      for (; c.valid(); c.next()) {
        ObjectMeta m = MetaFormat.decodeObject(c.value());
        if (m.packed() == null) {
          continue;
        }
        for (PackedRef.Copy copy : m.packed().copies()) {
          Set<Long> w = wanted.get(copy.drive());
          if (w != null && w.contains(copy.segment())) {
            byte[] k = c.key();
            out.computeIfAbsent(copy.drive(), x -> new HashMap<>())
                .computeIfAbsent(copy.segment(), x -> new ArrayList<>())
                .add(new Live(ByteBuffer.wrap(k).getLong(), k, copy, m.packed().recordLength()));
          }
        }
      }
    }
    return out;
  }

  // ---- rebuild-index

  /** A live record found by the segment scan. */
  record Found(PackedFormat.Header header, PackedRef ref) {}

  /** Every live record with a good checksum on the online drives, copies merged by id. */
  Map<String, Found> scanAll() {
    Map<String, Found> out = new HashMap<>();
    for (int d = 0; d < logs.length; d++) {
      if (!core.drives.get(d).online()) {
        continue;
      }
      List<Long> segs;
      try {
        segs = logs[d].segments();
      } catch (IOException e) {
        core.drives.get(d).failed("segment listing", e);
        continue;
      }
      for (long s : segs) {
        scan(d, s, out);
      }
    }
    return out;
  }

  private void scan(int d, long s, Map<String, Found> out) {
    SegmentLog log = logs[d];
    try {
      long size = log.size(s);
      long off = PackedFormat.SEGMENT_HEADER;
      while (off + PackedFormat.FIXED <= size) {
        byte[] fixed = log.read(s, off, PackedFormat.FIXED);
        long len = PackedFormat.recordLength(ByteBuffer.wrap(fixed));
        if (len < 0 || off + len > size) {
          break; // torn tail of a crashed append: nothing after it was acknowledged
        }
        byte[] rec = log.read(s, off, (int) len);
        if (rec[PackedFormat.STATE_OFFSET] == PackedFormat.LIVE && PackedFormat.checksumOk(rec)) {
          PackedFormat.Header h = PackedFormat.header(rec);
          String hex = java.util.HexFormat.of().formatHex(h.id());
          PackedRef.Copy copy = new PackedRef.Copy(d, s, off);
          Found prev = out.get(hex);
          if (prev == null) {
            out.put(
                hex,
                new Found(
                    h,
                    new PackedRef(h.id(), PackedFormat.bodyLength(rec), (int) len, List.of(copy))));
          } else {
            Set<PackedRef.Copy> copies = new LinkedHashSet<>(prev.ref().copies());
            copies.add(copy);
            out.put(hex, new Found(prev.header(), prev.ref().withCopies(new ArrayList<>(copies))));
          }
        }
        off += len;
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "segment {0} of drive {1} unreadable: {2}", s, d, e.toString());
    }
  }

  void close() {
    for (SegmentLog l : logs) {
      l.close();
    }
  }
}
