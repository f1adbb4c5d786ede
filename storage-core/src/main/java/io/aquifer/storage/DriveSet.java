package io.aquifer.storage;

import io.aquifer.kv.KvStore;
import io.aquifer.kv.KvTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The node's drives: identifies each at start, formats new and replacement drives, persists faulty
 * states, and places shards.
 *
 * <p>Each drive holds {@code aquifer-drive.properties} naming the store and its position. At start
 * a drive is MISSING when its directory is absent, FAULTY when it belongs to another store or
 * position or was faulty before, and formatted as a replacement when it is an empty directory.
 */
final class DriveSet {
  private static final System.Logger LOG = System.getLogger(DriveSet.class.getName());
  private static final String STATE_KEY = "drive-state/";

  private final List<Drive> drives = new ArrayList<>();
  private final KvStore kv;
  private final KvTable system;
  private final List<Integer> replaced = new ArrayList<>();

  private DriveSet(KvStore kv, KvTable system) {
    this.kv = kv;
    this.system = system;
  }

  /**
   * Identifies the drives.
   *
   * @param storeId this store's id
   * @param newStore whether the store is being created now (drives may then be created)
   */
  static DriveSet open(
      List<Path> paths, String storeId, boolean newStore, KvStore kv, KvTable system) {
    DriveSet set = new DriveSet(kv, system);
    for (int i = 0; i < paths.size(); i++) {
      set.drives.add(set.identify(i, paths.get(i), storeId, newStore));
    }
    return set;
  }

  /**
   * Chooses each online drive's write mode for shard data and logs it, one line per drive: under
   * {@link DirectIo#AUTO} direct where the probe succeeds, buffered elsewhere; under {@link
   * DirectIo#ON} a drive that refuses direct writes fails the open.
   *
   * @throws StorageException (DRIVE_IO_ERROR) under ON when an online drive refuses O_DIRECT
   */
  void configureDirect(DirectIo mode) {
    for (Drive d : drives) {
      if (!d.online()) {
        continue;
      }
      if (mode == DirectIo.OFF) {
        d.useDirect(false);
        LOG.log(Level.INFO, "drive {0} ({1}): buffered writes (direct-io off)", d.index, d.root);
        continue;
      }
      String refused = d.probeDirect();
      if (refused == null) {
        d.useDirect(true);
        LOG.log(
            Level.INFO,
            "drive {0} ({1}): direct writes (O_DIRECT probe succeeded, direct-io {2})",
            d.index,
            d.root,
            mode.name().toLowerCase(java.util.Locale.ROOT));
      } else if (mode == DirectIo.ON) {
        throw new StorageException(
            StatusCode.DRIVE_IO_ERROR,
            "direct-io is on but drive "
                + d.index
                + " ("
                + d.root
                + ") refuses O_DIRECT: "
                + refused
                + "; use direct-io auto or off for this file system");
      } else {
        d.useDirect(false);
        LOG.log(
            Level.INFO,
            "drive {0} ({1}): buffered writes (its file system refuses O_DIRECT: {2})",
            d.index,
            d.root,
            refused);
      }
    }
  }

  /** Reads the store id recorded on any drive, or null when no drive has one. */
  static String storeIdOnDrives(List<Path> paths) {
    for (Path p : paths) {
      Properties id = readIdentity(p);
      if (id != null) {
        return id.getProperty("store");
      }
    }
    return null;
  }

