package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import io.aquifer.kv.KvException;
import io.aquifer.kv.KvPeek;
import io.aquifer.kv.KvSnapshot;
import io.aquifer.kv.KvStats;
import io.aquifer.kv.KvStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The object store over local drives. Metadata changes of one key are serialized by a striped lock
 * and applied as one atomic index batch; bucket deletion excludes writers of that bucket with a
 * read-write lock. Replaced data is reclaimed after the switch, or when the last reader that pinned
 * it closes.
 */
final class LocalObjectStore implements ObjectStore {
  private final StoreCore core;
  private final KvStore kv;
  private final Multipart multipart;
  private final Maintenance maintenance;
  private final UsageLedger usage;
  private final ReentrantLock[] keyLocks = new ReentrantLock[1024];
  private final Map<String, ReentrantReadWriteLock> bucketLocks = new ConcurrentHashMap<>();
  private final ReaderPins pins = new ReaderPins();
  private final Object bucketIdLock = new Object();
  private final BucketCache buckets = new BucketCache();
  private final SmallObjectCache smallCache;
  private volatile boolean closed;

  /**
   * Opens the store on its core: collects leftovers of interrupted writes and, with {@code
   * background}, starts the maintenance thread (healing and scrubbing). Without it, nothing is
   * healed until {@link #heal}, {@link #healQueued} or {@link #scrubNow} is called: for tests that
   * need the heal queue to stay as the reads left it.
   */
  LocalObjectStore(StoreCore core, boolean background) {
    this.core = core;
    this.kv = core.kv;
    this.smallCache =
        new SmallObjectCache(core.config.smallCacheBytes(), core.config.packedMaxSize());
    for (int i = 0; i < keyLocks.length; i++) {
      keyLocks[i] = new ReentrantLock();
    }
    this.usage = new UsageLedger(core);
    this.multipart = new Multipart(core, this);
    this.maintenance = new Maintenance(core, this);
    migrateBucketRecords();
    maintenance.recover();
    if (background) {
      maintenance.start();
    }
  }

  // ---- locks and records

  /**
   * A bucket's record: its id in object keys, when it was created, its owner and quota. {@code
   * legacy} marks a record in the first format (no owner, quota or usage records).
   */
  record BucketRec(long id, long created, String owner, BucketQuota quota, boolean legacy) {
    BucketInfo info(String name) {
      return new BucketInfo(name, Instant.ofEpochMilli(created), owner, quota);
    }
  }

  ReentrantLock keyLock(String bucket, String key) {
    return keyLocks[keyStripe(bucket, key)];
  }

  private int keyStripe(String bucket, String key) {
    return Math.floorMod(bucket.hashCode() * 31 + key.hashCode(), keyLocks.length);
  }

  ReentrantReadWriteLock bucketLock(String bucket) {
    return bucketLocks.computeIfAbsent(bucket, b -> new ReentrantReadWriteLock());
  }

  /**
   * The bucket's record, from {@link #buckets} when it was read before and has not changed since.
   */
  BucketRec bucket(String name) {
    ensureOpen();
    if (name == null) {
      Names.checkBucket(name); // its error, not the cache map's NullPointerException
    }
    return buckets.get(name, this::readBucket);
  }

  private BucketRec readBucket(String name) {
    Names.checkBucket(name);
    byte[] v = kv.get(core.buckets, name.getBytes(StandardCharsets.UTF_8));
    if (v == null) {
      throw new StorageException(StatusCode.NO_SUCH_BUCKET, "no such bucket: " + name);
    }
    return MetaFormat.decodeBucket(v);
  }

  /**
   * Brings bucket records of the first format (written before owners, quotas and usage existed) to
   * the current one, with owner {@code ""}, no quota and usage counted once from the index. Runs
   * while the store opens, before any writer.
   */
  private void migrateBucketRecords() {
    List<byte[]> names = new ArrayList<>();
    try (KvCursor c = kv.scan(core.buckets, null, null)) {
      for (; c.valid(); c.next()) {
        if (MetaFormat.decodeBucket(c.value()).legacy()) {
          names.add(c.key());
        }
      }
    }
    for (byte[] name : names) {
      BucketRec old = MetaFormat.decodeBucket(kv.get(core.buckets, name));
      long objects = 0;
      long bytes = 0;
      try (KvCursor c = kv.scanPrefix(core.objects, Names.bucketPrefix(old.id()))) {
        for (; c.valid(); c.next()) {
          objects++;
          bytes += MetaFormat.decodeObject(c.value()).size();
        }
      }
      try (KvBatch b = kv.newBatch()) {
        b.put(
            core.buckets,
            name,
            MetaFormat.encodeBucket(
                new BucketRec(old.id(), old.created(), "", BucketQuota.NONE, false)));
        UsageLedger.reset(core, old.id(), objects, bytes, b);
        kv.commit(b);
      }
      buckets.clear();
      usage.forget(old.id());
    }
  }

  /** The store's shared parts; for tests that stage a crash in the middle of an operation. */
  StoreCore core() {
    return core;
  }

