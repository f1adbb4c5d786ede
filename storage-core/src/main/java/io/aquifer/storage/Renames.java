package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvDurability;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Durable name records of renamed objects, so that {@code rebuild-index} restores an object under
 * the key it was renamed to rather than the key its shard headers carry.
 *
 * <p>A name record is the file {@code renames/<id>} on every online drive, where {@code <id>} is
 * the object's reclaim id (its data id for a single put, its manifest id for a multipart object):
 * {@code "AQRN" format bucket key version attributes crc32c}. It says "the data {@code <id>} is the
 * object {@code bucket/key} at {@code version}, with these attributes", and in {@code
 * rebuild-index} it replaces the key, version and attributes taken from the shard headers and
 * trailers (or the manifest); a change of attributes writes one too. The newest version per key
 * still wins, and across drives the record with the highest version wins. A record is written to a
 * temporary file, synced and renamed over the previous one, so each drive holds a whole old or a
 * whole new record. It is removed after the data it names is reclaimed (after, so that a crash in
 * between leaves an orphan record that {@code rebuild-index} ignores and deletes, never data that
 * reappears under its first key).
 *
 * <p>A rename, under its locks: (1) commits, synced, a {@code garbage} entry {@code N}+op id that
 * lists each object it moves with its old key and new version; (2) writes one operation file {@code
 * renames/ops/<op id>} holding all its new names to every online drive (so on each drive a
 * directory rename's names are all there or none are); (3) commits the index batch, which removes
 * the {@code N} entry; (4) writes the per-object records and deletes the operation file. {@code
 * rebuild-index} reads both kinds (highest version per data id wins). An {@code N} entry found when
 * the store opens is a rename whose batch never committed: it is rolled back (records of the old
 * names at a higher version, operation file deleted, index record bumped to that version). An
 * operation file without an {@code N} entry is a committed rename whose step 4 did not finish: it
 * is finished. So after a crash the index and the drives agree on the old names of all the rename's
 * objects, or on the new names of all of them.
 */
final class Renames {
  private static final System.Logger LOG = System.getLogger(Renames.class.getName());

  static final String DIR = "renames";
  static final String OPS_DIR = "renames/ops";
  private static final byte[] MAGIC = {'A', 'Q', 'R', 'N'};
  private static final byte[] OP_MAGIC = {'A', 'Q', 'R', 'O'};

  /** Format 2 adds the object's attributes to each name; format 1 records are still read. */
  private static final int FORMAT = 2;

  private static final int UNDO_FORMAT = 2;

  private Renames() {}

  /**
   * The name of one piece of data.
   *
   * @param id the reclaim id (data id or manifest id)
   * @param attributes the object's attributes at that version (a chmod changes them), or null for a
   *     record of format 1, which did not hold them: the data's own apply
   */
  record Name(byte[] id, String bucket, String key, long version, Map<String, String> attributes) {
    Name {
      attributes = attributes == null ? null : Map.copyOf(attributes);
    }

    String hex() {
      return HexFormat.of().formatHex(id);
    }
  }

  static Path path(Drive d, byte[] id) {
    return d.root.resolve(DIR).resolve(HexFormat.of().formatHex(id));
  }

  static byte[] encode(Name n) {
    byte[] body =
        MetaFormat.write(
            out -> {
              out.write(MAGIC);
              out.writeByte(FORMAT);
              writeName(out, n);
            });
    CRC32C crc = new CRC32C();
    crc.update(body);
    return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
  }

  /** Decodes a record file; null when it is not a whole, valid record. */
  static Name decode(byte[] id, byte[] file) {
    if (file.length < MAGIC.length + 1 + 4
        || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(file, 0, file.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(file).getInt(file.length - 4)) {
      return null;
    }
    try {
      return MetaFormat.read(
          Arrays.copyOfRange(file, MAGIC.length, file.length - 4),
          in -> {
            int f = in.u8();
            if (f != 1 && f != FORMAT) {
              throw new IOException("unknown rename record format " + f);
            }
            return readName(in, id, f);
          });
    } catch (StorageException e) {
      return null;
    }
  }

  /**
   * Writes the name records to every online drive, in parallel, durably (when the store is), each
   * atomically replacing the previous record of its data.
   *
   * @param quorum the least number of drives that must take every record
   * @throws StorageException {@link StatusCode#WRITE_QUORUM_LOST} when fewer drives took them; the
   *     caller rolls back
   */
  static void write(StoreCore core, List<Name> names, int quorum) {
    List<String> files = new ArrayList<>(names.size());
    List<byte[]> contents = new ArrayList<>(names.size());
    for (Name n : names) {
      files.add(n.hex());
      contents.add(encode(n));
    }
    writeFiles(core, DIR, files, contents, quorum);
  }

  /**
   * Writes the operation file {@code renames/ops/<op id>} (every name of one rename, in one file)
   * to every online drive, durably: on each drive, all of the rename's new names or none.
   *
   * @throws StorageException {@link StatusCode#WRITE_QUORUM_LOST} when fewer than {@code quorum}
   *     drives took it; the caller rolls back
   */
  static void writeOp(StoreCore core, byte[] opId, List<Name> names, int quorum) {
    writeFiles(
        core, OPS_DIR, List.of(HexFormat.of().formatHex(opId)), List.of(encodeOp(names)), quorum);
  }

  /** Deletes an operation file on every online drive (absent is fine). */
  static void deleteOp(StoreCore core, byte[] opId) {
    for (Drive d : core.drives.all()) {
      if (d.online()) {
        try {
          Files.deleteIfExists(d.root.resolve(OPS_DIR).resolve(HexFormat.of().formatHex(opId)));
        } catch (IOException e) {
          d.failed("rename operation delete", e);
        }
      }
    }
  }

  /**
   * After a rename's index batch committed: writes its per-object records, then deletes its
   * operation file. Never throws (the rename is done); what a failure leaves is finished at the
   * next start.
   */
  static void finish(StoreCore core, byte[] opId, List<Name> names) {
    try {
      write(core, names, 0);
      deleteOp(core, opId);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "rename records not finished, left to the next start: {0}", e);
    }
  }

  private static void writeFiles(
      StoreCore core, String subdir, List<String> files, List<byte[]> contents, int quorum) {
    if (files.isEmpty()) {
      return;
    }
    List<Drive> online = core.drives.all().stream().filter(Drive::online).toList();
    boolean[] ok = new boolean[online.size()];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < online.size(); i++) {
      Drive d = online.get(i);
      int slot = i;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      writeOn(core, d.root.resolve(subdir), files, contents);
                      ok[slot] = true;
                    } catch (IOException e) {
                      d.failed("rename record write", e);
                    }
                  }));
    }
    Threads.joinAll(threads); // the writes must finish before the caller decides
    int good = 0;
    for (boolean b : ok) {
      good += b ? 1 : 0;
    }
    if (good < quorum) {
      throw new StorageException(
          StatusCode.WRITE_QUORUM_LOST,
          "rename records reached " + good + " drives; " + quorum + " needed");
    }
  }

  private static void writeOn(StoreCore core, Path dir, List<String> files, List<byte[]> contents)
      throws IOException {
    Files.createDirectories(dir);
    boolean durable = core.config.durable();
    for (int i = 0; i < files.size(); i++) {
      Path dst = dir.resolve(files.get(i));
      Path tmp = dir.resolve(files.get(i) + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(contents.get(i));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    if (durable) {
      Drive.syncDirectory(dir);
    }
  }

  static byte[] encodeOp(List<Name> names) {
    byte[] body =
        MetaFormat.write(
            out -> {
              out.write(OP_MAGIC);
              out.writeByte(FORMAT);
              writeNames(out, names);
            });
    CRC32C crc = new CRC32C();
    crc.update(body);
    return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
  }

  /** Decodes an operation file; null when it is not a whole, valid one. */
  static List<Name> decodeOp(byte[] file) {
    if (file.length < OP_MAGIC.length + 1 + 4
        || !Arrays.equals(Arrays.copyOf(file, OP_MAGIC.length), OP_MAGIC)) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(file, 0, file.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(file).getInt(file.length - 4)) {
      return null;
    }
    try {
      return MetaFormat.read(
          Arrays.copyOfRange(file, OP_MAGIC.length, file.length - 4),
          in -> {
            int f = in.u8();
            if (f != 1 && f != FORMAT) {
              throw new IOException("unknown rename operation format " + f);
            }
            return readNames(in, f);
          });
    } catch (StorageException e) {
      return null;
    }
  }

  private static void writeNames(java.io.DataOutputStream out, List<Name> names)
      throws IOException {
    out.writeInt(names.size());
    for (Name n : names) {
      out.write(n.id());
      writeName(out, n);
    }
  }

  /** Bucket, key, version and (format 2) the attributes, when known, of one name. */
  private static void writeName(java.io.DataOutputStream out, Name n) throws IOException {
    MetaFormat.writeString(out, n.bucket());
    MetaFormat.writeString(out, n.key());
    out.writeLong(n.version());
    out.writeBoolean(n.attributes() != null);
    if (n.attributes() != null) {
      MetaFormat.writeMap(out, n.attributes());
    }
  }

  private static Name readName(RecordReader in, byte[] id, int format) throws IOException {
    String bucket = in.string();
    String key = in.string();
    long version = in.i64();
    Map<String, String> attributes = format >= 2 && in.bool() ? in.map() : null;
    return new Name(id, bucket, key, version, attributes);
  }

  private static List<Name> readNames(RecordReader in, int format) throws IOException {
    int n = in.i32();
    if (n < 0 || n > 10_000_000) {
      throw new IOException("bad name count " + n);
    }
    List<Name> out = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      out.add(readName(in, in.fixed(16), format));
    }
    return out;
  }

  /** Deletes the name record of reclaimed data on every online drive (absent is fine). */
  static void delete(StoreCore core, byte[] id) {
    for (Drive d : core.drives.all()) {
      if (d.online()) {
        try {
          Files.deleteIfExists(path(d, id));
        } catch (IOException e) {
          d.failed("rename record delete", e);
        }
      }
    }
  }

  /**
   * Reads every name record on the online drives (removing temporary files of interrupted writes):
   * per data id (hex), the record with the highest version.
   */
  static void readAll(StoreCore core, Map<String, Name> out) throws IOException {
    for (Drive d : core.drives.all()) {
      Path dir = d.root.resolve(DIR);
      if (!d.online() || !Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          String name = p.getFileName().toString();
          if (Files.isDirectory(p)) {
            continue;
          }
          if (name.endsWith(".tmp")) {
            Files.deleteIfExists(p);
            continue;
          }
          byte[] id;
          try {
            id = HexFormat.of().parseHex(name);
          } catch (IllegalArgumentException e) {
            continue;
          }
          Name n = id.length == 16 ? decode(id, Files.readAllBytes(p)) : null;
          if (n == null) {
            LOG.log(Level.WARNING, "skipping unreadable rename record {0}", p);
            continue;
          }
          out.merge(n.hex(), n, Renames::newer);
        }
      }
      Path ops = d.root.resolve(OPS_DIR);
      if (!Files.isDirectory(ops)) {
        continue;
      }
      try (Stream<Path> s = Files.list(ops)) {
        for (Path p : s.toList()) {
          if (p.getFileName().toString().endsWith(".tmp")) {
            Files.deleteIfExists(p);
            continue;
          }
          List<Name> names = decodeOp(Files.readAllBytes(p));
          if (names == null) {
            LOG.log(Level.WARNING, "skipping unreadable rename operation {0}", p);
            continue;
          }
          for (Name n : names) {
            out.merge(n.hex(), n, Renames::newer);
          }
        }
      }
    }
  }

  /**
   * The name record of one piece of data with the highest version on the online drives, or null
   * when none has one (operation files are not read: {@link #recover} finished them at open).
   */
  static Name named(StoreCore core, byte[] id) {
    Name best = null;
    for (Drive d : core.drives.all()) {
      if (!d.online()) {
        continue;
      }
      Path p = path(d, id);
      try {
        Name n = decode(id, Files.readAllBytes(p));
        if (n == null) {
          LOG.log(Level.WARNING, "skipping unreadable rename record {0}", p);
        } else {
          best = best == null ? n : newer(best, n);
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // not renamed, as far as this drive knows
      } catch (IOException e) {
        d.failed("rename record read", e);
      }
    }
    return best;
  }

  private static Name newer(Name a, Name b) {
    return a.version() >= b.version() ? a : b;
  }

  // ---- the pending entry of a rename in flight

  static byte[] undoKey(byte[] opId) {
    return StoreCore.garbageKey(StoreCore.RENAMING, opId);
  }

  /**
   * Commits, synced, the entry that lists the names to restore if the rename's index batch never
   * commits: per object its id, bucket, old key and the new version the rename gives it (which a
   * rollback must exceed). The rename's batch must delete {@link #undoKey}.
   */
  static void begin(StoreCore core, byte[] opId, List<Name> undo) {
    byte[] v =
        MetaFormat.write(
            out -> {
              out.writeByte(UNDO_FORMAT);
              writeNames(out, undo);
            });
    try (KvBatch b = core.kv.newBatch()) {
      b.put(core.garbage, undoKey(opId), v);
      core.kv.commit(b, KvDurability.SYNC);
    }
  }

  static List<Name> decodeUndo(byte[] v) {
    return MetaFormat.read(
        v,
        in -> {
          int f = in.u8();
          if (f != 1 && f != UNDO_FORMAT) {
            throw new IOException("unknown rename undo format " + f);
          }
          return readNames(in, f);
        });
  }

  /**
   * Restores the old names of a rename whose index batch did not commit, then removes its entry.
   * Each object gets a record {old key, a version above the one the rename wrote} on the drives
   * that are online, so it also wins over a record of the failed rename left on a drive that is
   * offline now and comes back; in the same batch that removes the entry, the index record of the
   * object (still under its old key) takes that version, so index and records agree. At the old
   * key, no other data of a higher version can exist yet, so {@code rebuild-index} makes the same
   * choice as before the rename.
   */
  static void rollback(StoreCore core, byte[] opId, List<Name> undo) {
    List<Name> restored = new ArrayList<>(undo.size());
    for (Name n : undo) {
      restored.add(
          new Name(n.id(), n.bucket(), n.key(), core.versionAbove(n.version()), n.attributes()));
    }
    write(core, restored, 0);
    deleteOp(core, opId);
    try (KvBatch b = core.kv.newBatch()) {
      for (Name n : restored) {
        ObjectMeta m = indexed(core, n);
        if (m != null) {
          long bucketId =
              MetaFormat.decodeBucket(
                      core.kv.get(core.buckets, n.bucket().getBytes(StandardCharsets.UTF_8)))
                  .id();
          b.put(
              core.objects,
              Names.objectKey(bucketId, n.key().getBytes(StandardCharsets.UTF_8)),
              MetaFormat.encodeObject(m.withVersion(n.version())));
        }
      }
      b.delete(core.garbage, undoKey(opId));
      core.kv.commit(b, KvDurability.SYNC);
    }
  }

  /**
   * At open, before any other recovery: rolls back every rename whose batch never committed (its
   * undo entry is there), then finishes those whose batch committed but whose operation file is
   * still on a drive. Returns how many it handled.
   */
  static int recover(StoreCore core) {
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    byte[] from = {StoreCore.RENAMING};
    try (KvCursor c = core.kv.scanPrefix(core.garbage, from)) {
      for (; c.valid(); c.next()) {
        keys.add(c.key());
        values.add(c.value());
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      rollback(core, Arrays.copyOfRange(keys.get(i), 1, 17), decodeUndo(values.get(i)));
    }
    // Operation files left without an undo entry belong to renames whose batch committed: write
    // the per-object records the index still agrees with, then drop the file.
    Map<String, List<Name>> ops = new java.util.TreeMap<>();
    for (Drive d : core.drives.all()) {
      Path dir = d.root.resolve(OPS_DIR);
      if (!d.online() || !Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          String name = p.getFileName().toString();
          if (name.endsWith(".tmp")) {
            Files.deleteIfExists(p);
          } else if (!ops.containsKey(name)) {
            List<Name> names = decodeOp(Files.readAllBytes(p));
            if (names != null) {
              ops.put(name, names);
            } else {
              Files.deleteIfExists(p); // a torn copy; the whole one is on other drives
            }
          }
        }
      } catch (IOException e) {
        d.failed("rename operation read", e);
      }
    }
    for (var e : ops.entrySet()) {
      List<Name> current = new ArrayList<>();
      for (Name n : e.getValue()) {
        ObjectMeta m = indexed(core, n);
        if (m != null && m.version() == n.version()) {
          current.add(n);
        }
      }
      write(core, current, 0);
      deleteOp(core, HexFormat.of().parseHex(e.getKey()));
    }
    return keys.size() + ops.size();
  }

  /** The index record at the name's key, if it is of the name's data; else null. */
  private static ObjectMeta indexed(StoreCore core, Name n) {
    byte[] bucket = core.kv.get(core.buckets, n.bucket().getBytes(StandardCharsets.UTF_8));
    if (bucket == null) {
      return null;
    }
    byte[] raw =
        core.kv.get(
            core.objects,
            Names.objectKey(
                MetaFormat.decodeBucket(bucket).id(), n.key().getBytes(StandardCharsets.UTF_8)));
    if (raw == null) {
      return null;
    }
    ObjectMeta m = MetaFormat.decodeObject(raw);
    return Arrays.equals(LocalObjectStore.reclaimId(m), n.id()) ? m : null;
  }
}
