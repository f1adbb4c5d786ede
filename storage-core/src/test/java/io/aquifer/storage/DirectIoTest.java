package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard data written with O_DIRECT: objects of every size around the alignment and block boundaries
 * read back byte for byte in both modes, the shard files are the same bytes in both, and a drive on
 * a file system without O_DIRECT (tmpfs) is buffered under AUTO and refused under ON.
 */
class DirectIoTest {
  @TempDir Path dir;

  private static final int K = 2;

  /** Sizes around every boundary of a layout with blocks of {@code b} bytes and k = 2. */
  private static List<Integer> sizes(int b) {
    List<Integer> s = new ArrayList<>();
    for (int x :
        new int[] {
          0, 1, 4095, 4096, 4097, b - 1, b, b + 1, K * b - 1, K * b, K * b + 1, 5 * K * b + 777
        }) {
      if (!s.contains(x)) {
        s.add(x);
      }
    }
    return s;
  }

  private StorageConfig config(Path root, int blockSize, DirectIo mode) {
    return TestStores.shardConfig(root, 4, K, 2).withBlockSize(blockSize).withDirectIo(mode);
  }

  private static void roundTrip(ObjectStore s, String key, byte[] data) {
    s.put("direct", key, data, PutOptions.DEFAULT);
    assertArrayEquals(data, TestStores.readAll(s, "direct", key), key);
    if (data.length > 10) {
      int from = data.length / 3;
      int len = data.length / 2;
      byte[] want = java.util.Arrays.copyOfRange(data, from, from + len);
      assertArrayEquals(want, TestStores.readRange(s, "direct", key, from, len), key + " range");
    }
  }

  @Test
  void everySizeAroundTheBoundariesReadsBackInBothModes() {
    for (DirectIo mode : new DirectIo[] {DirectIo.ON, DirectIo.OFF}) {
      for (int b : new int[] {4096, 64 << 10}) {
        Path root = dir.resolve(mode + "-" + b);
        StorageConfig c = config(root, b, mode);
        try (ObjectStore s = ObjectStores.open(c)) {
          s.createBucket("direct");
          LocalObjectStore local = (LocalObjectStore) s;
          assertEquals(mode == DirectIo.ON, local.core().drives.get(0).direct());
          for (int size : sizes(b)) {
            roundTrip(s, "k-" + size, TestStores.random(size, size));
          }
        }
        // and after a restart, through a fresh page cache view of the same files
        try (ObjectStore s = ObjectStores.open(c)) {
          for (int size : sizes(b)) {
            assertArrayEquals(
                TestStores.random(size, size), TestStores.readAll(s, "direct", "k-" + size));
          }
        }
      }
    }
  }

  @Test
  void a64MiBObjectWithMiBBlocksReadsBackInBothModes() {
    byte[] data = TestStores.random(64, 64 << 20);
    for (DirectIo mode : new DirectIo[] {DirectIo.ON, DirectIo.OFF}) {
      StorageConfig c = config(dir.resolve("big-" + mode), 1 << 20, mode);
      try (ObjectStore s = ObjectStores.open(c)) {
        s.createBucket("direct");
        roundTrip(s, "big", data);
      }
    }
  }

  /** The one object's k + m shard files, in shard order. */
  private static List<Path> shards(StorageConfig c) throws IOException {
    List<Path> files = new ArrayList<>(TestStores.shardFiles(c));
    files.sort(
        Comparator.comparingInt(
            p -> Integer.parseInt(p.getFileName().toString().replaceAll(".*\\.", ""))));
    return files;
  }

