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
