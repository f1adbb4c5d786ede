package io.aquifer.storage;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One drive directory. Shard files live under {@code objects/xx/<id>.<shard>}, where {@code xx} is
 * the first byte of the id in hex; names come only from ids, never from keys. A drive that fails
 * I/O is taken out of service: it reports {@link DriveState#FAULTY} (or {@link DriveState#MISSING}
 * when its directory vanished) and callers skip it.
 */
final class Drive {
  private static final System.Logger LOG = System.getLogger(Drive.class.getName());

  static final String IDENTITY_FILE = "aquifer-drive.properties";

  /**
   * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module jdk.unsupported), looked up by name:
   * the compiler warns on a direct reference, and the build treats warnings as errors. Null when
   * the runtime lacks it.
   */
  private static final OpenOption DIRECT = lookUpDirect();

  private static OpenOption lookUpDirect() {
    try {
      return (OpenOption)
          Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  /** The {@code O_DIRECT} open option; throws when the runtime lacks it. */
  static OpenOption directOption() {
    if (DIRECT == null) {
      throw new UnsupportedOperationException(
          "this Java runtime has no com.sun.nio.file.ExtendedOpenOption.DIRECT");
    }
    return DIRECT;
  }

  final int index;
  final Path root;
  private final Consumer<Drive> onStateChange;
  private volatile DriveState state;
  private volatile String reason;
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean direct;

  /** Reads of shard blocks from this drive (see {@link StripeFetcher}). */
  final DriveReads reads = new DriveReads();

  Drive(int index, Path root, DriveState state, String reason, Consumer<Drive> onStateChange) {
    this.index = index;
    this.root = root;
    this.state = state;
    this.reason = reason;
    this.onStateChange = onStateChange;
  }

  boolean online() {
    return state == DriveState.ONLINE;
  }

  DriveState state() {
    return state;
  }

  String reason() {
    return reason;
  }

  long errors() {
    return errors.get();
  }

  Path shardPath(byte[] id, int shard) {
    String hex = HexFormat.of().formatHex(id);
    return root.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex + "." + shard);
  }

  Path manifestPath(byte[] id) {
    return root.resolve("manifests").resolve(HexFormat.of().formatHex(id));
  }

  Path bucketMarker(String bucket) {
    return root.resolve("buckets").resolve(bucket);
  }

  /** Creates a new shard file for writing; fails if it exists. */
  FileChannel createShard(byte[] id, int shard) throws IOException {
    return FileChannel.open(
        shardPath(id, shard),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE,
        StandardOpenOption.READ);
  }

  /**
   * Whether shard data on this drive is written with {@code O_DIRECT} (see {@link #probeDirect}).
   */
  boolean direct() {
    return direct;
  }

  /** Sets the write mode found by {@link #probeDirect} (or forced off). */
  void useDirect(boolean on) {
    direct = on;
  }

  /**
   * Creates a new shard file opened with {@code O_DIRECT} for its aligned data; fails if it exists.
   * Writes through it must be aligned to {@link ShardOutput#ALIGN} in offset, length and address.
   */
  FileChannel createDirectShard(byte[] id, int shard) throws IOException {
    return FileChannel.open(
        shardPath(id, shard),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE,
        directOption());
  }

  /**
   * Tries {@code O_DIRECT} on this drive's file system: creates a probe file with it, writes one
   * aligned block at an aligned non-zero offset, and deletes the file.
   *
   * @return null when direct writes work, else why not
   */
  String probeDirect() {
    Path probe = root.resolve(".direct-probe");
    try {
      Files.deleteIfExists(probe);
      ByteBuffer b =
          ByteBuffer.allocateDirect(2 * ShardOutput.ALIGN).alignedSlice(ShardOutput.ALIGN);
      b.limit(ShardOutput.ALIGN);
      try (FileChannel ch =
          FileChannel.open(
              probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, directOption())) {
        while (b.hasRemaining()) {
          ch.write(b, ShardOutput.ALIGN + b.position());
        }
      }
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      return e.toString();
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // a leftover probe file is harmless: the next probe deletes it
      }
    }
  }

  /** Opens a shard file for reading. */
  FileChannel openShard(byte[] id, int shard) throws IOException {
    return FileChannel.open(shardPath(id, shard), StandardOpenOption.READ);
  }

  /** Deletes a shard file; absent is fine. */
  void deleteShard(byte[] id, int shard) throws IOException {
    Files.deleteIfExists(shardPath(id, shard));
  }

  /** Forces a directory entry (a created, renamed or deleted file) to stable storage. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Records an I/O failure. A missing file is not a drive failure; anything else takes the drive
   * out of service: MISSING when its root is gone, FAULTY otherwise.
   */
  void failed(String what, Throwable e) {
    if (e instanceof NoSuchFileException && Files.isDirectory(root.resolve("objects"))) {
      return;
    }
    errors.incrementAndGet();
    if (state != DriveState.ONLINE) {
      return;
    }
    synchronized (this) {
      if (state != DriveState.ONLINE) {
        return;
      }
      boolean gone = !Files.isDirectory(root.resolve("objects"));
      state = gone ? DriveState.MISSING : DriveState.FAULTY;
      reason = (gone ? "directory disappeared" : "I/O error") + " during " + what + ": " + e;
    }
    LOG.log(Level.WARNING, "drive {0} ({1}) taken out of service: {2}", index, root, reason);
    onStateChange.accept(this);
  }

  DriveStatus status() {
    long total = -1;
    long free = -1;
    try {
      var store = Files.getFileStore(root);
      total = store.getTotalSpace();
      free = store.getUsableSpace();
    } catch (IOException | RuntimeException e) {
      // unknown capacity: the drive is absent or unreadable, which its state already says
    }
    return new DriveStatus(index, root, state, reason, errors.get(), total, free, reads.snapshot());
  }
}