  @Test
  void shardFilesAreTheSameBytesInBothModes() throws IOException {
    int b = 64 << 10;
    for (int size : new int[] {0, 5000, b + 1, 3 * K * b + 4097}) {
      byte[] data = TestStores.random(size, size);
      List<List<Path>> files = new ArrayList<>();
      List<StorageConfig> configs = new ArrayList<>();
      for (DirectIo mode : new DirectIo[] {DirectIo.ON, DirectIo.OFF}) {
        StorageConfig c = config(dir.resolve("same-" + size + "-" + mode), b, mode);
        try (ObjectStore s = ObjectStores.open(c)) {
          s.createBucket("direct");
          s.put("direct", "same", data, PutOptions.DEFAULT.withContentType("text/x-same"));
        }
        configs.add(c);
        files.add(shards(c));
      }
      assertEquals(K + 2, files.get(0).size());
      assertEquals(K + 2, files.get(1).size());
      for (int i = 0; i < K + 2; i++) {
        Path direct = files.get(0).get(i);
        Path buffered = files.get(1).get(i);
        assertEquals(Files.size(buffered), Files.size(direct), "size of shard " + i);
        try (FileChannel d = FileChannel.open(direct, StandardOpenOption.READ);
            FileChannel f = FileChannel.open(buffered, StandardOpenOption.READ)) {
          ShardFormat.Header hd = ShardFormat.readHeader(d);
          ShardFormat.Header hf = ShardFormat.readHeader(f);
          assertEquals(hf.length(), hd.length());
          assertEquals(i, hd.shard());
          assertEquals("same", hd.key());
          assertEquals(b, hd.blockSize());
          ShardFormat.Trailer td = ShardFormat.readTrailer(d);
          ShardFormat.Trailer tf = ShardFormat.readTrailer(f);
          assertNotNull(td, "direct shard " + i + " has its trailer");
          assertEquals(tf.size(), td.size());
          assertEquals(tf.etag(), td.etag());
          assertEquals("text/x-same", td.contentType());
          // the blocks and their checksums: everything between header and trailer
          long end = Files.size(direct) - trailerLength(d);
          assertEquals(end, Files.size(buffered) - trailerLength(f));
          assertArrayEquals(
              bytes(f, hf.length(), end), bytes(d, hd.length(), end), "blocks of shard " + i);
        }
      }
    }
  }

  private static long trailerLength(FileChannel ch) throws IOException {
    ByteBuffer tail = ByteBuffer.allocate(ShardFormat.TRAILER_TAIL);
    ch.read(tail, ch.size() - ShardFormat.TRAILER_TAIL);
    return tail.getInt(0) + (long) ShardFormat.TRAILER_TAIL;
  }

  private static byte[] bytes(FileChannel ch, long from, long to) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) (to - from));
    while (b.hasRemaining()) {
      if (ch.read(b, from + b.position()) < 0) {
        throw new IOException("short shard file");
      }
    }
    return b.array();
  }

  @Test
  void drivesOnTmpfsFollowTheProbeAndMixedShardsReadBack() throws IOException {
    // tmpfs takes O_DIRECT since Linux 6.6 (earlier kernels refuse it): whichever it does here,
    // the drives on it use what the probe found, next to direct drives on the test directory
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "aquifer-direct-test");
    try {
      boolean shmDirect;
      try (FileChannel ch =
          FileChannel.open(
              shm.resolve("probe"),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              Drive.directOption())) {
        shmDirect = ch.isOpen();
      } catch (IOException e) {
        shmDirect = false;
      }
      Files.deleteIfExists(shm.resolve("probe"));
      MixedDrives.check(shm, dir.resolve("ext"), shmDirect);
    } finally {
      TestStores.deleteTree(shm);
    }
  }

  /**
   * ramfs refuses O_DIRECT on every kernel. It is mounted in a private mount namespace ({@code
   * unshare -m}, so nobody else sees it) around a child JVM that runs {@link MixedDrives}: drives
   * on it are buffered under AUTO, and the open fails under ON. Needs root, as the node's own
   * systemd unit does not.
   */
  @Test
  void aDriveThatRefusesDirectIsBufferedUnderAutoAndFailsTheOpenUnderOn() throws Exception {
    Path ramfs = Files.createDirectories(dir.resolve("ramfs"));
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount -t ramfs ramfs \"$0\" && exec \"$@\"",
            ramfs.toString(),
            javaBin,
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            MixedDrives.class.getName(),
            ramfs.toString(),
            dir.resolve("ext").toString());
    Path err = dir.resolve("child.err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(false)
            .redirectError(ProcessBuilder.Redirect.to(err.toFile()))
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String log = Files.readString(err);
    assertEquals(0, rc, "child failed:\n" + out + log);
    assertTrue(out.contains("MIXED OK"), out);
    assertTrue(log.contains("buffered writes (its file system refuses O_DIRECT"), log);
  }
}
