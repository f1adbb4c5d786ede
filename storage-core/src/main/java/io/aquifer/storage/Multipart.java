package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Multipart uploads. Each part is stored as its own erasure-coded data; completing an upload writes
 * a small manifest (replicated to every online drive, for {@code rebuild-index}) and switches the
 * key to an object whose segments are the parts, without copying bytes.
 */
final class Multipart {
  /** Failures of the index switch raised by its checks, before anything was committed. */
  private static final java.util.Set<StatusCode> REJECTED_BEFORE_COMMIT =
      java.util.EnumSet.of(
          StatusCode.QUOTA_EXCEEDED,
          StatusCode.PRECONDITION_FAILED,
          StatusCode.NO_SUCH_KEY,
          StatusCode.NO_SUCH_BUCKET);

  private final StoreCore core;
  private final LocalObjectStore store;

  Multipart(StoreCore core, LocalObjectStore store) {
    this.core = core;
    this.store = store;
  }

  /** A part's record. */
  record PartRec(long size, String etag, long mtime, Map<String, String> attributes, DataRef ref) {
    PartRec {
      attributes = Map.copyOf(attributes);
    }

    PartInfo info(int partNumber) {
      return new PartInfo(partNumber, size, etag, Instant.ofEpochMilli(mtime), attributes);
    }
  }

  static byte[] encodePart(PartRec p) {
    return MetaFormat.write(
        out -> {
          out.writeByte(2);
          out.writeLong(p.size());
          out.writeUTF(p.etag());
          out.writeLong(p.mtime());
          MetaFormat.writeRef(out, p.ref());
          MetaFormat.writeMap(out, p.attributes());
        });
  }

  static PartRec decodePart(byte[] b) {
    return MetaFormat.read(
        b,
        in -> {
          int format = in.u8();
          if (format != 1 && format != 2) {
            throw new IOException("unknown part record format " + format);
          }
          long size = in.i64();
          String etag = in.utf();
          long mtime = in.i64();
          DataRef ref = in.ref();
          Map<String, String> attributes = format == 2 ? in.map() : Map.of();
          return new PartRec(size, etag, mtime, attributes, ref);
        });
  }

  /** An upload's record: when it started and the options the object will get. */
  static byte[] encodeUpload(long initiated, PutOptions o, String contentType) {
    return MetaFormat.write(
        out -> {
          out.writeByte(1);
          out.writeLong(initiated);
          MetaFormat.writeString(out, contentType);
          MetaFormat.writeMap(out, o.userMetadata());
          MetaFormat.writeMap(out, o.attributes());
        });
  }

  record UploadRec(
      long initiated, String contentType, Map<String, String> um, Map<String, String> at) {
    UploadInfo info(String key, String uploadId) {
      return new UploadInfo(key, uploadId, Instant.ofEpochMilli(initiated), contentType, um, at);
    }
  }

