package io.aquifer.pfs.fuse;

import static io.aquifer.pfs.fuse.FsFixture.BUCKET;
import static io.aquifer.pfs.fuse.Vfs.O_RDONLY;
import static io.aquifer.pfs.fuse.Vfs.O_RDWR;
import static io.aquifer.pfs.fuse.Vfs.O_WRONLY;
import static io.aquifer.pfs.fuse.Vfs.errno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileService;
import io.aquifer.pfs.FileServiceConfig;
import io.aquifer.pfs.FsException;
import io.aquifer.pfs.LeakCheckExtension;
import io.aquifer.pfs.PfsFixture;
import io.aquifer.storage.BucketQuota;
import io.aquifer.storage.ListQuery;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** AquiferFs called as the kernel would, over a real store and a real TCP file service. */
@ExtendWith(LeakCheckExtension.class)
class AquiferFsTest {
  private FsFixture fx;
  private AquiferFs fs;
  private Vfs v;

  @BeforeEach
  void open() throws Exception {
    fx = new FsFixture(FileServiceConfig.defaults().withMaxRenameEntries(50));
    fs = fx.mount();
    v = new Vfs(fs);
  }

  @AfterEach
  void close() throws Exception {
    fx.close();
  }

  private boolean absent(String key) {
    try {
      fx.store.head(BUCKET, key);
      return false;
    } catch (StorageException e) {
      assertEquals(StatusCode.NO_SUCH_KEY, e.status());
      return true;
    }
  }

  @Test
  void anObjectPutThroughTheStoreIsVisibleAtOnce() throws Exception {
    v.mkdir("ds");
    assertEquals(List.of(), v.ls("ds"));
    byte[] data = PfsFixture.random(1, 300_000);
    ObjectInfo put = fx.store.put(BUCKET, "ds/shard-0.bin", data, PutOptions.DEFAULT);
    assertEquals(List.of("shard-0.bin"), v.ls("ds"));
    FuseAttr a = v.stat("ds/shard-0.bin");
    assertEquals(FuseAttr.S_IFREG | 0644, a.mode());
    assertEquals(data.length, a.size());
    assertEquals(put.modified().toEpochMilli(), a.mtimeNanos() / 1_000_000);
    assertArrayEquals(data, v.readFile("ds/shard-0.bin"));
    // replaced behind the mount's back: the next open sees the new bytes, without KEEP_CACHE
    FuseOpen o1 = v.openFull("ds/shard-0.bin", O_RDONLY);
    v.close(o1.fh());
    FuseOpen o2 = v.openFull("ds/shard-0.bin", O_RDONLY);
    assertEquals(FuseOpen.KEEP_CACHE, o2.openFlags() & FuseOpen.KEEP_CACHE, "unchanged: keep");
    v.close(o2.fh());
    byte[] next = PfsFixture.random(2, 1000);
    fx.store.put(BUCKET, "ds/shard-0.bin", next, PutOptions.DEFAULT);
    FuseOpen o3 = v.openFull("ds/shard-0.bin", O_RDONLY);
    assertEquals(0, o3.openFlags() & FuseOpen.KEEP_CACHE, "changed: the kernel drops its pages");
    assertEquals(1000, fs.getattr(v.ino(o3.fh()), o3.fh()).attr().size());
    assertArrayEquals(next, v.read(o3.fh(), 0, 5000));
    v.close(o3.fh());
  }

  @Test
  void aHandleNeverReadsAMixOfTwoVersions() throws Exception {
    byte[] old = PfsFixture.random(14, 4 << 20);
    fx.store.put(BUCKET, "v", old, PutOptions.DEFAULT);
    long fh = v.open("v", O_RDONLY);
    assertArrayEquals(Arrays.copyOf(old, 1000), v.read(fh, 0, 1000));
    // replaced over S3 while open: the handle's next read from the server fails, not mixes
    fx.store.put(BUCKET, "v", PfsFixture.random(15, 4 << 20), PutOptions.DEFAULT);
    assertEquals(116, errno(() -> v.read(fh, 3 << 20, 1 << 20)));
    v.close(fh);
    long again = v.open("v", O_RDONLY);
    assertArrayEquals(PfsFixture.random(15, 4 << 20), v.read(again, 0, 4 << 20));
    // replaced through this mount: its other handles read the new content
    long w = v.open("v", O_WRONLY | Vfs.O_TRUNC);
    v.write(w, 0, new byte[] {1, 2, 3});
    v.close(w);
    assertArrayEquals(new byte[] {1, 2, 3}, v.read(again, 0, 10));
    v.close(again);
  }

  @Test
  void aFileClosedInTheMountIsAnObjectWithItsMd5AtOnce() throws Exception {
    byte[] data = PfsFixture.random(3, 5 * (1 << 20) + 777);
    long fh = v.create("ckpt.pt", 0600);
    v.write(fh, 0, Arrays.copyOf(data, 4 << 20));
    // streamed while written: megabytes went to the node, nothing is visible yet
    assertTrue(
        fx.made.getLast().connection().flow().maxOutstandingBytes() > 256 << 10,
        "bytes were sent before the close");
    assertEquals(0, fx.store.head(BUCKET, "ckpt.pt").size(), "nothing partial is visible");
    v.write(fh, 4 << 20, Arrays.copyOfRange(data, 4 << 20, data.length));
    assertEquals(data.length, fs.getattr(v.ino(fh), fh).attr().size());
    v.close(fh);
    ObjectInfo info = fx.store.head(BUCKET, "ckpt.pt");
    assertEquals(data.length, info.size());
    assertEquals(PfsFixture.md5(data), info.etag());
    assertArrayEquals(data, fx.object("ckpt.pt"));
    FuseAttr a = v.stat("ckpt.pt");
    assertEquals(FuseAttr.S_IFREG | 0600, a.mode());
    assertEquals(1000, a.uid());
    assertEquals(1001, a.gid());
    assertArrayEquals(data, v.readFile("ckpt.pt"));
    // an empty file is an empty object
    v.writeFile("empty", new byte[0]);
    assertEquals(PfsFixture.md5(new byte[0]), fx.store.head(BUCKET, "empty").etag());
  }