  private Drive identify(int i, Path root, String storeId, boolean newStore) {
    byte[] persisted = kv.get(system, (STATE_KEY + i).getBytes(StandardCharsets.UTF_8));
    try {
      if (!Files.isDirectory(root)) {
        if (!newStore) {
          return report(i, root, DriveState.MISSING, "directory does not exist");
        }
        Files.createDirectories(root);
      }
      Properties id = readIdentity(root);
      if (id == null) {
        boolean empty;
        try (var list = Files.list(root)) {
          empty = list.findAny().isEmpty();
        }
        if (!empty) {
          return report(
              i, root, DriveState.FAULTY, "not empty and not an Aquifer drive; refusing to use it");
        }
        format(root, storeId, i);
        if (!newStore) {
          replaced.add(i);
          LOG.log(Level.WARNING, "drive {0} ({1}) is a new, empty replacement: formatted", i, root);
        }
        clearPersisted(i);
        return new Drive(i, root, DriveState.ONLINE, "", this::persist);
      }
      if (!storeId.equals(id.getProperty("store"))) {
        return report(
            i,
            root,
            DriveState.FAULTY,
            "belongs to another store (" + id.getProperty("store") + ")");
      }
      if (!String.valueOf(i).equals(id.getProperty("index"))) {
        return report(
            i,
            root,
            DriveState.FAULTY,
            "is drive " + id.getProperty("index") + " of this store, configured as " + i);
      }
      if (persisted != null) {
        String[] s = new String(persisted, StandardCharsets.UTF_8).split("\n", 2);
        return report(i, root, DriveState.valueOf(s[0]), s.length > 1 ? s[1] : "");
      }
      return new Drive(i, root, DriveState.ONLINE, "", this::persist);
    } catch (IOException | UncheckedIOException e) {
      return report(i, root, DriveState.FAULTY, "cannot be read: " + e);
    }
  }

  private Drive report(int i, Path root, DriveState state, String why) {
    LOG.log(Level.WARNING, "drive {0} ({1}) is {2}: {3}", i, root, state, why);
    return new Drive(i, root, state, why, this::persist);
  }

  private static Properties readIdentity(Path root) {
    Path f = root.resolve(Drive.IDENTITY_FILE);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    var p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** Writes the identity file and the directory skeleton, durably. */
  static void format(Path root, String storeId, int index) throws IOException {
    Path objects = root.resolve("objects");
    for (int b = 0; b < 256; b++) {
      Files.createDirectories(objects.resolve(String.format("%02x", b)));
    }
    Files.createDirectories(root.resolve("manifests"));
    Files.createDirectories(root.resolve("buckets"));
    var p = new Properties();
    p.setProperty("format", "1");
    p.setProperty("store", storeId);
    p.setProperty("index", String.valueOf(index));
    Path tmp = root.resolve(Drive.IDENTITY_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "Aquifer drive identity: do not edit");
    }
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(
        tmp, root.resolve(Drive.IDENTITY_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Drive.syncDirectory(root);
  }

  private void persist(Drive d) {
    if (d.state() == DriveState.FAULTY) {
      kv.put(
          system,
          (STATE_KEY + d.index).getBytes(StandardCharsets.UTF_8),
          (d.state() + "\n" + d.reason()).getBytes(StandardCharsets.UTF_8));
    }
  }

  private void clearPersisted(int i) {
    kv.delete(system, (STATE_KEY + i).getBytes(StandardCharsets.UTF_8));
  }

  List<Drive> all() {
    return drives;
  }

  Drive get(int i) {
    return drives.get(i);
  }

  int size() {
    return drives.size();
  }

  int online() {
    int n = 0;
    for (Drive d : drives) {
      n += d.online() ? 1 : 0;
    }
    return n;
  }

  /** Drives formatted as replacements at start; their shards need healing. */
  List<Integer> replaced() {
    return replaced;
  }

  /**
   * Places the k + m shards of a new piece of data: shard i on drive (i + rotation) mod N, the
   * rotation taken from the id so load spreads over all drives.
   */
  int[] place(byte[] id, int shards) {
    int n = drives.size();
    int rotation = Math.floorMod(((id[0] & 0xff) << 8) | (id[1] & 0xff), n);
    int[] out = new int[shards];
    for (int i = 0; i < shards; i++) {
      out[i] = (i + rotation) % n;
    }
    return out;
  }
}
