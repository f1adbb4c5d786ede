package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Restores the index from the drives: bucket markers, shard headers and trailers, multipart
 * manifests, the live records of packed objects in segment files ({@link PackedObjects}) and the
 * name records of renamed objects ({@link Renames}: a record replaces the key and version the data
 * was written with). The newest complete version of each key wins; incomplete and superseded data
 * (and the name records of such data, or of data that is gone) is deleted. Each bucket's usage is
 * recomputed from the objects restored; bucket owners and quotas live only in the index, so
 * restored buckets have owner {@code ""} and no quota.
 */
final class IndexRebuilder {
  private static final System.Logger LOG = System.getLogger(IndexRebuilder.class.getName());

  private IndexRebuilder() {}

  /** One piece of data found on the drives. */
  private record Found(ShardFormat.Header header, ShardFormat.Trailer trailer, DataRef ref) {}

  /** A candidate version of a key. */
  record Candidate(String bucket, String key, ObjectMeta meta) {}

  static RebuildReport rebuild(StorageConfig config) {
    try {
      if (Files.isDirectory(config.indexDir())) {
        try (Stream<Path> s = Files.list(config.indexDir())) {
          if (s.findAny().isPresent()) {
            throw new StorageException(
                StatusCode.INVALID_ARGUMENT,
                "index directory "
                    + config.indexDir()
                    + " is not empty; move it away before rebuilding");
          }
        }
      }
    } catch (IOException e) {
      throw new StorageException(StatusCode.METADATA_ERROR, "cannot read " + config.indexDir(), e);
    }
    String storeId = DriveSet.storeIdOnDrives(config.drives());
    if (storeId == null) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT, "no configured drive holds an Aquifer store");
    }
    try (KvStore kv = ObjectStores.openIndex(config)) {
      kv.put(
          kv.table(StoreCore.T_SYSTEM),
          ObjectStores.STORE_ID_KEY,
          storeId.getBytes(StandardCharsets.UTF_8));
      DriveSet drives =
          DriveSet.open(config.drives(), storeId, false, kv, kv.table(StoreCore.T_SYSTEM));
      StoreCore core = new StoreCore(config, kv, drives, java.time.Clock.systemUTC());
      try {
        return restore(core, kv);
      } finally {
        core.packed.close();
      }
    } catch (IOException e) {
      throw new StorageException(StatusCode.DRIVE_IO_ERROR, "rebuild failed: " + e, e);
    }
  }

  private static RebuildReport restore(StoreCore core, KvStore kv) throws IOException {
    long discarded = 0;
    Map<String, Long> bucketCreated = new TreeMap<>();
    Map<String, Found> data = new HashMap<>();
    java.util.Set<String> incomplete = new java.util.HashSet<>();
    Map<String, Candidate> manifests = new HashMap<>();
    for (Drive d : core.drives.all()) {
      if (!d.online()) {
        continue;
      }
      try (Stream<Path> s = Files.list(d.root.resolve("buckets"))) {
        for (Path p : s.toList()) {
          long created = Long.parseLong(Files.readString(p).trim());
          bucketCreated.merge(p.getFileName().toString(), created, Math::min);
        }
      }
      try (Stream<Path> s = Files.list(d.root.resolve("manifests"))) {
        for (Path p : s.toList()) {
          try {
            Object[] m = Multipart.readManifest(Files.readAllBytes(p));
            ObjectMeta meta = (ObjectMeta) m[2];
            manifests.putIfAbsent(
                HexFormat.of().formatHex(meta.manifestId()),
                new Candidate((String) m[0], (String) m[1], meta));
          } catch (IOException e) {
            LOG.log(Level.WARNING, "skipping unreadable manifest {0}: {1}", p, e.getMessage());
          }
        }
      }
      try (Stream<Path> dirs = Files.list(d.root.resolve("objects"))) {
        for (Path dir : dirs.toList()) {
          try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
              String name = f.getFileName().toString();
              if (name.endsWith(".heal")) {
                Files.deleteIfExists(f);
                continue;
              }
              String hex = name.substring(0, name.indexOf('.'));
              if (data.containsKey(hex)) {
                continue;
              }
              Found found = read(f);
              if (found != null) {
                data.put(hex, found);
              } else {
                incomplete.add(hex);
              }
            }
          }
        }
      }
    }
    // Name records of renamed objects: the newest per data id names its key and version.
    Map<String, Renames.Name> names = new HashMap<>();
    Renames.readAll(core, names);
    // Incomplete data (no shard with a trailer) is leftover of a crash.
    for (String hex : incomplete) {
      if (!data.containsKey(hex)) {
        deleteAll(core, HexFormat.of().parseHex(hex));
        discarded++;
      }
    }
    // Newest version per key, among single-put objects and multipart manifests.
    Map<String, Candidate> winners = new HashMap<>();
    for (Found f : data.values()) {
      if (f.header().uploadId() == null) {
        ShardFormat.Trailer t = f.trailer();
        ObjectMeta meta =
            new ObjectMeta(
                t.version(),
                t.size(),
                t.etag(),
                t.mtimeMillis(),
                t.contentType(),
                t.userMetadata(),
                t.attributes(),
                null,
                List.of(f.ref()));
        discarded +=
            offer(
                core,
                winners,
                named(names, f.ref().hexId(), f.header().bucket(), f.header().key(), meta));
      }
    }
    // Packed objects: live records in the segment files, copies merged by id.
    for (PackedObjects.Found f : core.packed.scanAll().values()) {
      discarded += offer(core, winners, candidate(names, f));
    }
    for (var e : manifests.entrySet()) {
      Candidate c = e.getValue();
      discarded += offer(core, winners, named(names, e.getKey(), c.bucket(), c.key(), c.meta()));
    }
    // Records whose data lost or is gone are superseded.
    java.util.Set<String> kept = new java.util.HashSet<>();
    for (Candidate c : winners.values()) {
      kept.add(HexFormat.of().formatHex(LocalObjectStore.reclaimId(c.meta())));
    }
    for (Renames.Name n : names.values()) {
      if (!kept.contains(n.hex())) {
        Renames.delete(core, n.id());
      }
    }
    Map<String, Boolean> usedParts = new HashMap<>();
    for (Candidate c : winners.values()) {
      if (c.meta().manifestId() != null) {
        for (DataRef r : c.meta().segments()) {
          usedParts.put(r.hexId(), true);
        }
      }
    }
    // Buckets: markers, plus any bucket named by restored data.
    for (Candidate c : winners.values()) {
      bucketCreated.putIfAbsent(c.bucket(), c.meta().mtimeMillis());
    }
    // Usage is recomputed from what is restored; owners and quotas are not on the drives.
    Map<String, long[]> usage = new HashMap<>();
    for (Candidate c : winners.values()) {
      long[] u = usage.computeIfAbsent(c.bucket(), x -> new long[2]);
      u[0]++;
      u[1] += c.meta().size();
    }
    Map<String, Long> bucketIds = new HashMap<>();
    long nextId = 1;
    try (KvBatch b = kv.newBatch()) {
      for (var e : bucketCreated.entrySet()) {
        bucketIds.put(e.getKey(), nextId);
        b.put(
            core.buckets,
            e.getKey().getBytes(StandardCharsets.UTF_8),
            MetaFormat.encodeBucket(
                new LocalObjectStore.BucketRec(nextId, e.getValue(), "", BucketQuota.NONE, false)));
        long[] u = usage.getOrDefault(e.getKey(), new long[2]);
        UsageLedger.reset(core, nextId, u[0], u[1], b);
        nextId++;
      }
      b.put(
          core.system,
          "next-bucket-id".getBytes(StandardCharsets.UTF_8),
          ByteBuffer.allocate(8).putLong(nextId).array());
      kv.commit(b);
    }
    long objects = 0;
    for (Candidate c : winners.values()) {
      kv.put(
          core.objects,
          Names.objectKey(bucketIds.get(c.bucket()), c.key().getBytes(StandardCharsets.UTF_8)),
          MetaFormat.encodeObject(c.meta()));
      objects++;
    }
    // Parts not used by a restored object belong to uploads still in progress.
    Map<String, Found> latestPart = new HashMap<>();
    for (Found f : data.values()) {
      if (f.header().uploadId() != null && !usedParts.containsKey(f.ref().hexId())) {
        String pk = f.header().uploadId() + "/" + f.header().partNumber();
        Found prev = latestPart.get(pk);
        if (prev == null || prev.trailer().version() < f.trailer().version()) {
          if (prev != null) {
            core.deleteData(prev.ref());
            discarded++;
          }
          latestPart.put(pk, f);
        } else {
          core.deleteData(f.ref());
          discarded++;
        }
      }
    }
    Map<String, Boolean> uploads = new HashMap<>();
    for (Found f : latestPart.values()) {
      ShardFormat.Header h = f.header();
      Long bucketId = bucketIds.get(h.bucket());
      if (bucketId == null) {
        core.deleteData(f.ref());
        discarded++;
        continue;
      }
      byte[] uk = Names.uploadKey(bucketId, h.key().getBytes(StandardCharsets.UTF_8), h.uploadId());
      if (uploads.putIfAbsent(h.uploadId(), true) == null) {
        kv.put(
            core.uploads,
            uk,
            Multipart.encodeUpload(
                f.trailer().mtimeMillis(), PutOptions.DEFAULT, "application/octet-stream"));
      }
      kv.put(
          core.parts,
          Names.partKey(h.uploadId(), h.partNumber()),
          Multipart.encodePart(
              new Multipart.PartRec(
                  f.trailer().size(),
                  f.trailer().etag(),
                  f.trailer().mtimeMillis(),
                  f.trailer().attributes(),
                  f.ref())));
    }
    kv.flush();
    LOG.log(
        Level.INFO,
        "rebuilt index: {0} buckets, {1} objects, {2} uploads, {3} discarded",
        bucketIds.size(),
        objects,
        uploads.size(),
        discarded);
    return new RebuildReport(bucketIds.size(), objects, uploads.size(), discarded);
  }

  /**
   * The candidate for a piece of data: under the name and version of its rename record if it has
   * one, else under the key and version it was written with.
   */
  private static Candidate named(
      Map<String, Renames.Name> names, String hex, String bucket, String key, ObjectMeta meta) {
    return named(names.get(hex), bucket, key, meta);
  }

  /**
   * The candidate for a piece of data: under the name, version and attributes of its name record
   * {@code n} (a rename, a change of attributes) when there is one, else as it was written.
   */
  static Candidate named(Renames.Name n, String bucket, String key, ObjectMeta meta) {
    if (n == null) {
      return new Candidate(bucket, key, meta);
    }
    ObjectMeta m = meta.withVersion(n.version());
    return new Candidate(
        n.bucket(), n.key(), n.attributes() == null ? m : m.withAttributes(n.attributes()));
  }

  /** The candidate for a packed record found in a segment (its rename record applied). */
  private static Candidate candidate(Map<String, Renames.Name> names, PackedObjects.Found f) {
    return named(names.get(f.ref().hexId()), f);
  }

  /** The candidate for a packed record found in a segment, under the rename record {@code n}. */
  static Candidate named(Renames.Name n, PackedObjects.Found f) {
    PackedFormat.Header h = f.header();
    ObjectMeta meta =
        new ObjectMeta(
            h.version(),
            f.ref().size(),
            h.etag(),
            h.mtimeMillis(),
            h.contentType(),
            h.userMetadata(),
            h.attributes(),
            null,
            List.of(),
            f.ref());
    return named(n, h.bucket(), h.key(), meta);
  }

  /** Keeps the newer of two versions of a key and deletes the other; returns 1 if one went. */
  private static int offer(StoreCore core, Map<String, Candidate> winners, Candidate c) {
    Candidate loser = offer(winners, c);
    if (loser == null) {
      return 0;
    }
    discard(core, loser.meta());
    return 1;
  }

  /**
   * "Newest version per key wins": keeps the newer of {@code c} and the candidate already in {@code
   * winners} for its key (the one already there on a tie) and returns the other, or null when the
   * key had none. Deletes nothing.
   */
  static Candidate offer(Map<String, Candidate> winners, Candidate c) {
    String k = c.bucket() + "\0" + c.key();
    Candidate prev = winners.get(k);
    if (prev == null) {
      winners.put(k, c);
      return null;
    }
    Candidate loser = prev.meta().version() >= c.meta().version() ? c : prev;
    if (loser == prev) {
      winners.put(k, c);
    }
    return loser;
  }

  /** Deletes the data of a losing version (shard files, manifest, packed copies, name record). */
  static void discard(StoreCore core, ObjectMeta loser) {
    for (DataRef r : loser.segments()) {
      core.deleteData(r);
    }
    if (loser.manifestId() != null) {
      core.deleteManifest(loser.manifestId());
    }
    if (loser.packed() != null) {
      core.packed.kill(loser.packed());
    }
    Renames.delete(core, LocalObjectStore.reclaimId(loser));
  }

  private static Found read(Path f) {
    try (FileChannel ch = FileChannel.open(f)) {
      ShardFormat.Header h = ShardFormat.readHeader(ch);
      ShardFormat.Trailer t = ShardFormat.readTrailer(ch);
      if (t == null) {
        return null;
      }
      DataRef ref =
          new DataRef(h.id(), t.size(), h.k(), h.m(), h.blockSize(), h.length(), h.drives());
      if (ch.size() <= ref.shardDataEnd()) {
        return null;
      }
      return new Found(h, t, ref);
    } catch (IOException e) {
      return null;
    }
  }

  private static void deleteAll(StoreCore core, byte[] id) {
    for (Drive d : core.drives.all()) {
      if (!d.online()) {
        continue;
      }
      for (int i = 0; i < 16; i++) {
        try {
          d.deleteShard(id, i);
        } catch (IOException e) {
          d.failed("delete", e);
        }
      }
    }
  }
}
