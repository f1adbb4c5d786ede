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
 * {@code "AQRN" format bucket key version crc32c}. It says "the data {@code <id>} is the object
 * {@code bucket/key} at {@code version}", and in {@code rebuild-index} it replaces the key and
 * version taken from the shard headers and trailers (or the manifest); the newest version per key
 * still wins, and across drives the record with the highest version wins. A record is written to a
 * temporary file, synced and renamed over the previous one, so each drive holds a whole old or a
 * whole new record. It is removed after the data it names is reclaimed (after, so that a crash in
 * between leaves an orphan record that {@code rebuild-index} ignores and deletes, never data that
 * reappears under its first key).
 *
 * <p>A rename first commits (synced) a {@code garbage} entry {@code N}+op id that lists, for every
 * object it moves, the key and version it had; then writes the new name records; then commits the
 * index batch, which removes the {@code N} entry. An {@code N} entry found when the store opens is
 * a rename whose batch never committed: the records are rolled back to the listed (old) names
 * before anything else runs. So after a crash the index and the records agree on the old name, or
 * (batch committed) both on the new one.
 */
final class Renames {
  private static final System.Logger LOG = System.getLogger(Renames.class.getName());

  static final String DIR = "renames";
  private static final byte[] MAGIC = {'A', 'Q', 'R', 'N'};
  private static final int FORMAT = 1;
  private static final int UNDO_FORMAT = 1;

  private Renames() {}

  /**
   * The name of one piece of data.
   *
   * @param id the reclaim id (data id or manifest id)
   */
  record Name(byte[] id, String bucket, String key, long version) {
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
              MetaFormat.writeString(out, n.bucket());
              MetaFormat.writeString(out, n.key());
              out.writeLong(n.version());
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
            int f = in.readUnsignedByte();
            if (f != FORMAT) {
              throw new IOException("unknown rename record format " + f);
            }
            return new Name(
                id, MetaFormat.readString(in), MetaFormat.readString(in), in.readLong());
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
    if (names.isEmpty()) {
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
                      writeOn(core, d, names);
                      ok[slot] = true;
                    } catch (IOException e) {
                      d.failed("rename record write", e);
                    }
                  }));
    }
    join(threads);
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

  private static void writeOn(StoreCore core, Drive d, List<Name> names) throws IOException {
    Path dir = d.root.resolve(DIR);
    Files.createDirectories(dir);
    boolean durable = core.config.durable();
    for (Name n : names) {
      Path dst = dir.resolve(n.hex());
      Path tmp = dir.resolve(n.hex() + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(encode(n));
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
          out.merge(n.hex(), n, (a, b) -> a.version() >= b.version() ? a : b);
        }
      }
    }
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
              out.writeInt(undo.size());
              for (Name n : undo) {
                out.write(n.id());
                MetaFormat.writeString(out, n.bucket());
                MetaFormat.writeString(out, n.key());
                out.writeLong(n.version());
              }
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
          int f = in.readUnsignedByte();
          if (f != UNDO_FORMAT) {
            throw new IOException("unknown rename undo format " + f);
          }
          int n = in.readInt();
          List<Name> out = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            byte[] id = in.readNBytes(16);
            out.add(
                new Name(id, MetaFormat.readString(in), MetaFormat.readString(in), in.readLong()));
          }
          return out;
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
      restored.add(new Name(n.id(), n.bucket(), n.key(), core.versionAbove(n.version())));
    }
    write(core, restored, 0);
    try (KvBatch b = core.kv.newBatch()) {
      for (Name n : restored) {
        byte[] bucket = core.kv.get(core.buckets, n.bucket().getBytes(StandardCharsets.UTF_8));
        if (bucket == null) {
          continue;
        }
        byte[] okey =
            Names.objectKey(
                MetaFormat.decodeBucket(bucket).id(), n.key().getBytes(StandardCharsets.UTF_8));
        byte[] raw = core.kv.get(core.objects, okey);
        if (raw != null) {
          ObjectMeta m = MetaFormat.decodeObject(raw);
          if (Arrays.equals(LocalObjectStore.reclaimId(m), n.id())) {
            b.put(core.objects, okey, MetaFormat.encodeObject(m.withVersion(n.version())));
          }
        }
      }
      b.delete(core.garbage, undoKey(opId));
      core.kv.commit(b, KvDurability.SYNC);
    }
  }

  /** Rolls back every rename that was in flight when the store last stopped; at open. */
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
    return keys.size();
  }

  private static void join(List<Thread> threads) {
    boolean interrupted = false;
    for (Thread t : threads) {
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the writes must finish before the caller decides
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
