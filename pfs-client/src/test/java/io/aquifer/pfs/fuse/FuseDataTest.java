package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** File data through the mount: large files byte-exact, concurrent readers, O_TRUNC. */
@Timeout(180)
class FuseDataTest {
  private static final int MIB = 1 << 20;

  @TempDir Path tmp;
  private TestMount m;

  @BeforeEach
  void mount() throws Exception {
    m = TestMount.mount(Files.createDirectory(tmp.resolve("mnt")));
  }

  @AfterEach
  void unmount() throws Exception {
    m.close();
  }

  /** Deterministic bytes for chunk {@code i} of a file. */
  private static byte[] chunk(long seed, int i, int size) {
    byte[] b = new byte[size];
    new Random(seed * 31 + i).nextBytes(b);
    return b;
  }

  private static void writeFile(Path p, long seed, int chunks) throws Exception {
    try (FileChannel ch =
        FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < chunks; i++) {
        ByteBuffer b = ByteBuffer.wrap(chunk(seed, i, MIB));
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    }
  }

  @Test
  void sixtyFourMebibyteFileReadsBackByteExact() throws Exception {
    Path f = m.path("big.bin");
    writeFile(f, 7, 64);
    assertEquals(64L * MIB, Files.size(f));
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(MIB);
      for (int i = 0; i < 64; i++) {
        b.clear();
        while (b.hasRemaining() && ch.read(b) > 0) {}
        byte[] want = chunk(7, i, MIB);
        assertArrayEquals(want, b.array(), "chunk " + i);
        expected.update(want);
      }
      b.clear();
      assertEquals(-1, ch.read(b), "end of file");
    }
    TestMount.Result sum = TestMount.run("sha256sum", f.toString());
    assertEquals(0, sum.status(), sum.toString());
    assertEquals(HexFormat.of().formatHex(expected.digest()), sum.out().split(" ")[0]);
    assertEquals(MIB, m.fs.maxWriteSeen.get(), "1 MiB writes reach the file system whole");
  }

  @Test
  void ddReadsWhatDdWrote() throws Exception {
    Path local = tmp.resolve("local.bin");
    writeFile(local, 3, 16);
    Path f = m.path("copy.bin");
    TestMount.Result in =
        TestMount.run("dd", "if=" + local, "of=" + f, "bs=1M", "conv=fsync", "status=none");
    assertEquals(0, in.status(), in.toString());
    Path back = tmp.resolve("back.bin");
    TestMount.Result out = TestMount.run("dd", "if=" + f, "of=" + back, "bs=1M", "status=none");
    assertEquals(0, out.status(), out.toString());
    assertEquals(-1L, Files.mismatch(local, back));
    assertEquals(0, TestMount.run("cmp", local.toString(), f.toString()).status());
  }

  @Test
  void concurrentReadersOfOneLargeFileGetExactBytes() throws Exception {
    // DIRECT_IO: every read reaches the file system, so the workers serve the readers at once
    Path f = m.path("shared" + MemFs.DIRECT);
    writeFile(f, 11, 32);
    int readers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        int reader = r;
        results.add(
            pool.submit(
                () -> {
                  Random rnd = new Random(reader);
                  int checked = 0;
                  try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    for (int n = 0; n < 48; n++) {
                      int i = (reader + n * 7) % 32; // each reader walks the chunks differently
                      int off = rnd.nextInt(MIB / 2);
                      int len = 1 + rnd.nextInt(MIB - off);
                      ByteBuffer b = ByteBuffer.allocate(len);
                      long pos = (long) i * MIB + off;
                      while (b.hasRemaining()) {
                        int got = ch.read(b, pos + b.position());
                        assertTrue(got > 0, "short read at " + pos);
                      }
                      byte[] want = chunk(11, i, MIB);
                      assertArrayEquals(
                          java.util.Arrays.copyOfRange(want, off, off + len),
                          b.array(),
                          "reader " + reader + " chunk " + i + " at " + off);
                      checked++;
                    }
                  }
                  return checked;
                }));
      }
      for (Future<Integer> r : results) {
        assertEquals(48, r.get(120, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sequentialReadsArriveAsOneMebibyteRequests() throws Exception {
    byte[] data = new byte[16 * MIB];
    new Random(5).nextBytes(data);
    m.fs.putFile("cold.bin", data); // not in the page cache: every byte is READ from the fs
    Path copy = tmp.resolve("cold.copy");
    TestMount.Result dd =
        TestMount.run("dd", "if=" + m.path("cold.bin"), "of=" + copy, "bs=1M", "status=none");
    assertEquals(0, dd.status(), dd.toString());
    assertArrayEquals(data, Files.readAllBytes(copy));
    if (Libc.getuid() == 0) { // readahead is raised to 1 MiB through sysfs, which needs root
      assertEquals(MIB, m.fs.maxReadSeen.get(), "largest READ");
      assertTrue(m.fs.reads.get() <= 20, m.fs.reads + " READs for 16 MiB");
    }
  }

  @Test
  void writesDoNotAskForXattrsEachTime() throws Exception {
    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger(FuseWorker.class.getName());
    java.util.concurrent.atomic.AtomicInteger getxattr =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger requests =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.logging.Handler count =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord record) {
            requests.incrementAndGet();
            if (record.getMessage().startsWith("fuse: getxattr ")) {
              getxattr.incrementAndGet();
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    m.close();
    m =
        TestMount.mount(
            tmp.resolve("mnt"),
            FuseMountOptions.defaults().withName("memfs", "memfs").withDebug(true));
    logger.addHandler(count);
    try {
      TestMount.Result dd =
          TestMount.run(
              "dd", "if=/dev/zero", "of=" + m.path("z"), "bs=1M", "count=16", "status=none");
      assertEquals(0, dd.status(), dd.toString());
      TestMount.Result ls = TestMount.run("ls", "-l", m.dir.toString());
      assertEquals(0, ls.status(), ls.toString());
    } finally {
      logger.removeHandler(count);
    }
    assertEquals(16, m.fs.writes.get());
    assertTrue(requests.get() >= 16, "the debug log saw the requests");
    assertTrue(getxattr.get() <= 1, getxattr + " GETXATTR for 16 writes and an ls -l");
  }

  @Test
  void writebackCacheRoundTrip() throws Exception {
    m.close();
    m =
        TestMount.mount(
            tmp.resolve("mnt"),
            FuseMountOptions.defaults().withName("memfs", "memfs").withWritebackCache(true));
    assertTrue(m.mount.init().writebackCache(), m.mount.init().toString());
    Path f = m.path("wb.bin");
    writeFile(f, 13, 8);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(
          ByteBuffer.wrap("patched".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 100);
      ch.force(true);
    }
    byte[] want = new byte[8 * MIB];
    for (int i = 0; i < 8; i++) {
      System.arraycopy(chunk(13, i, MIB), 0, want, i * MIB, MIB);
    }
    System.arraycopy(
        "patched".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, want, 100, 7);
    Path copy = tmp.resolve("wb.copy");
    assertEquals(0, TestMount.run("cp", f.toString(), copy.toString()).status());
    assertArrayEquals(want, Files.readAllBytes(copy));
    assertEquals(
        8L * MIB, m.fs.getattr(m.fs.lookup(FuseOps.ROOT, "wb.bin").ino(), -1).attr().size());
  }

  @Test
  void openWithTruncateReplacesContent() throws Exception {
    Path f = m.path("t.txt");
    Files.writeString(f, "a long first version of the content");
    Files.writeString(f, "short"); // O_TRUNC, answered by open (ATOMIC_O_TRUNC)
    assertEquals("short", Files.readString(f));
    assertEquals(5, Files.size(f));
    TestMount.Result cat = TestMount.run("cat", f.toString());
    assertEquals("short", cat.out());
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(2); // SETATTR size
    }
    assertEquals("sh", Files.readString(f));
  }
}