  void ensureOpen() {
    if (closed) {
      throw new StorageException(StatusCode.STORE_CLOSED, "object store is closed");
    }
  }

  // ---- buckets

  @Override
  public BucketInfo createBucket(String name, String owner) {
    ensureOpen();
    Names.checkBucket(name);
    if (owner == null) {
      throw new StorageException(StatusCode.INVALID_ARGUMENT, "bucket owner must not be null");
    }
    var lock = bucketLock(name).writeLock();
    lock.lock();
    try {
      byte[] nameKey = name.getBytes(StandardCharsets.UTF_8);
      if (kv.get(core.buckets, nameKey) != null) {
        throw new StorageException(StatusCode.BUCKET_ALREADY_EXISTS, "bucket exists: " + name);
      }
      long created = core.clock.millis();
      for (Drive d : core.drives.all()) {
        if (d.online()) {
          try {
            Files.write(
                d.bucketMarker(name), Long.toString(created).getBytes(StandardCharsets.UTF_8));
            if (core.config.durable()) {
              try (var ch = FileChannel.open(d.bucketMarker(name), StandardOpenOption.WRITE)) {
                ch.force(true);
              }
              Drive.syncDirectory(d.bucketMarker(name).getParent());
            }
          } catch (IOException e) {
            d.failed("bucket marker write", e);
          }
        }
      }
      synchronized (bucketIdLock) {
        byte[] idKey = "next-bucket-id".getBytes(StandardCharsets.UTF_8);
        byte[] cur = kv.get(core.system, idKey);
        long id = cur == null ? 1 : ByteBuffer.wrap(cur).getLong();
        BucketRec rec = new BucketRec(id, created, owner, BucketQuota.NONE, false);
        try (KvBatch b = kv.newBatch()) {
          b.put(core.system, idKey, ByteBuffer.allocate(8).putLong(id + 1).array());
          b.put(core.buckets, nameKey, MetaFormat.encodeBucket(rec));
          UsageLedger.reset(core, id, 0, 0, b);
          kv.commit(b);
        }
        buckets.changed(name);
        usage.forget(id);
        return rec.info(name);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void deleteBucket(String name) {
    BucketRec rec = bucket(name);
    var lock = bucketLock(name).writeLock();
    lock.lock();
    try {
      rec = bucket(name);
      try (KvCursor c = kv.scanPrefix(core.objects, Names.bucketPrefix(rec.id()))) {
        if (c.valid()) {
          throw new StorageException(StatusCode.BUCKET_NOT_EMPTY, "bucket is not empty: " + name);
        }
      }
      try (KvCursor c = kv.scanPrefix(core.uploads, Names.bucketPrefix(rec.id()))) {
        if (c.valid()) {
          throw new StorageException(
              StatusCode.BUCKET_NOT_EMPTY, "bucket has multipart uploads in progress: " + name);
        }
      }
      try (KvBatch b = kv.newBatch()) {
        b.delete(core.buckets, name.getBytes(StandardCharsets.UTF_8));
        usage.deleteRecords(rec.id(), b);
        kv.commit(b);
      }
      buckets.changed(name);
      usage.forget(rec.id());
      for (Drive d : core.drives.all()) {
        if (d.online()) {
          try {
            Files.deleteIfExists(d.bucketMarker(name));
          } catch (IOException e) {
            d.failed("bucket marker delete", e);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<BucketInfo> headBucket(String name) {
    try {
      return Optional.of(bucket(name).info(name));
    } catch (StorageException e) {
      if (e.status() == StatusCode.NO_SUCH_BUCKET || e.status() == StatusCode.INVALID_BUCKET_NAME) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<BucketInfo> listBuckets() {
    ensureOpen();
    List<BucketInfo> out = new ArrayList<>();
    try (KvCursor c = kv.scan(core.buckets, null, null)) {
      for (; c.valid(); c.next()) {
        out.add(
            MetaFormat.decodeBucket(c.value()).info(new String(c.key(), StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  @Override
  public BucketInfo setQuota(String bucket, BucketQuota quota) {
    if (quota == null) {
      throw new StorageException(StatusCode.INVALID_ARGUMENT, "quota must not be null");
    }
    bucket(bucket);
    var bl = bucketLock(bucket).readLock(); // excludes deleteBucket
    bl.lock();
    try {
      BucketRec cur = bucket(bucket);
      BucketRec rec = new BucketRec(cur.id(), cur.created(), cur.owner(), quota, false);
      kv.put(core.buckets, bucket.getBytes(StandardCharsets.UTF_8), MetaFormat.encodeBucket(rec));
      buckets.changed(bucket);
      return rec.info(bucket);
    } finally {
      bl.unlock();
    }
  }

  @Override
  public BucketUsage usage(String bucket) {
    return usage.usage(bucket(bucket).id());
  }

  /**
   * Fails early when writing {@code size} bytes ({@code -1}: not known yet) to the key would exceed
   * the bucket's quota now, before any data is written. The check at commit decides.
   */
  void precheckQuota(String bucket, BucketRec rec, byte[] keyBytes, long size) {
    if (rec.quota().unlimited()) {
      return;
    }
    byte[] oldBytes = kv.get(core.objects, Names.objectKey(rec.id(), keyBytes));
    long oldSize = oldBytes == null ? 0 : MetaFormat.decodeObject(oldBytes).size();
    usage.precheck(
        bucket, rec.id(), rec.quota(), oldBytes == null ? 1 : 0, size < 0 ? 0 : size - oldSize);
  }

  // ---- objects

  @Override
  public ObjectWriter newWriter(String bucket, String key, PutOptions options) {
    BucketRec rec = bucket(bucket);
    byte[] keyBytes = Names.key(key);
    Names.checkUserMetadata(options);
    precheckQuota(bucket, rec, keyBytes, -1);
    Supplier<ObjectWriter> unpacked = () -> stripeWriter(bucket, key, rec, keyBytes, options);
    if (core.config.packedMaxSize() == 0) {
      return unpacked.get();
    }
    return new PackedWriter(
        core, bucket, key, options, packedCommitter(bucket, key, rec, keyBytes, options), unpacked);
  }

  /** The index step of a packed put, and the check of whether it happened (after a failure). */
  private PackedWriter.Committer packedCommitter(
      String bucket, String key, BucketRec rec, byte[] keyBytes, PutOptions options) {
    return new PackedWriter.Committer() {
      @Override
      public ObjectInfo commit(
          PackedRef ref, String etag, long version, long mtime, Map<String, String> attributes) {
        ObjectMeta meta =
            new ObjectMeta(
                version,
                ref.size(),
                etag,
                mtime,
                core.contentType(options),
                options.userMetadata(),
                attributes,
                null,
                List.of(),
                ref);
        // no pending entry to remove: a packed put writes none (PackedWriter)
        ObjectInfo info =
            switchKey(bucket, rec.id(), key, keyBytes, meta, options.condition(), List.of(), false);
        if (ref.distinctDrives() < core.packed.copiesWanted()) {
          core.queueHealPacked(ref, bucket, key);
        }
        return info;
      }

      @Override
      public boolean indexed(PackedRef ref) {
        byte[] raw = kv.get(core.objects, Names.objectKey(rec.id(), keyBytes));
        ObjectMeta m = raw == null ? null : MetaFormat.decodeObject(raw);
        return m != null
            && m.packed() != null
            && java.util.Arrays.equals(m.packed().id(), ref.id());
      }
    };
  }

  private ObjectWriter stripeWriter(
      String bucket, String key, BucketRec rec, byte[] keyBytes, PutOptions options) {
    DataRef layout = core.newLayout(bucket, key, null);
    return new StripeWriter(
        core,
        layout,
        bucket,
        key,
        null,
        0,
        options,
        (ref, etag, version, mtime, attributes, lost) -> {
          ObjectMeta meta =
              new ObjectMeta(
                  version,
                  ref.size(),
                  etag,
                  mtime,
                  core.contentType(options),
                  options.userMetadata(),
                  attributes,
                  null,
                  List.of(ref));
          ObjectInfo info =
              switchKey(
                  bucket, rec.id(), key, keyBytes, meta, options.condition(), List.of(ref.id()));
          if (!lost.isEmpty()) {
            core.queueHeal(ref);
          }
          return info;
        });
  }

  /**
   * Atomically points a key at a new object version after checking the condition, removing the
   * pending entries of its data, and schedules the replaced version for reclaiming. Throws only
   * before the index changes.
   */
  ObjectInfo switchKey(
      String bucket,
      long bucketId,
      String key,
      byte[] keyBytes,
      ObjectMeta meta,
      WriteCondition condition,
      List<byte[]> pendingIds) {
    return switchKey(bucket, bucketId, key, keyBytes, meta, condition, pendingIds, true);
  }

  /**
   * Like {@link #switchKey(String, long, String, byte[], ObjectMeta, WriteCondition, List)}; with
   * {@code syncIndex} false (packed puts, whose durable records recovery re-indexes, see {@link
   * PackedRecovery}) the batch is committed without waiting for the index log's sync. The index is
   * then synced only when a replaced version is to be reclaimed, before its data is deleted: a
   * reclaim never becomes durable before the change that unreferenced the data.
   */
  ObjectInfo switchKey(
      String bucket,
      long bucketId,
      String key,
      byte[] keyBytes,
      ObjectMeta meta,
      WriteCondition condition,
      List<byte[]> pendingIds,
      boolean syncIndex) {
    ObjectMeta old;
    var bl = bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = keyLock(bucket, key);
    kl.lock();
    try {
      old =
          switchKeyLocked(
              bucket, bucketId, key, keyBytes, meta, condition, pendingIds, null, syncIndex);
    } finally {
      kl.unlock();
      bl.unlock();
    }
    if (old != null) {
      if (!syncIndex && kv.durability() == KvDurability.SYNC) {
        core.syncIndex();
      }
      reclaim(old);
    }
    return meta.info(bucket, key);
  }

  /**
   * The index step of {@link #switchKey}, for callers already holding the bucket's read lock and
   * the key's lock. {@code extra} may add operations to the same batch. Returns the replaced
   * version, which the caller must {@link #reclaim} after releasing the locks.
   */
  ObjectMeta switchKeyLocked(
      String bucket,
      long bucketId,
      String key,
      byte[] keyBytes,
      ObjectMeta meta,
      WriteCondition condition,
      List<byte[]> pendingIds,
      java.util.function.Consumer<KvBatch> extra) {
    return switchKeyLocked(
        bucket, bucketId, key, keyBytes, meta, condition, pendingIds, extra, true);
  }

  private ObjectMeta switchKeyLocked(
      String bucket,
      long bucketId,
      String key,
      byte[] keyBytes,
      ObjectMeta meta,
      WriteCondition condition,
      List<byte[]> pendingIds,
      java.util.function.Consumer<KvBatch> extra,
      boolean syncIndex) {
    ensureOpen();
    BucketRec cur = bucket(bucket);
    if (cur.id() != bucketId) {
      throw new StorageException(StatusCode.NO_SUCH_BUCKET, "bucket was deleted: " + bucket);
    }
    byte[] okey = Names.objectKey(bucketId, keyBytes);
    byte[] oldBytes = kv.get(core.objects, okey);
    ObjectMeta old = oldBytes == null ? null : MetaFormat.decodeObject(oldBytes);
    check(condition, old, bucket, key);
    long dObjects = old == null ? 1 : 0;
    long dBytes = meta.size() - (old == null ? 0 : old.size());
    try (KvBatch b = kv.newBatch()) {
      b.put(core.objects, okey, MetaFormat.encodeObject(meta));
      for (byte[] id : pendingIds) {
        b.delete(core.garbage, StoreCore.garbageKey(StoreCore.PENDING, id));
      }
      if (old != null) {
        b.put(core.garbage, StoreCore.garbageKey(StoreCore.RECLAIM, reclaimId(old)), oldBytes);
      }
      if (extra != null) {
        extra.accept(b);
      }
      usage.commit(bucket, bucketId, cur.quota(), dObjects, dBytes, b, syncIndex);
    }
    return old;
  }

  static void check(WriteCondition c, ObjectMeta current, String bucket, String key) {
    switch (c) {
      case WriteCondition.None n -> {}
      case WriteCondition.IfAbsent a -> {
        if (current != null) {
          throw new StorageException(
              StatusCode.PRECONDITION_FAILED, "key exists: " + bucket + "/" + key);
        }
      }
      case WriteCondition.IfEtagMatches m -> {
        String want = m.etag().replace("\"", "");
        if (current == null) {
          throw new StorageException(
              StatusCode.NO_SUCH_KEY, "no such key for If-Match: " + bucket + "/" + key);
        }
        if (!want.equals("*") && !current.etag().equals(want)) {
          throw new StorageException(
              StatusCode.PRECONDITION_FAILED,
              "ETag " + current.etag() + " does not match " + want + ": " + bucket + "/" + key);
        }
      }
    }
  }

  static byte[] reclaimId(ObjectMeta m) {
    if (m.manifestId() != null) {
      return m.manifestId();
    }
    return m.packed() != null ? m.packed().id() : m.segments().get(0).id();
  }

  /** Deletes the data of a replaced or deleted version now, or when its last reader closes. */
  void reclaim(ObjectMeta old) {
    if (pins.reclaimNowOrDefer(HexFormat.of().formatHex(reclaimId(old)))) {
      maintenance.reclaimNow(old);
    }
  }

  private void unpin(String id) {
    if (pins.unpin(id)) {
      byte[] raw =
          kv.get(
              core.garbage, StoreCore.garbageKey(StoreCore.RECLAIM, HexFormat.of().parseHex(id)));
      if (raw != null) {
        maintenance.reclaimNow(MetaFormat.decodeObject(raw));
      }
    }
  }

  ObjectMeta meta(String bucket, String key) {
    BucketRec rec = bucket(bucket);
    byte[] v = kv.get(core.objects, Names.objectKey(rec.id(), Names.key(key)));
    if (v == null) {
      throw new StorageException(StatusCode.NO_SUCH_KEY, "no such key: " + bucket + "/" + key);
    }
    return MetaFormat.decodeObject(v);
  }

  @Override
  public ObjectInfo head(String bucket, String key) {
    return meta(bucket, key).info(bucket, key);
  }

  @Override
  public ObjectInfo updateAttributes(
      String bucket, String key, Map<String, String> set, Set<String> remove) {
    BucketRec rec = bucket(bucket);
    byte[] okey = Names.objectKey(rec.id(), Names.key(key));
    var bl = bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = keyLock(bucket, key);
    kl.lock();
    try {
      ensureOpen();
      ObjectMeta m = meta(bucket, key);
      Map<String, String> attrs = new java.util.HashMap<>(m.attributes());
      attrs.keySet().removeAll(remove);
      attrs.putAll(set);
      if (attrs.equals(m.attributes())) {
        return m.info(bucket, key);
      }
      // The drives hold the attributes the data was written with; a name record at a new version
      // carries the new ones, so rebuild-index restores them (as it restores a rename's key). The
      // record first: a failure leaves the object as it was (a crash in between, an unanswered
      // change that only rebuild-index would apply).
      long version = core.versionAbove(m.version());
      Renames.write(
          core,
          List.of(new Renames.Name(reclaimId(m), bucket, key, version, attrs)),
          core.writeQuorum(core.config.dataShards(), core.config.parityShards()));
      ObjectMeta updated = m.withVersion(version).withAttributes(attrs);
      kv.put(core.objects, okey, MetaFormat.encodeObject(updated));
      return updated.info(bucket, key);
    } finally {
      kl.unlock();
      bl.unlock();
    }
  }

  @Override
  public ObjectReader get(String bucket, String key, long start, long length) {
    ObjectMeta m;
    String pinId;
    ReentrantLock kl = keyLock(bucket, key);
    kl.lock();
    try {
      m = meta(bucket, key);
      pinId = HexFormat.of().formatHex(reclaimId(m));
      pins.pin(pinId);
    } finally {
      kl.unlock();
    }
    try {
      if (start < 0 || (start >= m.size() && m.size() > 0) || (m.size() == 0 && start > 0)) {
        throw new StorageException(
            StatusCode.INVALID_RANGE,
            "range start " + start + " is not within object of " + m.size() + " bytes");
      }
      long len = length < 0 ? m.size() - start : Math.min(length, m.size() - start);
      String id = pinId;
      if (m.packed() != null) {
        ByteBuffer cached = smallCache.get(m.packed().id());
        if (cached != null && cached.remaining() == m.size()) {
          unpin(pinId); // bytes in memory need no pin
          return new MemoryReader(m.info(bucket, key), cached, start, len);
        }
        byte[] record = readPacked(bucket, key, m);
        if (PackedFormat.bodyLength(record) == m.size()) {
          smallCache.put(m.packed().id(), record, PackedFormat.bodyOffset(record), (int) m.size());
        }
        ByteBuffer body =
            ByteBuffer.wrap(
                    record, PackedFormat.bodyOffset(record), PackedFormat.bodyLength(record))
                .slice()
                .asReadOnlyBuffer();
        return new MemoryReader(m.info(bucket, key), body, start, len, () -> unpin(id));
      }
      return new StripeReader(core, m.info(bucket, key), m.segments(), start, len, () -> unpin(id));
    } catch (RuntimeException e) {
      unpin(pinId);
      throw e;
    }
  }

  @Override
  public CachedObject tryGetCached(String bucket, String key) {
    if (closed || !smallCache.enabled() || bucket == null || key == null) {
      return null;
    }
    BucketRec rec = buckets.peek(bucket);
    if (rec == null) {
      return null;
    }
    try {
      byte[] okey = Names.objectKey(rec.id(), Names.key(key));
      if (!(kv.peek(core.objects, okey) instanceof KvPeek.Found found)) {
        return null; // not in memory, or absent (the slow path answers NoSuchKey)
      }
      ObjectMeta m = MetaFormat.decodeObject(found.value());
      if (m.packed() == null || m.manifestId() != null) {
        return null;
      }
      ByteBuffer content = smallCache.get(m.packed().id());
      if (content == null || content.remaining() != m.size()) {
        return null;
      }
      return new CachedObject(rec.info(bucket), m.info(bucket, key), content);
    } catch (RuntimeException e) {
      return null; // a bad name or record: the slow path reports it
    }
  }

  /**
   * Reads and verifies a packed object's record from the first good copy, queueing a heal when a
   * copy was bad. When no listed copy is readable, the index is read again: compaction or heal may
   * have moved the copies since (same id), and then the new ones are tried.
   */
  private byte[] readPacked(String bucket, String key, ObjectMeta m) {
    PackedRef ref = m.packed();
    for (int attempt = 0; ; attempt++) {
      PackedObjects.Read r = core.packed.read(ref);
      if (r.degraded()) {
        core.queueHealPacked(ref, bucket, key);
      }
      if (r.record() != null) {
        return r.record();
      }
      ObjectMeta now;
      ReentrantLock kl = keyLock(bucket, key);
      kl.lock();
      try {
        now = meta(bucket, key);
      } catch (StorageException e) {
        now = null;
      } finally {
        kl.unlock();
      }
      if (attempt >= 3
          || now == null
          || now.packed() == null
          || !java.util.Arrays.equals(now.packed().id(), ref.id())
          || now.packed().copies().equals(ref.copies())) {
        throw new StorageException(
            StatusCode.READ_QUORUM_LOST,
            "no good copy of packed object "
                + bucket
                + "/"
                + key
                + " ("
                + ref.copies().size()
                + " copies, "
                + (core.drives.size() - core.drives.online())
                + " drives offline)");
      }
      ref = now.packed();
    }
  }

  @Override
  public void delete(String bucket, String key) {
    BucketRec rec = bucket(bucket);
    byte[] keyBytes = Names.key(key);
    ObjectMeta old;
    var bl = bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = keyLock(bucket, key);
    kl.lock();
    try {
      byte[] okey = Names.objectKey(rec.id(), keyBytes);
      byte[] oldBytes = kv.get(core.objects, okey);
      if (oldBytes == null) {
        return;
      }
      old = MetaFormat.decodeObject(oldBytes);
      try (KvBatch b = kv.newBatch()) {
        b.delete(core.objects, okey);
        b.put(core.garbage, StoreCore.garbageKey(StoreCore.RECLAIM, reclaimId(old)), oldBytes);
        usage.commit(bucket, rec.id(), rec.quota(), -1, -old.size(), b);
      }
    } finally {
      kl.unlock();
      bl.unlock();
    }
    reclaim(old);
  }

  @Override
  public ObjectInfo copy(
      String srcBucket, String srcKey, String dstBucket, String dstKey, PutOptions options) {
    try (ObjectReader r = get(srcBucket, srcKey)) {
      ObjectInfo src = r.info();
      precheckQuota(dstBucket, bucket(dstBucket), Names.key(dstKey), src.size());
      PutOptions o =
          options != null
              ? options
              : new PutOptions(
                  src.contentType(), src.userMetadata(), src.attributes(), WriteCondition.none());
      try (ObjectWriter w = newWriter(dstBucket, dstKey, o)) {
        ByteBuffer buf = ByteBuffer.allocate(256 << 10);
        while (r.read(buf.clear()) >= 0) {
          w.write(buf.flip());
        }
        return w.commit();
      }
    }
  }

  // ---- rename

  @Override
  public ObjectInfo rename(String bucket, String srcKey, String dstKey, boolean replace) {
    BucketRec rec = bucket(bucket);
    byte[] srcBytes = Names.key(srcKey);
    byte[] dstBytes = Names.key(dstKey);
    byte[] srcOkey = Names.objectKey(rec.id(), srcBytes);
    byte[] dstOkey = Names.objectKey(rec.id(), dstBytes);
    ObjectMeta replaced;
    ObjectMeta moved;
    var bl = bucketLock(bucket).readLock();
    bl.lock();
    // both keys' stripes, in index order, so two renames never wait for each other in a cycle
    int s1 = keyStripe(bucket, srcKey);
    int s2 = keyStripe(bucket, dstKey);
    ReentrantLock first = keyLocks[Math.min(s1, s2)];
    ReentrantLock second = keyLocks[Math.max(s1, s2)];
    first.lock();
    second.lock();
    try {
      ensureOpen();
      BucketRec cur = bucket(bucket);
      if (cur.id() != rec.id()) {
        throw new StorageException(StatusCode.NO_SUCH_BUCKET, "bucket was deleted: " + bucket);
      }
      byte[] srcRaw = kv.get(core.objects, srcOkey);
      if (srcRaw == null) {
        throw new StorageException(StatusCode.NO_SUCH_KEY, "no such key: " + bucket + "/" + srcKey);
      }
      ObjectMeta src = MetaFormat.decodeObject(srcRaw);
      byte[] dstRaw = srcKey.equals(dstKey) ? srcRaw : kv.get(core.objects, dstOkey);
      if (dstRaw != null && !replace) {
        throw new StorageException(
            StatusCode.PRECONDITION_FAILED, "rename target exists: " + bucket + "/" + dstKey);
      }
      if (srcKey.equals(dstKey)) {
        return src.info(bucket, dstKey);
      }
      replaced = dstRaw == null ? null : MetaFormat.decodeObject(dstRaw);
      long floor = Math.max(src.version(), replaced == null ? 0 : replaced.version());
      moved = src.withVersion(core.versionAbove(floor));
      byte[] opId = core.newId();
      List<Renames.Name> undo =
          List.of(
              new Renames.Name(reclaimId(src), bucket, srcKey, moved.version(), src.attributes()));
      List<Renames.Name> names =
          List.of(
              new Renames.Name(reclaimId(src), bucket, dstKey, moved.version(), src.attributes()));
      renameCommit(
          bucket,
          cur,
          opId,
          undo,
          names,
          b -> {
            b.delete(core.objects, srcOkey);
            b.put(core.objects, dstOkey, MetaFormat.encodeObject(moved));
            if (replaced != null) {
              b.put(
                  core.garbage,
                  StoreCore.garbageKey(StoreCore.RECLAIM, reclaimId(replaced)),
                  dstRaw);
            }
          },
          replaced == null ? 0 : -1,
          replaced == null ? 0 : -replaced.size());
    } finally {
      second.unlock();
      first.unlock();
      bl.unlock();
    }
    if (replaced != null) {
      reclaim(replaced);
    }
    return moved.info(bucket, dstKey);
  }

  @Override
  public long renamePrefix(String bucket, String srcPrefix, String dstPrefix, int maxEntries) {
    if (srcPrefix == null || srcPrefix.isEmpty() || dstPrefix == null) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT, "rename needs a non-empty source prefix and a target");
    }
    if (maxEntries < 0) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT, "entry limit must not be negative: " + maxEntries);
    }
    if (srcPrefix.indexOf('\0') >= 0 || dstPrefix.indexOf('\0') >= 0) {
      throw new StorageException(StatusCode.INVALID_KEY, "prefix must not contain NUL");
    }
    byte[] srcP = Names.utf8Strict(srcPrefix, "source prefix");
    Names.utf8Strict(dstPrefix, "target prefix");
    if (dstPrefix.startsWith(srcPrefix)) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT,
          "cannot rename " + srcPrefix + " to " + dstPrefix + ": the target is inside the source");
    }
    BucketRec rec = bucket(bucket);
    List<ObjectMeta> replaced = new ArrayList<>();
    long moved;
    var wl = bucketLock(bucket).writeLock(); // excludes every writer of the bucket
    wl.lock();
    try {
      ensureOpen();
      BucketRec cur = bucket(bucket);
      if (cur.id() != rec.id()) {
        throw new StorageException(StatusCode.NO_SUCH_BUCKET, "bucket was deleted: " + bucket);
      }
      List<byte[]> srcOkeys = new ArrayList<>();
      List<ObjectMeta> srcMetas = new ArrayList<>();
      List<String> srcKeys = new ArrayList<>();
      try (KvCursor c =
          kv.scanPrefix(
              core.objects, io.aquifer.kv.KvKeys.concat(Names.bucketPrefix(cur.id()), srcP))) {
        for (; c.valid(); c.next()) {
          if (srcOkeys.size() == maxEntries) {
            throw new StorageException(
                StatusCode.TOO_MANY_ENTRIES,
                "more than "
                    + maxEntries
                    + " keys start with "
                    + srcPrefix
                    + " in bucket "
                    + bucket
                    + "; nothing was renamed");
          }
          srcOkeys.add(c.key());
          srcMetas.add(MetaFormat.decodeObject(c.value()));
          byte[] k = c.key();
          srcKeys.add(new String(k, 8, k.length - 8, StandardCharsets.UTF_8));
        }
      }
      if (srcOkeys.isEmpty()) {
        return 0;
      }
      Set<String> srcSet = new java.util.HashSet<>(srcKeys);
      List<byte[]> dstOkeys = new ArrayList<>();
      List<String> dstKeys = new ArrayList<>();
      List<byte[]> replacedRaw = new ArrayList<>();
      long floor = 0;
      for (int i = 0; i < srcKeys.size(); i++) {
        String dk = dstPrefix + srcKeys.get(i).substring(srcPrefix.length());
        byte[] dok = Names.objectKey(cur.id(), Names.key(dk));
        dstKeys.add(dk);
        dstOkeys.add(dok);
        floor = Math.max(floor, srcMetas.get(i).version());
        if (!srcSet.contains(dk)) {
          byte[] raw = kv.get(core.objects, dok);
          if (raw != null) {
            ObjectMeta r = MetaFormat.decodeObject(raw);
            replaced.add(r);
            replacedRaw.add(raw);
            floor = Math.max(floor, r.version());
          }
        }
      }
      List<Renames.Name> undo = new ArrayList<>();
      List<Renames.Name> names = new ArrayList<>();
      List<ObjectMeta> movedMetas = new ArrayList<>();
      for (int i = 0; i < srcKeys.size(); i++) {
        ObjectMeta src = srcMetas.get(i);
        ObjectMeta m = src.withVersion(core.versionAbove(floor));
        movedMetas.add(m);
        undo.add(
            new Renames.Name(
                reclaimId(src), bucket, srcKeys.get(i), m.version(), src.attributes()));
        names.add(
            new Renames.Name(
                reclaimId(src), bucket, dstKeys.get(i), m.version(), src.attributes()));
      }
      long bytes = 0;
      for (ObjectMeta r : replaced) {
        bytes += r.size();
      }
      renameCommit(
          bucket,
          cur,
          core.newId(),
          undo,
          names,
          b -> {
            // deletes first: a key both moved away and moved onto ends up with what moved onto it
            for (byte[] k : srcOkeys) {
              b.delete(core.objects, k);
            }
            for (int i = 0; i < dstOkeys.size(); i++) {
              b.put(core.objects, dstOkeys.get(i), MetaFormat.encodeObject(movedMetas.get(i)));
            }
            for (int i = 0; i < replaced.size(); i++) {
              b.put(
                  core.garbage,
                  StoreCore.garbageKey(StoreCore.RECLAIM, reclaimId(replaced.get(i))),
                  replacedRaw.get(i));
            }
          },
          -replaced.size(),
          -bytes);
      moved = srcKeys.size();
    } finally {
      wl.unlock();
    }
    for (ObjectMeta r : replaced) {
      reclaim(r);
    }
    return moved;
  }

  /**
   * The durable steps of a rename, under the caller's locks: the synced undo entry, the name
   * records on the drives, then one index batch ({@code ops}, the usage change, removal of the undo
   * entry). Any failure before the batch committed rolls the records back and rethrows.
   */
  private void renameCommit(
      String bucket,
      BucketRec cur,
      byte[] opId,
      List<Renames.Name> undo,
      List<Renames.Name> names,
      java.util.function.Consumer<KvBatch> ops,
      long dObjects,
      long dBytes) {
    Renames.begin(core, opId, undo);
    try {
      Renames.writeOp(
          core,
          opId,
          names,
          core.writeQuorum(core.config.dataShards(), core.config.parityShards()));
      try (KvBatch b = kv.newBatch()) {
        ops.accept(b);
        b.delete(core.garbage, Renames.undoKey(opId));
        usage.commit(bucket, cur.id(), cur.quota(), dObjects, dBytes, b);
      }
    } catch (RuntimeException | Error e) {
      try {
        Renames.rollback(core, opId, undo);
      } catch (RuntimeException r) {
        e.addSuppressed(r); // the undo entry stays; the next start rolls back
      }
      throw e;
    }
    Renames.finish(core, opId, names);
  }

  @Override
  public ListPage list(String bucket, ListQuery query) {
    BucketRec rec = bucket(bucket);
    try (KvSnapshot snap = kv.snapshot()) {
      return Lister.list(core, snap, bucket, rec.id(), query);
    }
  }

  // ---- multipart

  @Override
  public String createUpload(String bucket, String key, PutOptions options) {
    return multipart.create(bucket, key, options);
  }

  @Override
  public ObjectWriter newPartWriter(String bucket, String key, String uploadId, int partNumber) {
    return multipart.partWriter(bucket, key, uploadId, partNumber);
  }

  @Override
  public List<PartInfo> listParts(String bucket, String key, String uploadId) {
    return multipart.listParts(bucket, key, uploadId);
  }

  @Override
  public UploadInfo upload(String bucket, String key, String uploadId) {
    return multipart.uploadInfo(bucket, key, uploadId);
  }

  @Override
  public List<UploadInfo> listUploads(String bucket, String prefix) {
    return multipart.listUploads(bucket, prefix);
  }

  @Override
  public ObjectInfo completeUpload(
      String bucket,
      String key,
      String uploadId,
      List<CompletedPart> parts,
      WriteCondition condition,
      Function<List<PartInfo>, Map<String, String>> finalAttributes) {
    return multipart.complete(bucket, key, uploadId, parts, condition, finalAttributes);
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {
    multipart.abort(bucket, key, uploadId);
  }

  // ---- operations

  @Override
  public List<DriveStatus> drives() {
    return core.drives.all().stream().map(Drive::status).toList();
  }

  @Override
  public StoreStats stats() {
    Counters c = core.counters;
    return new StoreStats(
        core.codecName,
        core.config.dataShards(),
        core.config.parityShards(),
        c.bytesEncoded.sum(),
        c.bytesDecoded.sum(),
        c.degradedReads.sum(),
        c.blocksRebuilt.sum(),
        c.checksumFailures.sum(),
        c.healQueued.get(),
        c.objectsScrubbed.sum(),
        c.encodeNanos.sum(),
        c.decodeNanos.sum(),
        c.healedObjects.sum(),
        smallCache.hits(),
        smallCache.misses(),
        smallCache.evictions(),
        smallCache.bytes());
  }

  @Override
  public MetadataStats metadataStats() {
    ensureOpen();
    KvStats k;
    try {
      k = kv.stats();
    } catch (KvException e) {
      if (e.code() == KvException.Code.CLOSED) {
        throw new StorageException(StatusCode.STORE_CLOSED, "object store is closed", e);
      }
      throw new StorageException(StatusCode.METADATA_ERROR, "reading index statistics: " + e, e);
    }
    return new MetadataStats(
        k.liveDataBytes(),
        k.sstFilesBytes(),
        k.memtableBytes(),
        k.pendingCompactionBytes(),
        k.runningCompactions());
  }

  @Override
  public HealReport heal(String bucket, String prefix) {
    ensureOpen();
    return maintenance.healAll(bucket, prefix);
  }

  /** Processes the heal queue now; for tests and the admin command. */
  HealReport healQueued() {
    return maintenance.healQueue();
  }

  /** Runs one compaction pass of packed segments now; for tests. Returns segments deleted. */
  int compactNow() {
    return maintenance.compactNow();
  }

  /** What the packed recovery at open did (segments scanned, records re-indexed); for tests. */
  PackedRecovery.Report packedRecovery() {
    return maintenance.packedRecovery();
  }

  /** Runs one scrub pass now, without rate limit; for tests and the admin command. */
  HealReport scrubNow() {
    return maintenance.scrubPass(Long.MAX_VALUE);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    maintenance.stop();
    try {
      core.packed.retireListed(true); // a clean close syncs the index: no scan at the next open
    } catch (RuntimeException e) {
      System.getLogger(LocalObjectStore.class.getName())
          .log(System.Logger.Level.WARNING, "closing: segment list kept: " + e);
    }
    core.packed.close();
    smallCache.clear();
    try {
      kv.close();
    } catch (KvException e) {
      throw new StorageException(StatusCode.METADATA_ERROR, "closing the index failed", e);
    }
  }
}