  @Test
  void overwriteAppendAndTruncateAreByteExact() throws Exception {
    byte[] model = PfsFixture.random(4, 3 * (1 << 20) + 5);
    v.writeFile("f", model);
    // overwrite in the middle
    long fh = v.open("f", O_RDWR);
    byte[] patch = PfsFixture.random(5, 200_000);
    v.write(fh, 1_000_000, patch);
    System.arraycopy(patch, 0, model, 1_000_000, patch.length);
    assertArrayEquals(model, v.read(fh, 0, model.length), "read back before the close");
    assertNotEquals(PfsFixture.md5(model), fx.store.head(BUCKET, "f").etag(), "not yet");
    v.close(fh);
    assertArrayEquals(model, fx.object("f"));
    // append
    fh = v.open("f", O_WRONLY);
    byte[] tail = PfsFixture.random(6, 123_456);
    v.write(fh, model.length, tail);
    v.close(fh);
    byte[] appended = Arrays.copyOf(model, model.length + tail.length);
    System.arraycopy(tail, 0, appended, model.length, tail.length);
    assertArrayEquals(appended, fx.object("f"));
    assertEquals(PfsFixture.md5(appended), fx.store.head(BUCKET, "f").etag());
    // truncate grow (zeros) and shrink through an open handle
    fh = v.open("f", O_WRONLY);
    long ino = v.ino(fh);
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.SIZE, fh, 0, 0, 0, 5_000_000, 0, 0));
    assertEquals(5_000_000, fs.getattr(ino, fh).attr().size());
    v.close(fh);
    byte[] grown = Arrays.copyOf(appended, 5_000_000);
    assertArrayEquals(grown, fx.object("f"));
    // shrink without an open handle: done at once
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.SIZE, -1, 0, 0, 0, 777, 0, 0));
    assertArrayEquals(Arrays.copyOf(grown, 777), fx.object("f"));
    assertEquals(777, v.stat("f").size());
    // O_TRUNC then rewrite
    fh = v.open("f", O_WRONLY | Vfs.O_TRUNC);
    assertEquals(0, fs.getattr(ino, fh).attr().size());
    v.write(fh, 0, new byte[] {1, 2, 3});
    v.close(fh);
    assertArrayEquals(new byte[] {1, 2, 3}, fx.object("f"));
    // a write at a gap: zeros between
    fh = v.open("f", O_WRONLY);
    v.write(fh, 10, new byte[] {9});
    v.close(fh);
    assertArrayEquals(new byte[] {1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9}, fx.object("f"));
  }

  @Test
  void filesBeingWrittenShareOneMemoryBudget() throws Exception {
    AquiferFs g = fx.mount(AquiferFsOptions.defaults(BUCKET).withWriteMemoryBytes(1 << 20));
    Vfs w = new Vfs(g);
    int files = 6;
    long[] fh = new long[files];
    byte[][] model = new byte[files][];
    for (int i = 0; i < files; i++) {
      fh[i] = w.create("budget-" + i, 0644);
      model[i] = PfsFixture.random(40 + i, 300_000);
      // even files: appends only (past the budget they stream); odd: a write back as well, which
      // a file the budget has no room for makes in a spill file
      w.write(fh[i], 0, Arrays.copyOf(model[i], 200_000));
      if (i % 2 == 1) {
        w.write(fh[i], 250_000, Arrays.copyOfRange(model[i], 250_000, 300_000));
        w.write(fh[i], 200_000, Arrays.copyOfRange(model[i], 200_000, 250_000));
      } else {
        w.write(fh[i], 200_000, Arrays.copyOfRange(model[i], 200_000, 300_000));
      }
      assertTrue(g.writeMemoryHeld() <= 1 << 20, "held " + g.writeMemoryHeld());
    }
    assertTrue(g.writeMemoryHeld() > 0, "the first files stay in memory");
    for (int i = 0; i < files; i++) {
      assertArrayEquals(model[i], w.read(fh[i], 0, model[i].length), "read back " + i);
      w.close(fh[i]);
      assertArrayEquals(model[i], fx.object("budget-" + i), "committed " + i);
    }
    assertEquals(0, g.writeMemoryHeld(), "every buffer given back");
  }

  @Test
  void aWriteBackwardsWhileStreamingIsStillExact() throws Exception {
    // as zip writers do: stream, then seek back to patch a header
    byte[] model = PfsFixture.random(7, 2 * (1 << 20));
    long fh = v.create("z.zip", 0644);
    v.write(fh, 0, model);
    byte[] header = {42, 42, 42, 42};
    v.write(fh, 10, header);
    System.arraycopy(header, 0, model, 10, 4);
    byte[] more = PfsFixture.random(8, 70_000);
    v.write(fh, model.length, more);
    v.close(fh);
    byte[] all = Arrays.copyOf(model, model.length + more.length);
    System.arraycopy(more, 0, all, model.length, more.length);
    assertArrayEquals(all, fx.object("z.zip"));
  }

  /** Staged objects left in the bucket (streams not renamed onto their files). */
  private List<String> staged() {
    return fx.store.list(BUCKET, ListQuery.prefix(FileService.STAGED_PREFIX)).objects().stream()
        .map(ObjectInfo::key)
        .toList();
  }

  @Test
  void aReadOfAStreamedRangeFetchesItBackAndTheCommitIsExact() throws Exception {
    byte[] data = PfsFixture.random(21, (5 << 20) + 12_345);
    long fh = v.create("streamed", 0644);
    int half = 3 << 20;
    v.write(fh, 0, Arrays.copyOf(data, half));
    assertEquals(half, v.stat("streamed").size(), "the size counts streamed bytes");
    assertEquals(0, fx.store.head(BUCKET, "streamed").size(), "nothing before the commit");
    assertArrayEquals(Arrays.copyOf(data, half), v.read(fh, 0, half), "streamed bytes read back");
    assertEquals(List.of(), staged(), "the parked stream was removed once read back");
    v.write(fh, half, Arrays.copyOfRange(data, half, data.length));
    v.close(fh);
    assertArrayEquals(data, fx.object("streamed"));
    assertEquals(List.of(), staged());
    assertEquals(List.of("streamed"), v.ls(""), "never a staged name in the listing");
  }

  @Test
  void aPurelySequentialFileStreamsToAStagedObjectRenamedAtTheCommit() throws Exception {
    byte[] data = PfsFixture.random(22, (4 << 20) + 7);
    long fh = v.create("seq", 0644);
    v.write(fh, 0, data);
    assertEquals(List.of(), staged(), "a stream is no object until its commit");
    assertEquals(0, fx.store.head(BUCKET, "seq").size(), "nor is the file");
    assertEquals(List.of("seq"), v.ls(""));
    v.close(fh);
    assertArrayEquals(data, fx.object("seq"));
    assertEquals(List.of(), staged(), "renamed onto the file");
    // a small file never streams: sent whole from memory at the close
    long small = v.create("small", 0644);
    v.write(small, 0, new byte[] {1, 2, 3});
    v.close(small);
    assertArrayEquals(new byte[] {1, 2, 3}, fx.object("small"));
  }

  @Test
  void truncatesOfAStreamedFileAreExact() throws Exception {
    byte[] data = PfsFixture.random(23, 3 << 20);
    long fh = v.create("cut", 0644);
    long ino = v.ino(fh);
    v.write(fh, 0, data);
    // shrink into the streamed bytes: fetched back first
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.SIZE, fh, 0, 0, 0, 2_500_000, 0, 0));
    byte[] tail = PfsFixture.random(24, 1000);
    v.write(fh, 2_500_000, tail);
    v.close(fh);
    byte[] want = Arrays.copyOf(data, 2_501_000);
    System.arraycopy(tail, 0, want, 2_500_000, tail.length);
    assertArrayEquals(want, fx.object("cut"));
    // grow: zeros after the streamed bytes
    fh = v.open("cut", O_WRONLY | Vfs.O_TRUNC);
    v.write(fh, 0, data);
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.SIZE, fh, 0, 0, 0, 4 << 20, 0, 0));
    v.close(fh);
    assertArrayEquals(Arrays.copyOf(data, 4 << 20), fx.object("cut"));
    // to 0 while streaming: the stream is dropped and the file starts over
    fh = v.open("cut", O_WRONLY | Vfs.O_TRUNC);
    v.write(fh, 0, data);
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.SIZE, fh, 0, 0, 0, 0, 0, 0));
    v.write(fh, 0, new byte[] {5, 6});
    v.close(fh);
    assertArrayEquals(new byte[] {5, 6}, fx.object("cut"));
    assertEquals(List.of(), staged());
  }

  @Test
  void twoHandlesWritingOneFileShareItsContent() throws Exception {
    byte[] data = PfsFixture.random(25, 5 << 20);
    long a = v.create("two", 0644);
    long b = v.open("two", O_WRONLY);
    v.write(a, 0, Arrays.copyOf(data, 2 << 20));
    v.write(b, 2 << 20, Arrays.copyOfRange(data, 2 << 20, 3 << 20));
    v.close(a);
    assertArrayEquals(Arrays.copyOf(data, 3 << 20), fx.object("two"), "the first close commits");
    // after a stream's commit its bytes are the node's only: a later write fetches them
    v.write(b, 3 << 20, Arrays.copyOfRange(data, 3 << 20, data.length));
    assertArrayEquals(data, v.read(b, 0, data.length));
    v.close(b);
    assertArrayEquals(data, fx.object("two"));
    assertEquals(List.of(), staged());
  }

  @Test
  void stagedObjectsOfAnEarlierRunAreSweptAndNeverListed() throws Exception {
    String old = FileService.STAGED_PREFIX + "0123456789abcdef-1";
    fx.store.put(BUCKET, old, new byte[] {1}, PutOptions.DEFAULT);
    assertEquals(List.of(), v.ls(""), "hidden from the mount");
    assertEquals(FuseException.ENOENT, errno(() -> v.stat(old)));
    assertEquals(
        FuseException.EINVAL, errno(() -> v.create(FileService.STAGED_PREFIX + "x", 0644)));
    // the first write of this run sweeps what an earlier run left; the node opens the write when
    // the stream's first chunk arrives, which the close waits for (the write may return before)
    long fh = v.create("next", 0644);
    v.write(fh, 0, new byte[2 << 20]);
    v.close(fh);
    assertTrue(absent(old), "swept");
    assertEquals(List.of(), staged());
  }

  @Test
  void aSpillFileThatFailsFailsTheWriteWithEio(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("spill"));
    PassthroughFs full = new PassthroughFs(Files.createDirectories(tmp.resolve("disk")));
    full.failWritesPast = 1 << 20;
    try (TestMount disk = TestMount.mount(dir, full, FuseMountOptions.defaults())) {
      assertTrue(TestMount.isMountPoint(disk.dir));
      AquiferFs g = fx.mountSpillingTo(AquiferFsOptions.defaults(BUCKET).withSpillDir(dir));
      Vfs x = new Vfs(g);
      long gh = x.create("lost2", 0644);
      x.write(gh, 0, PfsFixture.random(1, 1 << 20));
      // a gap past the memory buffer: the content moves to the spill file, whose disk is full
      assertEquals(FuseException.EIO, errno(() -> x.write(gh, 2 << 20, new byte[1000])));
      x.close(gh);
      assertArrayEquals(PfsFixture.random(1, 1 << 20), fx.object("lost2"));
    }
  }

  @Test
  void fsyncReturnsOnlyOnceTheObjectIsCommitted() throws Exception {
    byte[] data = PfsFixture.random(9, 1_500_000);
    long fh = v.create("log", 0644);
    v.write(fh, 0, data);
    assertEquals(0, fx.store.head(BUCKET, "log").size());
    fs.fsync(v.ino(fh), fh, false);
    assertEquals(PfsFixture.md5(data), fx.store.head(BUCKET, "log").etag());
    // more after the fsync, committed at the close
    v.write(fh, data.length, new byte[] {7});
    v.close(fh);
    assertEquals(data.length + 1, fx.store.head(BUCKET, "log").size());
  }

  @Test
  void aQuotaFailsTheCloseWithEnospcAndKeepsTheOldFile() throws Exception {
    v.writeFile("keep", new byte[100]);
    fx.store.setQuota(BUCKET, new BucketQuota(1 << 20, 0));
    long fh = v.create("big", 0644);
    v.write(fh, 0, new byte[2 << 20]);
    long ino = v.ino(fh);
    assertEquals(FuseException.ENOSPC, errno(() -> fs.flush(ino, fh)));
    fs.release(ino, fh, 0);
    assertEquals(0, fx.store.head(BUCKET, "big").size(), "nothing partial");
    // an overwrite of a file the kernel had cached fails too: its pages may hold the bytes the
    // node refused, so the next open must not keep them
    v.close(v.openFull("keep", O_RDONLY).fh());
    FuseOpen w = v.openFull("keep", O_WRONLY);
    v.write(w.fh(), 0, new byte[2 << 20]);
    long keepIno = v.ino(w.fh());
    assertEquals(FuseException.ENOSPC, errno(() -> fs.flush(keepIno, w.fh())));
    fs.release(keepIno, w.fh(), 0);
    FuseOpen r = v.openFull("keep", O_RDONLY);
    assertEquals(0, r.openFlags() & FuseOpen.KEEP_CACHE, "the refused bytes are not kept");
    assertArrayEquals(new byte[100], v.read(r.fh(), 0, 1000));
    v.close(r.fh());
  }

  @Test
  void aQuotaThatStopsAStreamFailsItsWritesAndTheCloseWithEnospc() throws Exception {
    fx.store.setQuota(BUCKET, new BucketQuota(2 << 20, 0));
    long fh = v.create("big", 0644);
    long ino = v.ino(fh);
    long at = 0;
    int refused = 0;
    for (int i = 0; i < 40; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(128 << 10);
      try {
        at += fs.write(ino, fh, at, b.asReadOnlyBuffer());
      } catch (FsException e) {
        assertEquals(Errno.ENOSPC, e.errno());
        refused++;
      }
    }
    assertTrue(at + refused * (128L << 10) == 40 * (128L << 10), "every write answered");
    assertEquals(FuseException.ENOSPC, errno(() -> fs.flush(ino, fh)));
    fs.release(ino, fh, 0);
    assertEquals(0, fx.store.head(BUCKET, "big").size(), "nothing partial");
    assertEquals(List.of(), staged());
  }

  @Test
  void aFileWrittenThroughThisMountKeepsTheKernelCacheAtTheNextOpen() {
    byte[] data = PfsFixture.random(5, 3 << 20);
    v.writeFile("own", data);
    FuseOpen o = v.openFull("own", O_RDONLY);
    assertEquals(FuseOpen.KEEP_CACHE, o.openFlags() & FuseOpen.KEEP_CACHE, "written here: keep");
    assertArrayEquals(data, v.read(o.fh(), 0, data.length));
    v.close(o.fh());
    fx.store.put(BUCKET, "own", new byte[] {9}, PutOptions.DEFAULT);
    FuseOpen changed = v.openFull("own", O_RDONLY);
    assertEquals(0, changed.openFlags() & FuseOpen.KEEP_CACHE, "replaced elsewhere: dropped");
    v.close(changed.fh());
  }

  @Test
  void directoriesDeepTreesAndErrnos() {
    StringBuilder deep = new StringBuilder("d0");
    for (int i = 1; i < 20; i++) {
      deep.append("/d").append(i);
    }
    v.mkdirs(deep.toString());
    assertTrue(fx.store.head(BUCKET, deep + "/").key().endsWith("d19/"));
    assertEquals(FuseAttr.S_IFDIR | 0755, v.stat(deep.toString()).mode());
    v.writeFile(deep + "/leaf", new byte[] {1});
    assertEquals(FuseException.ENOTEMPTY, errno(() -> v.rmdir("d0")));
    assertEquals(FuseException.EEXIST, errno(() -> v.mkdir("d0")));
    assertEquals(FuseException.ENOENT, errno(() -> v.stat("nope")));
    assertEquals(FuseException.ENOTDIR, errno(() -> v.stat(deep + "/leaf/x")));
    assertEquals(FuseException.EISDIR, errno(() -> v.open("d0", O_RDONLY)));
    assertEquals(FuseException.EISDIR, errno(() -> v.unlink("d0")));
    assertEquals(
        FuseException.EEXIST,
        errno(
            () ->
                fs.create(
                    v.parent(deep + "/leaf"),
                    "leaf",
                    0644,
                    Vfs.O_CREAT | Vfs.O_EXCL | 1,
                    Vfs.CTX)));
    v.unlink(deep + "/leaf");
    assertTrue(absent(deep + "/leaf"));
    assertEquals(FuseException.ENOENT, errno(() -> v.stat(deep + "/leaf")));
    v.rmdir(deep.toString());
    assertEquals(FuseException.ENOENT, errno(() -> v.stat(deep.toString())));
    assertEquals(List.of(), v.ls(deep.substring(0, deep.lastIndexOf("/"))));
    assertEquals(FuseException.ENAMETOOLONG, errno(() -> v.stat("x".repeat(256))));
  }

  @Test
  void tenThousandEntriesListOnceEachFromOneSnapshot() throws Exception {
    int files = 10_050;
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < files; i += 4) {
                    fx.store.put(
                        BUCKET, String.format("big/f-%05d", i), new byte[1], PutOptions.DEFAULT);
                  }
                }));
      }
      for (var f : done) {
        f.get();
      }
    }
    long ino = v.resolve("big");
    long dh = fs.opendir(ino, 0);
    // a change after opendir does not shift the snapshot's offsets
    fx.store.put(BUCKET, "big/a-late", new byte[1], PutOptions.DEFAULT);
    List<String> names = new ArrayList<>();
    long[] off = {0};
    while (true) {
      int before = names.size();
      fs.readdir(
          ino,
          dh,
          off[0],
          (n, i, t, next) -> {
            if (names.size() - before == 333) {
              return false;
            }
            names.add(n);
            off[0] = next;
            return true;
          });
      if (names.size() == before) {
        break;
      }
    }
    fs.releasedir(ino, dh);
    assertEquals(files + 2, names.size());
    assertEquals(files + 2, new java.util.HashSet<>(names).size());
    assertFalse(names.contains("a-late"));
    assertEquals(files + 1, v.ls("big").size());
  }

  @Test
  void chmodChownAndMtimePersistAcrossAFreshMount() {
    v.writeFile("p", new byte[10]);
    long ino = v.resolve("p");
    int valid = FuseSetattr.MODE | FuseSetattr.UID | FuseSetattr.GID | FuseSetattr.MTIME;
    long mtime = 1_600_000_000_123_456_789L;
    FuseAttr a =
        fs.setattr(ino, new FuseSetattr(ino, valid, -1, 0100600, 4242, 4343, 0, 0, mtime)).attr();
    assertEquals(FuseAttr.S_IFREG | 0600, a.mode());
    v.mkdir("dd");
    long dino = v.resolve("dd");
    fs.setattr(dino, new FuseSetattr(dino, FuseSetattr.MODE, -1, 0700, 0, 0, 0, 0, 0));
    Vfs fresh = new Vfs(fx.mount());
    FuseAttr b = fresh.stat("p");
    assertEquals(FuseAttr.S_IFREG | 0600, b.mode());
    assertEquals(4242, b.uid());
    assertEquals(4343, b.gid());
    assertEquals(mtime, b.mtimeNanos());
    assertEquals(FuseAttr.S_IFDIR | 0700, fresh.stat("dd").mode());
    // a chmod while the file is being written is kept by the commit
    long fh = v.open("p", O_WRONLY);
    v.write(fh, 0, new byte[] {5});
    fs.setattr(ino, new FuseSetattr(ino, FuseSetattr.MODE, fh, 0640, 0, 0, 0, 0, 0));
    v.close(fh);
    assertEquals(FuseAttr.S_IFREG | 0640, new Vfs(fx.mount()).stat("p").mode());
  }

  @Test
  void symlinksAreObjectsThatSurviveRebuildIndex() throws Exception {
    v.mkdir("models");
    FuseEntry e = fs.symlink("../weights/v3.bin", v.resolve("models"), "latest", Vfs.CTX);
    assertEquals(FuseAttr.S_IFLNK | 0777, e.attr().mode());
    assertEquals("../weights/v3.bin", fs.readlink(e.ino()));
    assertEquals("../weights/v3.bin", new String(fx.object("models/latest")));
    assertEquals(List.of("latest"), v.ls("models"));
    Vfs fresh = new Vfs(fx.mount());
    assertEquals(FuseAttr.S_IFLNK, fresh.stat("models/latest").mode() & FuseAttr.S_IFMT);
    assertEquals("../weights/v3.bin", fresh.fs.readlink(fresh.resolve("models/latest")));
    assertEquals(
        FuseException.EEXIST, errno(() -> fs.symlink("x", v.resolve("models"), "latest", Vfs.CTX)));
    assertEquals(FuseException.EINVAL, errno(() -> fs.readlink(v.resolve("models"))));
    fx.stop();
    PfsFixture.deleteTree(fx.root.resolve("index"));
    io.aquifer.storage.ObjectStores.rebuildIndex(fx.storageConfig);
    fx.start();
    Vfs rebuilt = new Vfs(fx.mount());
    assertEquals(FuseAttr.S_IFLNK, rebuilt.stat("models/latest").mode() & FuseAttr.S_IFMT);
    assertEquals("../weights/v3.bin", rebuilt.fs.readlink(rebuilt.resolve("models/latest")));
  }

  @Test
  void renamesOfFilesAndDirectories() throws Exception {
    v.writeFile("a", new byte[] {1});
    v.writeFile("b", new byte[] {2});
    long a = v.resolve("a");
    assertEquals(FuseException.EEXIST, errno(() -> v.rename("a", "b", FuseOps.RENAME_NOREPLACE)));
    v.rename("a", "b", 0);
    assertTrue(absent("a"));
    assertArrayEquals(new byte[] {1}, fx.object("b"));
    assertEquals(a, v.resolve("b"), "the node moved with its name");
    // a directory with a subtree; a known child moves with it
    v.mkdirs("run/ckpt/step-1");
    v.writeFile("run/ckpt/step-1/w.bin", new byte[] {3});
    long child = v.resolve("run/ckpt/step-1/w.bin");
    v.mkdir("done");
    v.rename("run", "done/run-1", 0);
    assertArrayEquals(new byte[] {3}, fx.object("done/run-1/ckpt/step-1/w.bin"));
    assertTrue(absent("run/ckpt/step-1/w.bin"));
    assertEquals(child, v.resolve("done/run-1/ckpt/step-1/w.bin"));
    long fh = v.open("done/run-1/ckpt/step-1/w.bin", O_RDONLY);
    assertArrayEquals(new byte[] {3}, v.read(fh, 0, 10));
    v.close(fh);
    // onto an empty directory: replaced; onto a non-empty one: ENOTEMPTY
    v.mkdir("empty");
    v.rename("done/run-1", "empty", 0);
    assertArrayEquals(new byte[] {3}, fx.object("empty/ckpt/step-1/w.bin"));
    v.mkdir("other");
    v.writeFile("other/x", new byte[1]);
    assertEquals(FuseException.ENOTEMPTY, errno(() -> v.rename("empty", "other", 0)));
    assertEquals(FuseException.EINVAL, errno(() -> v.rename("empty", "empty/ckpt/in", 0)));
    assertEquals(FuseException.EINVAL, errno(() -> v.rename("b", "c", FuseOps.RENAME_EXCHANGE)));
  }

  @Test
  void aFileBeingWrittenInADirectoryRenamedMeanwhileLandsUnderTheNewName() throws Exception {
    byte[] data = PfsFixture.random(13, 3 << 20);
    v.mkdir("job");
    long fh = v.create("job/out", 0644);
    v.write(fh, 0, Arrays.copyOf(data, 1 << 20));
    v.rename("job", "job-done", 0);
    v.write(fh, 1 << 20, Arrays.copyOfRange(data, 1 << 20, data.length));
    v.close(fh);
    assertTrue(absent("job/out"));
    assertFalse(absent("job-done/"));
    assertArrayEquals(data, fx.object("job-done/out"));
    // and a file renamed while written
    long g = v.create("job-done/g", 0644);
    v.write(g, 0, new byte[] {1});
    v.rename("job-done/g", "job-done/h", 0);
    v.write(g, 1, new byte[] {2});
    v.close(g);
    assertTrue(absent("job-done/g"));
    assertArrayEquals(new byte[] {1, 2}, fx.object("job-done/h"));
  }

  @Test
  void aDirectoryRenameOverTheLimitIsExdevAndChangesNothing() throws Exception {
    v.mkdir("many");
    for (int i = 0; i < 60; i++) {
      fx.store.put(BUCKET, "many/f" + i, new byte[1], PutOptions.DEFAULT);
    }
    assertEquals(18, errno(() -> v.rename("many", "moved", 0)));
    assertEquals(60, v.ls("many").size());
    assertEquals(FuseException.ENOENT, errno(() -> v.stat("moved")));
    assertFalse(absent("many/f59"));
    assertTrue(absent("moved/f0"));
  }

  @Test
  void aFileUnlinkedWhileOpenStaysReadableUntilItsLastClose() throws Exception {
    byte[] data = PfsFixture.random(10, 3_000_000);
    v.writeFile("tmp.bin", data);
    long fh = v.open("tmp.bin", O_RDONLY);
    long ino = v.ino(fh);
    v.unlink("tmp.bin");
    assertEquals(List.of(), v.ls(""));
    assertEquals(FuseException.ENOENT, errno(() -> v.stat("tmp.bin")));
    assertTrue(absent("tmp.bin"));
    assertEquals(0, fs.getattr(ino, fh).attr().nlink());
    assertArrayEquals(data, v.read(fh, 0, data.length));
    // a new file of the same name is another file
    v.writeFile("tmp.bin", new byte[] {1});
    assertArrayEquals(data, v.read(fh, 0, data.length));
    v.close(fh);
    List<String> keys = new ArrayList<>();
    for (ObjectInfo o :
        fx.store
            .list(BUCKET, new io.aquifer.storage.ListQuery("", null, null, null, 100))
            .objects()) {
      keys.add(o.key());
    }
    assertEquals(List.of("tmp.bin"), keys, "the hidden name went at the last close");
    // the same for a file being written, and for one replaced by a rename
    long w = v.create("w", 0644);
    v.write(w, 0, new byte[] {1, 2});
    v.unlink("w");
    v.write(w, 2, new byte[] {3});
    assertArrayEquals(new byte[] {1, 2, 3}, v.read(w, 0, 10));
    v.close(w);
    assertTrue(absent("w"));
    long r = v.open("tmp.bin", O_RDONLY);
    v.writeFile("new", new byte[] {8, 8});
    v.rename("new", "tmp.bin", 0);
    assertArrayEquals(new byte[] {1}, v.read(r, 0, 10), "the open handle keeps the old file");
    v.close(r);
    assertArrayEquals(new byte[] {8, 8}, v.readFile("tmp.bin"));
  }

  @Test
  void aFailedRenameOverAnOpenFileLeavesTheTargetInPlace() throws Exception {
    v.writeFile("s", new byte[] {1});
    v.writeFile("t", new byte[] {2});
    long r = v.open("t", O_RDONLY);
    fx.store.delete(BUCKET, "s");
    assertEquals(FuseException.ENOENT, errno(() -> v.rename("s", "t", 0)));
    assertArrayEquals(new byte[] {2}, fx.object("t"));
    assertEquals(List.of("t"), v.ls(""));
    assertEquals(1, fs.getattr(v.ino(r), r).attr().nlink());
    v.close(r);
    assertArrayEquals(new byte[] {2}, v.readFile("t"));
  }

  @Test
  void closeToOpenBetweenTwoMounts() {
    Vfs other =
        new Vfs(fx.mount(AquiferFsOptions.defaults(BUCKET).withAttrTtl(Duration.ofHours(1))));
    v.writeFile("shared", new byte[] {1, 1});
    assertArrayEquals(new byte[] {1, 1}, other.readFile("shared"));
    v.writeFile("shared", new byte[] {2, 2, 2});
    // the other mount's attributes are cached for an hour, but open revalidates
    FuseOpen o = other.openFull("shared", O_RDONLY);
    assertEquals(0, o.openFlags() & FuseOpen.KEEP_CACHE);
    assertArrayEquals(new byte[] {2, 2, 2}, other.read(o.fh(), 0, 10));
    other.close(o.fh());
    FuseOpen again = other.openFull("shared", O_RDONLY);
    assertEquals(FuseOpen.KEEP_CACHE, again.openFlags() & FuseOpen.KEEP_CACHE);
    other.close(again.fh());
  }

  @Test
  void concurrentReadersOfOne64MibFileReadAhead() throws Exception {
    byte[] data = PfsFixture.random(11, 64 << 20);
    fx.store.put(BUCKET, "big.bin", data, PutOptions.DEFAULT);
    int readers = 4;
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    long[] windows = new long[readers];
    for (int t = 0; t < readers; t++) {
      int id = t;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      long fh = v.open("big.bin", O_RDONLY);
                      java.security.MessageDigest md =
                          java.security.MessageDigest.getInstance("MD5");
                      ByteBufferReader r = new ByteBufferReader(v, fh);
                      r.readAll(md);
                      windows[id] = fs.readaheadWindow(fh);
                      assertEquals(
                          PfsFixture.md5(data), java.util.HexFormat.of().formatHex(md.digest()));
                      v.close(fh);
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), failures);
    for (long w : windows) {
      assertEquals(64 << 20, w, "the window grew to its largest");
    }
    // random reads shrink it
    long fh = v.open("big.bin", O_RDONLY);
    v.read(fh, 0, 1 << 20);
    v.read(fh, 1 << 20, 1 << 20);
    assertTrue(fs.readaheadWindow(fh) > 1 << 20);
    assertArrayEquals(
        Arrays.copyOfRange(data, 50_000_000, 50_004_096), v.read(fh, 50_000_000, 4096));
    assertEquals(1 << 20, fs.readaheadWindow(fh));
    v.close(fh);
  }

  @Test
  void readsOfOneStreamServedOutOfOrderKeepTheReadAheadAndReadEachBlockOnce() throws Exception {
    int mib = 1 << 20;
    byte[] data = PfsFixture.random(17, 16 * mib);
    fx.store.put(BUCKET, "ooo.bin", data, PutOptions.DEFAULT);
    long before = blockReads();
    long fh = v.open("ooo.bin", O_RDONLY);
    // as the FUSE workers may serve the kernel's reads: 0, then 2 before 1, 4 before 3, ...
    int[] order = {0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 15};
    for (int u : order) {
      assertArrayEquals(
          Arrays.copyOfRange(data, u * mib, (u + 1) * mib),
          v.read(fh, (long) u * mib, mib),
          "" + u);
    }
    assertTrue(fs.readaheadWindow(fh) > mib, "the window grew");
    v.close(fh);
    // the fixture's blocks are 64 KiB: 256 of them, each read once (prefetched or not)
    assertEquals(256, blockReads() - before);
  }

  private long blockReads() {
    return fx.store.drives().stream().mapToLong(d -> d.reads().count()).sum();
  }

  /** Reads a handle to its end in 128 KiB requests. */
  private record ByteBufferReader(Vfs v, long fh) {
    void readAll(java.security.MessageDigest md) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(Vfs.IO);
      long at = 0;
      while (true) {
        b.clear();
        int n = v.fs.read(v.ino(fh), fh, at, b);
        if (n == 0) {
          return;
        }
        b.flip();
        md.update(b);
        at += n;
      }
    }
  }

  @Test
  void namesThatCannotBeFileNamesAreHiddenAndStayInTheStore() throws Exception {
    v.mkdir("odd");
    fx.store.put(BUCKET, "odd//double", new byte[] {1}, PutOptions.DEFAULT);
    fx.store.put(BUCKET, "odd/./dot", new byte[] {2}, PutOptions.DEFAULT);
    fx.store.put(BUCKET, "odd/" + "n".repeat(300), new byte[] {3}, PutOptions.DEFAULT);
    fx.store.put(BUCKET, "odd/ok", new byte[] {4}, PutOptions.DEFAULT);
    assertEquals(List.of("ok"), v.ls("odd"));
    assertArrayEquals(new byte[] {1}, fx.object("odd//double"));
    assertArrayEquals(new byte[] {2}, fx.object("odd/./dot"));
  }

  @Test
  void aNodeRestartFailsCallsWithEioAndTheMountRecovers() throws Exception {
    v.writeFile("before", new byte[] {1});
    long fh = v.open("before", O_RDONLY);
    fx.stop();
    assertEquals(FuseException.EIO, errno(() -> v.read(fh, 0, 10)));
    assertEquals(FuseException.EIO, errno(() -> v.stat("missing")));
    fx.start();
    assertArrayEquals(new byte[] {1}, v.read(fh, 0, 10), "the open handle reads again");
    v.close(fh);
    v.writeFile("after", new byte[] {2});
    assertArrayEquals(new byte[] {2}, fx.object("after"));
    assertTrue(fx.made.size() >= 2, "reconnected");
  }

  @Test
  void aStreamInterruptedByARestartFailsWithEioAndCommitsNothing() throws Exception {
    byte[] data = PfsFixture.random(12, 3 << 20);
    long fh = v.create("resent", 0644);
    long ino = v.ino(fh);
    v.write(fh, 0, Arrays.copyOf(data, 2 << 20));
    fx.restart();
    // the streamed bytes were only on the node: the next write (or the close) finds them lost
    // (the write fails once the mount has seen the connection end, which it may not have yet)
    try {
      v.write(fh, 2 << 20, Arrays.copyOfRange(data, 2 << 20, data.length));
    } catch (FsException e) {
      assertEquals(Errno.EIO, e.errno());
    }
    assertEquals(FuseException.EIO, errno(() -> fs.fsync(ino, fh, false)));
    assertEquals(FuseException.EIO, errno(() -> v.read(fh, 0, 10)));
    assertEquals(FuseException.EIO, errno(() -> fs.flush(ino, fh)));
    fs.release(ino, fh, 0);
    assertEquals(0, fx.store.head(BUCKET, "resent").size(), "nothing partial");
    // without a remount: O_TRUNC starts over
    long again = v.open("resent", O_WRONLY | Vfs.O_TRUNC);
    v.write(again, 0, data);
    v.close(again);
    assertArrayEquals(data, fx.object("resent"));
    assertEquals(List.of(), staged(), "the aborted stream left nothing");
  }

  @Test
  void allBucketsAreTopLevelDirectories() throws Exception {
    fx.store.createBucket("second");
    Vfs all = new Vfs(fx.mount(AquiferFsOptions.defaults(null)));
    assertEquals(List.of("data", "second"), all.ls(""));
    all.writeFile("second/x", new byte[] {5});
    assertArrayEquals(new byte[] {5}, fx.store.get("second", "x").asInputStream().readAllBytes());
    assertEquals(FuseException.EPERM, errno(() -> all.mkdir("third")));
    assertEquals(FuseException.EPERM, errno(() -> all.rmdir("second")));
    assertEquals(FuseException.EPERM, errno(() -> all.writeFile("top", new byte[1])));
    assertEquals(18, errno(() -> all.rename("second/x", "data/x", 0)));
    assertEquals(FuseException.ENOENT, errno(() -> all.stat("nobucket")));
    assertEquals(FuseAttr.S_IFDIR, all.stat("data").mode() & FuseAttr.S_IFMT);
    FuseStatfs st = all.fs.statfs(FuseOps.ROOT);
    assertTrue(st.blocks() > 0 && st.blocksFree() <= st.blocks());
  }

  @Test
  void statfsReportsTheQuotaWhenTheBucketHasOne() {
    FuseStatfs st = fs.statfs(FuseOps.ROOT);
    assertTrue(st.blocks() > 0);
    fx.store.setQuota(BUCKET, new BucketQuota(40L << 20, 0));
    v.writeFile("q", new byte[4 << 20]);
    st = fs.statfs(FuseOps.ROOT);
    assertEquals((40L << 20) / 4096, st.blocks());
    assertEquals((36L << 20) / 4096, st.blocksFree());
    assertEquals(1, st.files() - st.filesFree(), "one object");
  }

  @Test
  void forgottenNodesLeaveTheTableAndNumbersAreNotReused() {
    v.writeFile("n1", new byte[1]);
    FuseEntry e = fs.lookup(FuseOps.ROOT, "n1");
    long first = e.ino();
    int before = fs.inodeCount();
    // the Vfs looked it up twice (create, lookup): forget both
    fs.forget(first, 2);
    assertEquals(before - 1, fs.inodeCount());
    FuseEntry again = fs.lookup(FuseOps.ROOT, "n1");
    assertNotEquals(first, again.ino());
    assertTrue(again.ino() > first);
    assertThrows(FuseException.class, () -> fs.getattr(first, -1));
  }
}
