package io.aquifer.pfs.fuse;

import static io.aquifer.pfs.fuse.FsFixture.BUCKET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.pfs.FileService;
import io.aquifer.pfs.FileServiceConfig;
import io.aquifer.pfs.LeakCheckExtension;
import io.aquifer.pfs.PfsFixture;
import io.aquifer.storage.ListQuery;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * AquiferFs on a real FUSE mount, driven through java.nio.file and ordinary processes (cat, dd, cp,
 * mv, ls, stat, ln, truncate, chmod, chown, sync), over a real store and TCP file service.
 */
@Timeout(300)
@ExtendWith(LeakCheckExtension.class)
class AquiferMountTest {
  @TempDir Path tmp;
  private FsFixture fx;
  private final List<FuseMount> mounts = new ArrayList<>();
  private Path mnt;
  private AquiferFs fs;

  @BeforeEach
  void open() throws Exception {
    fx = new FsFixture(FileServiceConfig.defaults().withMaxRenameEntries(50));
    mnt = mount(AquiferFsOptions.defaults(BUCKET));
  }

  private Path mount(AquiferFsOptions options) throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("mnt" + mounts.size()));
    AquiferFs f = fx.mount(options);
    if (fs == null) {
      fs = f;
    }
    mounts.add(FuseMount.mount(dir, f, FuseMountOptions.defaults()));
    return dir;
  }

  @AfterEach
  void close() throws Exception {
    try {
      for (FuseMount m : mounts) {
        unmount(m);
      }
    } finally {
      fx.close();
    }
  }

  /** Unmounts; if that fails or hangs, detaches lazily so no mount is left behind. */
  private static void unmount(FuseMount m) throws IOException {
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              try {
                m.close();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      closing.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      new ProcessBuilder("umount", "-l", m.mountPoint().toString()).inheritIO().start();
      throw new IOException("unmount of " + m.mountPoint() + " failed; detached it lazily", e);
    }
  }

  private static String sh(String... command) throws Exception {
    TestMount.Result r = TestMount.run(command);
    assertEquals(0, r.status(), String.join(" ", command) + ": " + r);
    return r.out();
  }

  private List<String> keys() {
    List<String> out = new ArrayList<>();
    for (ObjectInfo o :
        fx.store.list(BUCKET, new ListQuery("", null, null, null, 1000)).objects()) {
      out.add(o.key());
    }
    return out;
  }

  private boolean absent(String key) {
    try {
      fx.store.head(BUCKET, key);
      return false;
    } catch (StorageException e) {
      return true;
    }
  }

  @Test
  void objectsAndFilesAreTheSameBytesAtOnce() throws Exception {
    byte[] data = PfsFixture.random(1, 3_000_001);
    fx.store.put(BUCKET, "in/put.bin", data, PutOptions.DEFAULT);
    Path f = mnt.resolve("in/put.bin");
    assertArrayEquals(data, Files.readAllBytes(f));
    assertEquals(PfsFixture.md5(data), sh("md5sum", f.toString()).split(" ")[0]);
    assertEquals("put.bin\n", sh("ls", mnt.resolve("in").toString()));
    // written through the mount: an object with its size and MD5 at the close
    byte[] out = PfsFixture.random(2, 5 << 20);
    Files.write(mnt.resolve("in/out.bin"), out);
    ObjectInfo info = fx.store.head(BUCKET, "in/out.bin");
    assertEquals(out.length, info.size());
    assertEquals(PfsFixture.md5(out), info.etag());
    // dd, cp, cat
    sh("dd", "if=/dev/urandom", "of=" + mnt.resolve("dd.bin"), "bs=1M", "count=9", "status=none");
    byte[] dd = Files.readAllBytes(mnt.resolve("dd.bin"));
    assertEquals(9 << 20, dd.length);
    assertArrayEquals(dd, fx.object("dd.bin"));
    // above 8 MiB (FileServiceConfig's default), a checksum ETag in S3's multipart form
    String ddEtag = fx.store.head(BUCKET, "dd.bin").etag();
    assertTrue(ddEtag.matches("[0-9a-f]{32}-[0-9]+"), ddEtag);
    Path local = tmp.resolve("local.bin");
    Files.write(local, data);
    sh("cp", local.toString(), mnt.resolve("in/copy.bin").toString());
    assertArrayEquals(data, fx.object("in/copy.bin"));
    assertEquals(
        PfsFixture.md5(data),
        sh("sh", "-c", "cat " + mnt.resolve("in/copy.bin") + " | md5sum").split(" ")[0]);
    // an overwrite through the store is seen by the next open
    fx.store.put(BUCKET, "in/put.bin", new byte[] {1, 2}, PutOptions.DEFAULT);
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(f));
  }

  @Test
  void appendOverwriteAndTruncateAreByteExact() throws Exception {
    Path f = mnt.resolve("f.bin");
    byte[] model = PfsFixture.random(3, 2_500_000);
    Files.write(f, model);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      byte[] patch = PfsFixture.random(4, 100_000);
      ch.write(ByteBuffer.wrap(patch), 1_234_567);
      System.arraycopy(patch, 0, model, 1_234_567, patch.length);
    }
    assertArrayEquals(model, fx.object("f.bin"));
    byte[] tail = PfsFixture.random(5, 77_777);
    Files.write(f, tail, StandardOpenOption.APPEND);
    byte[] appended = Arrays.copyOf(model, model.length + tail.length);
    System.arraycopy(tail, 0, appended, model.length, tail.length);
    assertArrayEquals(appended, Files.readAllBytes(f));
    assertArrayEquals(appended, fx.object("f.bin"));
    sh("truncate", "-s", "4000000", f.toString());
    assertEquals(4_000_000, fx.store.head(BUCKET, "f.bin").size());
    assertArrayEquals(Arrays.copyOf(appended, 4_000_000), Files.readAllBytes(f));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(1000);
    }
    assertArrayEquals(Arrays.copyOf(appended, 1000), fx.object("f.bin"));
    assertEquals("1000\n", sh("stat", "-c", "%s", f.toString()));
    sh("truncate", "-s", "0", f.toString());
    assertEquals(0, fx.store.head(BUCKET, "f.bin").size());
  }

  @Test
  void directoriesTreesAndErrors() throws Exception {
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      deep.append(i == 0 ? "" : "/").append("level").append(i);
    }
    sh("mkdir", "-p", mnt.resolve(deep.toString()).toString());
    assertTrue(Files.isDirectory(mnt.resolve(deep.toString())));
    assertFalse(absent(deep + "/"));
    Files.writeString(mnt.resolve(deep + "/leaf"), "x");
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(mnt.resolve("level0")));
    assertThrows(
        FileAlreadyExistsException.class, () -> Files.createDirectory(mnt.resolve("level0")));
    assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(mnt.resolve("nothing")));
    Files.delete(mnt.resolve(deep + "/leaf"));
    assertTrue(absent(deep + "/leaf"));
    assertFalse(Files.exists(mnt.resolve(deep + "/leaf")));
    TestMount.Result r = TestMount.run("rmdir", mnt.resolve("level0").toString());
    assertTrue(r.err().contains("not empty"), r.toString());
    sh("rm", "-r", mnt.resolve("level0").toString());
    assertEquals(List.of(), keys());
  }

  @Test
  void tenThousandEntriesList() throws Exception {
    int files = 10_020;
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < files; i += 4) {
                    fx.store.put(
                        BUCKET,
                        String.format("many/f-%05d", i),
                        new byte[i % 3],
                        PutOptions.DEFAULT);
                  }
                }));
      }
      for (var f : done) {
        f.get();
      }
    }
    assertEquals(files + "\n", sh("sh", "-c", "ls " + mnt.resolve("many") + " | wc -l"));
    try (Stream<Path> s = Files.list(mnt.resolve("many"))) {
      assertEquals(files, s.count());
    }
    assertEquals("2\n", sh("stat", "-c", "%s", mnt.resolve("many/f-10019").toString()));
  }

  @Test
  void statChmodChownAndMtimePersistAcrossAFreshMount() throws Exception {
    Path f = mnt.resolve("owned");
    Files.writeString(f, "hello");
    sh("chmod", "640", f.toString());
    sh("chown", "123:456", f.toString());
    sh("touch", "-m", "-d", "2021-03-04 05:06:07 UTC", f.toString());
    sh("mkdir", mnt.resolve("d").toString());
    sh("chmod", "700", mnt.resolve("d").toString());
    sh("sync");
    Path other = mount(AquiferFsOptions.defaults(BUCKET));
    assertEquals(
        "5 640 123 456 1614834367\n",
        sh("stat", "-c", "%s %a %u %g %Y", other.resolve("owned").toString()));
    assertEquals("700\n", sh("stat", "-c", "%a", other.resolve("d").toString()));
    assertEquals(
        PosixFilePermissions.fromString("rw-r-----"),
        Files.getPosixFilePermissions(other.resolve("owned")));
  }

  @Test
  void symlinks() throws Exception {
    Files.createDirectory(mnt.resolve("weights"));
    Files.writeString(mnt.resolve("weights/v3.bin"), "w3");
    sh("ln", "-s", "weights/v3.bin", mnt.resolve("latest").toString());
    assertTrue(Files.isSymbolicLink(mnt.resolve("latest")));
    assertEquals("weights/v3.bin\n", sh("readlink", mnt.resolve("latest").toString()));
    assertEquals("w3", Files.readString(mnt.resolve("latest")));
    assertEquals("weights/v3.bin", new String(fx.object("latest")));
    Files.delete(mnt.resolve("latest"));
    assertTrue(absent("latest"));
    assertTrue(Files.exists(mnt.resolve("weights/v3.bin")));
  }

  @Test
  void renamesAreAtomicAndReplace() throws Exception {
    Files.writeString(mnt.resolve("a"), "new");
    Files.writeString(mnt.resolve("b"), "old");
    Files.move(
        mnt.resolve("a"),
        mnt.resolve("b"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    assertEquals("new", Files.readString(mnt.resolve("b")));
    assertTrue(absent("a"));
    assertEquals(List.of("b"), keys());
    Files.createDirectories(mnt.resolve("run/ckpt"));
    Files.writeString(mnt.resolve("run/ckpt/w"), "w");
    sh("mv", mnt.resolve("run").toString(), mnt.resolve("done").toString());
    assertEquals("w", Files.readString(mnt.resolve("done/ckpt/w")));
    assertTrue(absent("run/ckpt/w"));
    assertFalse(Files.exists(mnt.resolve("run")));
    // renameat2(RENAME_NOREPLACE) through mv -n is not portable; the kernel's own no-replace
    // path is covered in AquiferFsTest. Over the limit: EXDEV, nothing moved
    for (int i = 0; i < 60; i++) {
      fx.store.put(BUCKET, "huge/f" + i, new byte[1], PutOptions.DEFAULT);
    }
    assertThrows(
        AtomicMoveNotSupportedException.class,
        () ->
            Files.move(mnt.resolve("huge"), mnt.resolve("huge2"), StandardCopyOption.ATOMIC_MOVE));
    assertFalse(Files.exists(mnt.resolve("huge2")));
    try (Stream<Path> s = Files.list(mnt.resolve("huge"))) {
      assertEquals(60, s.count());
    }
    assertTrue(absent("huge2/f0"));
  }

  @Test
  void aFileUnlinkedWhileOpenIsReadableUntilClosed() throws Exception {
    byte[] data = PfsFixture.random(6, 4_000_000);
    Path f = mnt.resolve("scratch");
    Files.write(f, data);
    java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
    long ino = (Long) Files.getAttribute(f, "unix:ino");
    fs.onRelease(
        i -> {
          if (i == ino && keys().isEmpty()) {
            released.countDown();
          }
        });
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      ByteBuffer first = ByteBuffer.allocate(1000);
      ch.read(first, 0);
      Files.delete(f);
      assertFalse(Files.exists(f));
      assertEquals("", sh("ls", "-A", mnt.toString()));
      ByteBuffer all = ByteBuffer.allocate(data.length);
      while (all.hasRemaining() && ch.read(all, all.position()) > 0) {}
      assertArrayEquals(data, all.array());
    }
    // the kernel sends RELEASE after close(2) returns
    released.await();
    assertEquals(List.of(), keys());
  }

  @Test
  void closeToOpenBetweenTwoMountsOfOneStore() throws Exception {
    Path other = mount(AquiferFsOptions.defaults(BUCKET).withAttrTtl(Duration.ofMinutes(10)));
    Files.writeString(mnt.resolve("shared"), "one");
    assertEquals("one", Files.readString(other.resolve("shared")));
    Files.writeString(mnt.resolve("shared"), "second version");
    assertEquals("second version", Files.readString(other.resolve("shared")));
    Files.writeString(mnt.resolve("shared"), "3");
    assertEquals("3", Files.readString(other.resolve("shared")));
    assertEquals("1\n", sh("stat", "-c", "%s", other.resolve("shared").toString()));
  }

  @Test
  void zipWritersThatSeekBackAndTarTreesComeOutWhole() throws Exception {
    String script =
        "import zipfile,os\n"
            + "with zipfile.ZipFile('"
            + mnt.resolve("ck.zip")
            + "','w') as z:\n"
            + "  z.writestr('a.bin', os.urandom(3<<20))\n"
            + "  z.writestr('b.bin', os.urandom(5<<20))\n";
    sh("python3", "-c", script);
    assertTrue(sh("unzip", "-t", mnt.resolve("ck.zip").toString()).contains("No errors"));
    Path local = tmp.resolve("src");
    Files.createDirectories(local.resolve("x/y"));
    for (int i = 0; i < 200; i++) {
      Files.write(local.resolve("x/y/f" + i), PfsFixture.random(i, i * 100));
    }
    sh("touch", "-m", "-d", "2020-01-02 03:04:05 UTC", local.resolve("x/y/f7").toString());
    sh("tar", "-C", tmp.toString(), "-cf", mnt.resolve("t.tar").toString(), "src");
    Files.createDirectory(mnt.resolve("ex"));
    sh("tar", "-C", mnt.resolve("ex").toString(), "-xf", mnt.resolve("t.tar").toString());
    sh("diff", "-r", local.toString(), mnt.resolve("ex/src").toString());
    assertEquals("1577934245\n", sh("stat", "-c", "%Y", mnt.resolve("ex/src/x/y/f7").toString()));
  }

  @Test
  void concurrentReadersOfOne64MibFile() throws Exception {
    byte[] data = PfsFixture.random(7, 64 << 20);
    fx.store.put(BUCKET, "big.bin", data, PutOptions.DEFAULT);
    String md5 = PfsFixture.md5(data);
    List<CompletableFuture<String>> sums = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sums.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return sh("md5sum", mnt.resolve("big.bin").toString()).split(" ")[0];
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<String> s : sums) {
      assertEquals(md5, s.get());
    }
  }

  @Test
  void concurrentWritersOfManyFiles() throws Exception {
    List<CompletableFuture<TestMount.Result>> runs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String of = "of=" + mnt.resolve("w" + i);
      runs.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return TestMount.run(
                      "dd", "if=/dev/urandom", of, "bs=256K", "count=10", "status=none");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<TestMount.Result> r : runs) {
      assertEquals(0, r.get().status(), r.get().toString());
    }
    for (int i = 0; i < 8; i++) {
      byte[] local = Files.readAllBytes(mnt.resolve("w" + i));
      assertEquals(10 * (256 << 10), local.length);
      assertEquals(PfsFixture.md5(local), fx.store.head(BUCKET, "w" + i).etag());
    }
  }

  private static byte[] splice(byte[] base, int at, byte[] patch) {
    byte[] out = Arrays.copyOf(base, Math.max(base.length, at + patch.length));
    System.arraycopy(patch, 0, out, at, patch.length);
    return out;
  }

  private List<String> stagedKeys() {
    return keys().stream().filter(k -> k.startsWith(FileService.STAGED_PREFIX)).toList();
  }

  @Test
  void writesWithoutASpillFileAreExactInEveryFallback() throws Exception {
    // purely sequential (streamed, no spill): the object is the bytes
    Path src = tmp.resolve("seq.bin");
    byte[] seq = PfsFixture.random(31, (9 << 20) + 3);
    Files.write(src, seq);
    sh("dd", "if=" + src, "of=" + mnt.resolve("seq"), "bs=1M", "conv=fsync", "status=none");
    assertArrayEquals(seq, fx.object("seq"));
    byte[] data = PfsFixture.random(32, 3 << 20);
    byte[] patch = PfsFixture.random(33, 5000);
    byte[] more = PfsFixture.random(34, 70_000);
    // seek back and overwrite streamed bytes, then go on appending
    try (FileChannel ch =
        FileChannel.open(
            mnt.resolve("back"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
      ch.write(ByteBuffer.wrap(patch), 100);
      ch.write(ByteBuffer.wrap(more), data.length);
    }
    assertArrayEquals(splice(splice(data, 100, patch), data.length, more), fx.object("back"));
    // read the file while it is written, through another handle
    try (FileChannel w =
            FileChannel.open(
                mnt.resolve("read"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileChannel r = FileChannel.open(mnt.resolve("read"), StandardOpenOption.READ)) {
      w.write(ByteBuffer.wrap(data));
      ByteBuffer got = ByteBuffer.allocate(data.length);
      while (got.hasRemaining() && r.read(got, got.position()) > 0) {}
      assertArrayEquals(data, got.array(), "the bytes written so far");
      w.write(ByteBuffer.wrap(more));
    }
    assertArrayEquals(splice(data, data.length, more), fx.object("read"));
    // truncate into the streamed bytes, then append
    try (FileChannel ch =
        FileChannel.open(mnt.resolve("cut"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
      ch.truncate(2_000_000);
      ch.write(ByteBuffer.wrap(more), 2_000_000);
    }
    assertArrayEquals(splice(Arrays.copyOf(data, 2_000_000), 2_000_000, more), fx.object("cut"));
    // two handles writing one file
    try (FileChannel a =
            FileChannel.open(
                mnt.resolve("two"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileChannel b = FileChannel.open(mnt.resolve("two"), StandardOpenOption.WRITE)) {
      a.write(ByteBuffer.wrap(data));
      b.write(ByteBuffer.wrap(more), data.length);
      a.write(ByteBuffer.wrap(patch), 0);
    }
    assertArrayEquals(splice(splice(data, data.length, more), 0, patch), fx.object("two"));
    assertEquals(List.of(), stagedKeys(), "no staged object left");
    assertEquals(
        "back\ncut\nread\nseq\ntwo\n", sh("ls", "-A", mnt.toString()), "none listed either");
  }

  @Test
  void aNodeRestartDuringAStreamFailsItWithEioAndCommitsNothing() throws Exception {
    byte[] data = PfsFixture.random(35, 3 << 20);
    FileChannel ch =
        FileChannel.open(mnt.resolve("lost"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    ch.write(ByteBuffer.wrap(data));
    fx.restart();
    try {
      // fails once the mount has seen the connection end (it may not have yet)
      ch.write(ByteBuffer.wrap(data));
    } catch (IOException e) {
      assertTrue(e.getMessage().contains("Input/output error"), e.toString());
    }
    IOException sync = assertThrows(IOException.class, () -> ch.force(true));
    assertTrue(sync.getMessage().contains("Input/output error"), sync.toString());
    assertThrows(IOException.class, ch::close);
    assertEquals(0, fx.store.head(BUCKET, "lost").size(), "nothing partial");
    // the mount recovers without a remount
    sh("dd", "if=/dev/zero", "of=" + mnt.resolve("lost"), "bs=1M", "count=3", "status=none");
    assertArrayEquals(new byte[3 << 20], fx.object("lost"));
    assertEquals(List.of(), stagedKeys());
  }

  @Test
  void hiddenBadNamesStayReachableThroughTheStore() throws Exception {
    fx.store.put(BUCKET, "odd//x", new byte[] {1}, PutOptions.DEFAULT);
    fx.store.put(BUCKET, "odd/../y", new byte[] {2}, PutOptions.DEFAULT);
    fx.store.put(BUCKET, "odd/fine", new byte[] {3}, PutOptions.DEFAULT);
    assertEquals("fine\n", sh("ls", "-A", mnt.resolve("odd").toString()));
    assertArrayEquals(new byte[] {1}, fx.object("odd//x"));
    assertArrayEquals(new byte[] {2}, fx.object("odd/../y"));
  }

  @Test
  void fsyncCommitsBeforeItReturns() throws Exception {
    byte[] data = PfsFixture.random(8, 3 << 20);
    try (FileChannel ch =
        FileChannel.open(
            mnt.resolve("synced"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
      assertEquals(0, fx.store.head(BUCKET, "synced").size(), "not before the fsync");
      ch.force(true);
      ObjectInfo info = fx.store.head(BUCKET, "synced");
      assertEquals(PfsFixture.md5(data), info.etag());
    }
  }

  @Test
  void aQuotaFailsTheCloseWithEnospc() throws Exception {
    fx.store.setQuota(BUCKET, new io.aquifer.storage.BucketQuota(1 << 20, 0));
    TestMount.Result dd =
        TestMount.run(
            "dd", "if=/dev/zero", "of=" + mnt.resolve("big"), "bs=1M", "count=3", "status=none");
    assertTrue(dd.status() != 0 && dd.err().contains("No space left"), dd.toString());
    assertEquals(0, fx.store.head(BUCKET, "big").size(), "nothing partial is visible");
    TestMount.Result chmod = TestMount.run("chmod", "700", mnt.toString());
    assertTrue(chmod.status() != 0 && chmod.err().contains("Permission denied"), chmod.toString());
  }

  @Test
  void aNodeRestartFailsWithEioAndTheMountRecovers() throws Exception {
    Files.writeString(mnt.resolve("r"), "before");
    fx.stop();
    TestMount.Result cat = TestMount.run("cat", mnt.resolve("r").toString());
    assertTrue(cat.status() != 0 && cat.err().contains("Input/output error"), cat.toString());
    fx.start();
    assertEquals("before", sh("cat", mnt.resolve("r").toString()));
    Files.writeString(mnt.resolve("after"), "x");
    assertArrayEquals(new byte[] {'x'}, fx.object("after"));
  }

  @Test
  void statfsAndAllBucketsMode() throws Exception {
    String df = sh("df", "-B1", "--output=size,avail", mnt.toString());
    assertTrue(df.lines().count() == 2, df);
    fx.store.createBucket("second");
    Path all = mount(AquiferFsOptions.defaults(null));
    assertEquals("data\nsecond\n", sh("ls", all.toString()));
    Files.writeString(all.resolve("second/hello"), "hi");
    assertEquals("hi", new String(fx.store.get("second", "hello").asInputStream().readAllBytes()));
    TestMount.Result r = TestMount.run("mkdir", all.resolve("third").toString());
    assertTrue(r.status() != 0 && r.err().contains("not permitted"), r.toString());
  }
}