  UploadInfo uploadInfo(String bucket, String key, String uploadId) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    return upload(rec.id(), Names.key(key), uploadId).info(key, uploadId);
  }

  static UploadRec decodeUpload(byte[] b) {
    return MetaFormat.read(
        b,
        in -> {
          if (in.u8() != 1) {
            throw new IOException("unknown upload record format");
          }
          return new UploadRec(in.i64(), in.string(), in.map(), in.map());
        });
  }

  String create(String bucket, String key, PutOptions options) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    byte[] keyBytes = Names.key(key);
    Names.checkUserMetadata(options);
    String uploadId = HexFormat.of().formatHex(core.newId());
    core.kv.put(
        core.uploads,
        Names.uploadKey(rec.id(), keyBytes, uploadId),
        encodeUpload(core.clock.millis(), options, core.contentType(options)));
    return uploadId;
  }

  private UploadRec upload(long bucketId, byte[] keyBytes, String uploadId) {
    if (uploadId == null || !uploadId.matches("[0-9a-f]{32}")) {
      throw new StorageException(StatusCode.NO_SUCH_UPLOAD, "no such upload: " + uploadId);
    }
    byte[] v = core.kv.get(core.uploads, Names.uploadKey(bucketId, keyBytes, uploadId));
    if (v == null) {
      throw new StorageException(StatusCode.NO_SUCH_UPLOAD, "no such upload: " + uploadId);
    }
    return decodeUpload(v);
  }

  ObjectWriter partWriter(String bucket, String key, String uploadId, int partNumber) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    byte[] keyBytes = Names.key(key);
    if (partNumber < 1 || partNumber > ObjectStore.MAX_PARTS) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT, "part number must be 1 to 10000: " + partNumber);
    }
    upload(rec.id(), keyBytes, uploadId);
    DataRef layout = core.newLayout(bucket, key, uploadId);
    return new StripeWriter(
        core,
        layout,
        bucket,
        key,
        uploadId,
        partNumber,
        PutOptions.DEFAULT,
        (ref, etag, version, mtime, attributes, lost) -> {
          PartRec old;
          ReentrantLock kl = store.keyLock(bucket, key);
          kl.lock();
          try {
            upload(rec.id(), keyBytes, uploadId);
            byte[] pk = Names.partKey(uploadId, partNumber);
            byte[] oldBytes = core.kv.get(core.parts, pk);
            old = oldBytes == null ? null : decodePart(oldBytes);
            try (KvBatch b = core.kv.newBatch()) {
              b.put(
                  core.parts,
                  pk,
                  encodePart(new PartRec(ref.size(), etag, mtime, attributes, ref)));
              b.delete(core.garbage, StoreCore.garbageKey(StoreCore.PENDING, ref.id()));
              if (old != null) {
                b.put(
                    core.garbage,
                    StoreCore.garbageKey(StoreCore.RECLAIM, old.ref().id()),
                    MetaFormat.encodeObject(StoreCore.garbageOf(old.ref(), null)));
              }
              core.kv.commit(b);
            }
          } finally {
            kl.unlock();
          }
          if (old != null) {
            store.reclaim(StoreCore.garbageOf(old.ref(), null));
          }
          if (!lost.isEmpty()) {
            core.queueHeal(ref);
          }
          return new ObjectInfo(
              bucket,
              key,
              ref.size(),
              etag,
              Instant.ofEpochMilli(mtime),
              "application/octet-stream",
              Map.of(),
              attributes,
              0,
              version);
        });
  }

  List<PartInfo> listParts(String bucket, String key, String uploadId) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    upload(rec.id(), Names.key(key), uploadId);
    List<PartInfo> out = new ArrayList<>();
    try (KvCursor c = core.kv.scanPrefix(core.parts, Names.partPrefix(uploadId))) {
      for (; c.valid(); c.next()) {
        int n = ByteBuffer.wrap(c.key()).getInt(32);
        out.add(decodePart(c.value()).info(n));
      }
    }
    return out;
  }

  List<UploadInfo> listUploads(String bucket, String prefix) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    byte[] p = (prefix == null ? "" : prefix).getBytes(StandardCharsets.UTF_8);
    List<UploadInfo> out = new ArrayList<>();
    try (KvCursor c =
        core.kv.scanPrefix(
            core.uploads, io.aquifer.kv.KvKeys.concat(Names.bucketPrefix(rec.id()), p))) {
      for (; c.valid(); c.next()) {
        byte[] k = c.key();
        int nul = 8;
        while (k[nul] != 0) {
          nul++;
        }
        String key = new String(k, 8, nul - 8, StandardCharsets.UTF_8);
        String id = new String(k, nul + 1, k.length - nul - 1, StandardCharsets.US_ASCII);
        out.add(decodeUpload(c.value()).info(key, id));
      }
    }
    return out;
  }

  ObjectInfo complete(
      String bucket,
      String key,
      String uploadId,
      List<CompletedPart> parts,
      WriteCondition cond,
      Function<List<PartInfo>, Map<String, String>> finalAttributes) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    byte[] keyBytes = Names.key(key);
    if (parts.isEmpty()) {
      throw new StorageException(StatusCode.INVALID_ARGUMENT, "complete needs at least one part");
    }
    ObjectMeta old;
    List<DataRef> unused = new ArrayList<>();
    ObjectMeta meta;
    var bl = store.bucketLock(bucket).readLock();
    bl.lock();
    ReentrantLock kl = store.keyLock(bucket, key);
    kl.lock();
    try {
      UploadRec up = upload(rec.id(), keyBytes, uploadId);
      Map<Integer, PartRec> stored = new HashMap<>();
      List<byte[]> partKeys = new ArrayList<>();
      try (KvCursor c = core.kv.scanPrefix(core.parts, Names.partPrefix(uploadId))) {
        for (; c.valid(); c.next()) {
          stored.put(ByteBuffer.wrap(c.key()).getInt(32), decodePart(c.value()));
          partKeys.add(c.key());
        }
      }
      MessageDigest md5 = md5();
      List<DataRef> segments = new ArrayList<>();
      List<PartInfo> chosen = new ArrayList<>();
      long size = 0;
      int prev = 0;
      for (int i = 0; i < parts.size(); i++) {
        CompletedPart cp = parts.get(i);
        if (cp.partNumber() <= prev) {
          throw new StorageException(
              StatusCode.INVALID_PART_ORDER,
              "parts must be listed in ascending order: " + cp.partNumber() + " after " + prev);
        }
        prev = cp.partNumber();
        PartRec p = stored.get(cp.partNumber());
        String want = cp.etag() == null ? "" : cp.etag().replace("\"", "");
        if (p == null || !p.etag().equals(want)) {
          throw new StorageException(
              StatusCode.INVALID_PART,
              "part " + cp.partNumber() + " was not uploaded or its ETag differs");
        }
        if (i < parts.size() - 1 && p.size() < core.config.minPartSize()) {
          throw new StorageException(
              StatusCode.ENTITY_TOO_SMALL,
              "part "
                  + cp.partNumber()
                  + " is "
                  + p.size()
                  + " bytes; all but the last must be at least "
                  + core.config.minPartSize());
        }
        md5.update(HexFormat.of().parseHex(p.etag()));
        segments.add(p.ref());
        chosen.add(p.info(cp.partNumber()));
        size += p.size();
      }
      var listed = new java.util.HashSet<Integer>();
      parts.forEach(cp -> listed.add(cp.partNumber()));
      stored.forEach(
          (n, p) -> {
            if (!listed.contains(n)) {
              unused.add(p.ref());
            }
          });
      String etag = HexFormat.of().formatHex(md5.digest()) + "-" + parts.size();
      byte[] manifestId = core.newId();
      meta =
          new ObjectMeta(
              core.nextVersion(),
              size,
              etag,
              core.clock.millis(),
              up.contentType(),
              up.um(),
              withFinal(up.at(), finalAttributes.apply(List.copyOf(chosen))),
              manifestId,
              segments);
      store.precheckQuota(bucket, rec, keyBytes, size);
      writeManifest(bucket, key, meta);
      try {
        old =
            store.switchKeyLocked(
                bucket,
                rec.id(),
                key,
                keyBytes,
                meta,
                cond,
                List.of(manifestId),
                b -> {
                  b.delete(core.uploads, Names.uploadKey(rec.id(), keyBytes, uploadId));
                  for (byte[] pk : partKeys) {
                    b.delete(core.parts, pk);
                  }
                  for (DataRef u : unused) {
                    b.put(
                        core.garbage,
                        StoreCore.garbageKey(StoreCore.RECLAIM, u.id()),
                        MetaFormat.encodeObject(StoreCore.garbageOf(u, null)));
                  }
                });
      } catch (StorageException e) {
        if (REJECTED_BEFORE_COMMIT.contains(e.status())) {
          // the upload stays as it was; only the manifest written for it goes
          core.deleteManifest(manifestId);
          core.kv.delete(core.garbage, StoreCore.garbageKey(StoreCore.PENDING, manifestId));
        }
        throw e;
      }
    } finally {
      kl.unlock();
      bl.unlock();
    }
    for (DataRef u : unused) {
      store.reclaim(StoreCore.garbageOf(u, null));
    }
    if (old != null) {
      store.reclaim(old);
    }
    return meta.info(bucket, key);
  }

  private static Map<String, String> withFinal(Map<String, String> base, Map<String, String> add) {
    if (add.isEmpty()) {
      return base;
    }
    Map<String, String> merged = new HashMap<>(base);
    merged.putAll(add);
    return merged;
  }

  /**
   * Writes the manifest of a multipart object to every online drive, durably, under a pending entry
   * so a crash before the index switch removes it.
   */
  private void writeManifest(String bucket, String key, ObjectMeta meta) {
    try (KvBatch b = core.kv.newBatch()) {
      b.put(
          core.garbage,
          StoreCore.garbageKey(StoreCore.PENDING, meta.manifestId()),
          MetaFormat.encodeObject(StoreCore.garbageOf(null, meta.manifestId())));
      core.kv.commit(b, KvDurability.NONE);
    }
    // Durable before any manifest file exists, as a shard put's entry is: otherwise a power loss
    // could keep the manifest and lose the entry, and rebuild-index would restore an upload that
    // was never acknowledged (whose parts an abort may since have deleted).
    core.syncPending();
    byte[] body =
        MetaFormat.write(
            out -> {
              out.writeInt(0x41514d46); // "AQMF"
              MetaFormat.writeString(out, bucket);
              MetaFormat.writeString(out, key);
              MetaFormat.writeBytes(out, MetaFormat.encodeObject(meta));
            });
    var crc = new java.util.zip.CRC32C();
    crc.update(body);
    byte[] file =
        ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    int written = 0;
    for (Drive d : core.drives.all()) {
      if (!d.online()) {
        continue;
      }
      try (FileChannel ch =
          FileChannel.open(
              d.manifestPath(meta.manifestId()),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE)) {
        ByteBuffer bb = ByteBuffer.wrap(file);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
        if (core.config.durable()) {
          ch.force(true);
          Drive.syncDirectory(d.manifestPath(meta.manifestId()).getParent());
        }
        written++;
      } catch (IOException e) {
        d.failed("manifest write", e);
      }
    }
    if (written == 0) {
      throw new StorageException(StatusCode.WRITE_QUORUM_LOST, "no drive accepted the manifest");
    }
  }

  /** Reads a manifest file: bucket, key and the object record. */
  static Object[] readManifest(byte[] file) throws IOException {
    if (file.length < 8) {
      throw new IOException("manifest too short");
    }
    var crc = new java.util.zip.CRC32C();
    crc.update(file, 0, file.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(file).getInt(file.length - 4)) {
      throw new IOException("manifest checksum mismatch");
    }
    var in = new RecordReader(file, 0, file.length - 4);
    if (in.i32() != 0x41514d46) {
      throw new IOException("not a manifest");
    }
    String bucket = in.string();
    String key = in.string();
    byte[] record = in.bytes();
    if (record == null) {
      throw new IOException("manifest without an object record");
    }
    return new Object[] {bucket, key, MetaFormat.decodeObject(record)};
  }

  void abort(String bucket, String key, String uploadId) {
    LocalObjectStore.BucketRec rec = store.bucket(bucket);
    byte[] keyBytes = Names.key(key);
    List<DataRef> refs = new ArrayList<>();
    ReentrantLock kl = store.keyLock(bucket, key);
    kl.lock();
    try {
      upload(rec.id(), keyBytes, uploadId);
      try (KvBatch b = core.kv.newBatch();
          KvCursor c = core.kv.scanPrefix(core.parts, Names.partPrefix(uploadId))) {
        for (; c.valid(); c.next()) {
          DataRef r = decodePart(c.value()).ref();
          refs.add(r);
          b.delete(core.parts, c.key());
          b.put(
              core.garbage,
              StoreCore.garbageKey(StoreCore.RECLAIM, r.id()),
              MetaFormat.encodeObject(StoreCore.garbageOf(r, null)));
        }
        b.delete(core.uploads, Names.uploadKey(rec.id(), keyBytes, uploadId));
        core.kv.commit(b);
      }
    } finally {
      kl.unlock();
    }
    for (DataRef r : refs) {
      store.reclaim(StoreCore.garbageOf(r, null));
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
