package io.aquifer.pfs;

import static io.aquifer.pfs.PfsFixture.BUCKET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StatusCode;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** The file view over a real object store, without the wire. */
@ExtendWith(LeakCheckExtension.class)
class FileServiceTest {
  private PfsFixture fx;
  private FileService fs;

  @BeforeEach
  void open() throws Exception {
    fx = new PfsFixture(FileServiceConfig.defaults().withMaxRenameEntries(5));
    fs = fx.service;
  }

  @AfterEach
  void close() throws Exception {
    fx.close();
  }

  private void put(String key, byte[] data) {
    fx.store.put(BUCKET, key, data, PutOptions.DEFAULT);
  }

  private static void assertErrno(Errno expected, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  private List<String> names(String dir) {
    List<String> out = new ArrayList<>();
    String cookie = null;
    do {
      DirPage p = fs.readdir(BUCKET, dir, cookie, 1000);
      for (DirEntry e : p.entries()) {
        out.add(e.name() + (e.attr().isDirectory() ? "/" : ""));
      }
      cookie = p.cookie();
    } while (cookie != null);
    return out.stream().sorted().toList();
  }

  @Test
  void keysAreFilesAndPrefixesAreDirectories() {
    put("a/b/c.bin", new byte[10]);
    FileAttr f = fs.getattr(BUCKET, "a/b/c.bin");
    assertEquals(FileType.FILE, f.type());
    assertEquals(10, f.size());
    assertEquals(0644, f.mode());
    assertTrue(fs.getattr(BUCKET, "a/b").isDirectory());
    assertTrue(fs.getattr(BUCKET, "/a").isDirectory());
    assertTrue(fs.getattr(BUCKET, "").isDirectory());
    assertEquals(0755, fs.getattr(BUCKET, "a").mode());
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "a/x"));
    assertErrno(Errno.ENOENT, () -> fs.getattr("nobucket", ""));
    assertErrno(Errno.EINVAL, () -> fs.getattr(BUCKET, "a/../b"));
    assertErrno(Errno.EINVAL, () -> fs.getattr(BUCKET, "a//b"));
  }

  @Test
  void mkdirWritesAMarkerAndRmdirNeedsItEmpty() {
    FileAttr d = fs.mkdir(BUCKET, "d", 0700);
    assertTrue(d.isDirectory());
    assertEquals(0700, fs.getattr(BUCKET, "d").mode());
    assertEquals(0, fx.store.head(BUCKET, "d/").size());
    assertErrno(Errno.EEXIST, () -> fs.mkdir(BUCKET, "d", 0755));
    assertErrno(Errno.ENOENT, () -> fs.mkdir(BUCKET, "x/y", 0755));
    fs.create(BUCKET, "d/f", 0600);
    assertErrno(Errno.ENOTDIR, () -> fs.mkdir(BUCKET, "d/f/g", 0755));
    assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(BUCKET, "d"));
    assertErrno(Errno.ENOTDIR, () -> fs.rmdir(BUCKET, "d/f"));
    assertErrno(Errno.ENOENT, () -> fs.rmdir(BUCKET, "nope"));
    assertErrno(Errno.EINVAL, () -> fs.rmdir(BUCKET, ""));
    fs.unlink(BUCKET, "d/f");
    assertTrue(fs.getattr(BUCKET, "d").isDirectory());
    fs.rmdir(BUCKET, "d");
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "d"));
  }

  @Test
  void removingTheLastChildOfAnImplicitDirectoryKeepsIt() {
    put("p/q/only", new byte[1]);
    fs.unlink(BUCKET, "p/q/only");
    assertTrue(fs.getattr(BUCKET, "p/q").isDirectory());
    assertEquals(List.of(), names("p/q"));
  }

  @Test
  void aFileAndADirectoryOfOneNameShowAsTheFile() {
    put("both", new byte[4]);
    put("both/inner", new byte[1]);
    assertEquals(FileType.FILE, fs.getattr(BUCKET, "both").type());
    assertEquals(List.of("both"), names(""));
  }

  @Test
  void aFailedDirectoryRenameAddsNoMarker() {
    for (int i = 0; i < 6; i++) {
      put("imp/big/f" + i, new byte[1]);
    }
    assertErrno(Errno.EXDEV, () -> fs.rename(BUCKET, "imp/big", "other", false));
    assertEquals(
        StatusCode.NO_SUCH_KEY,
        assertThrows(io.aquifer.storage.StorageException.class, () -> fx.store.head(BUCKET, "imp/"))
            .status());
    fs.rename(BUCKET, "imp/big/f0", "moved", false);
    assertEquals(0, fx.store.head(BUCKET, "imp/big/").size());
  }

  @Test
  void createUnlinkAndTheirErrors() {
    FileAttr f = fs.create(BUCKET, "f", 0640);
    assertEquals(0, f.size());
    assertEquals(0640, fs.getattr(BUCKET, "f").mode());
    assertErrno(Errno.EEXIST, () -> fs.create(BUCKET, "f", 0640));
    fs.mkdir(BUCKET, "d", 0755);
    assertErrno(Errno.EEXIST, () -> fs.create(BUCKET, "d", 0640));
    assertErrno(Errno.ENOTDIR, () -> fs.create(BUCKET, "f/g", 0640));
    assertErrno(Errno.ENOENT, () -> fs.create(BUCKET, "no/g", 0640));
    assertErrno(Errno.EISDIR, () -> fs.unlink(BUCKET, "d"));
    assertErrno(Errno.ENOENT, () -> fs.unlink(BUCKET, "g"));
    fs.unlink(BUCKET, "f");
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "f"));
  }

  /**
   * A file above the configured size gets a checksum ETag in S3's multipart form, which follows the
   * content; up to it, the content's MD5.
   */
  @Test
  void filesAboveTheMd5LimitGetChecksumEtags() throws Exception {
    try (PfsFixture f = new PfsFixture(FileServiceConfig.defaults().withMd5EtagMaxSize(200_000))) {
      byte[] big = PfsFixture.random(7, 300_000);
      byte[] small = PfsFixture.random(8, 200_000);
      f.service.write(BUCKET, "big", new ByteArrayInputStream(big), 0644);
      f.service.write(BUCKET, "small", new ByteArrayInputStream(small), 0644);
      String etag = f.store.head(BUCKET, "big").etag();
      assertTrue(etag.matches("[0-9a-f]{32}-[0-9]+"), etag);
      assertEquals(PfsFixture.md5(small), f.store.head(BUCKET, "small").etag());
      f.service.write(BUCKET, "same", new ByteArrayInputStream(big), 0644);
      assertEquals(etag, f.store.head(BUCKET, "same").etag(), "the same bytes, the same ETag");
      big[123_456] ^= 1;
      f.service.write(BUCKET, "changed", new ByteArrayInputStream(big), 0644);
      assertNotEquals(etag, f.store.head(BUCKET, "changed").etag(), "other bytes, another ETag");
      try (var r = f.store.get(BUCKET, "changed")) {
        assertArrayEquals(big, r.asInputStream().readAllBytes());
      }
    }
    assertThrows(
        IllegalArgumentException.class, () -> FileServiceConfig.defaults().withMd5EtagMaxSize(-1));
  }

  @Test
  void readRangesAndWriteWholeFiles() throws Exception {
    byte[] data = PfsFixture.random(1, 300_000);
    fs.mkdir(BUCKET, "dir0", 0755);
    FileAttr w = fs.write(BUCKET, "dir0/big", new ByteArrayInputStream(data), 0600);
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "missing"));
    assertEquals(data.length, w.size());
    ObjectInfo info = fx.store.head(BUCKET, "dir0/big");
    assertEquals(PfsFixture.md5(data), info.etag());
    ByteBuf buf = fx.allocator.directBuffer(1000);
    try {
      assertEquals(1000, fs.read(BUCKET, "dir0/big", 1234, buf, 1000));
      byte[] got = new byte[1000];
      buf.readBytes(got);
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 1234, 2234), got);
      buf.clear();
      assertEquals(100, fs.read(BUCKET, "dir0/big", data.length - 100, buf, 1000));
      buf.clear();
      assertEquals(0, fs.read(BUCKET, "dir0/big", data.length + 5, buf, 1000));
      assertErrno(Errno.EISDIR, () -> fs.read(BUCKET, "dir0", 0, buf, 10));
      assertErrno(Errno.ENOENT, () -> fs.read(BUCKET, "dir0/none", 0, buf, 10));
    } finally {
      buf.release();
    }
    assertErrno(Errno.EISDIR, () -> fs.openWrite(BUCKET, "dir0", null));
    assertErrno(Errno.ENOENT, () -> fs.openWrite(BUCKET, "nodir/x", null));
    // an overwrite keeps the mode; an uncommitted write leaves nothing
    fs.write(BUCKET, "dir0/big", new ByteArrayInputStream(new byte[3]), null);
    assertEquals(0600, fs.getattr(BUCKET, "dir0/big").mode());
    try (FileOutput out = fs.openWrite(BUCKET, "dir0/partial", null)) {
      out.writeAll(new ByteArrayInputStream(new byte[100]));
    }
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "dir0/partial"));
  }

  @Test
  void setattrIsKeptInAttributes() {
    fs.create(BUCKET, "f", 0644);
    FileAttr a = fs.setattr(BUCKET, "f", new SetAttr(0600, 1000, 2000, 123_456_789_000L));
    assertEquals(0600, a.mode());
    FileAttr g = fs.getattr(BUCKET, "f");
    assertEquals(0600, g.mode());
    assertEquals(1000, g.uid());
    assertEquals(2000, g.gid());
    assertEquals(123_456_789_000L, g.mtimeNanos());
    assertEquals("600", fx.store.head(BUCKET, "f").attributes().get("pfs-mode"));
    put("imp/x", new byte[1]);
    fs.setattr(BUCKET, "imp", SetAttr.mode(0711));
    assertEquals(0711, fs.getattr(BUCKET, "imp").mode());
    fs.setattr(BUCKET, "imp", new SetAttr(null, 5, null, null));
    assertEquals(0711, fs.getattr(BUCKET, "imp").mode());
    assertEquals(5, fs.getattr(BUCKET, "imp").uid());
    assertErrno(Errno.ENOENT, () -> fs.setattr(BUCKET, "nope", SetAttr.mode(0600)));
    assertErrno(Errno.EACCES, () -> fs.setattr(BUCKET, "", SetAttr.mode(0700)));
    assertErrno(Errno.EINVAL, () -> SetAttr.mode(010000));
  }

  @Test
  void renameFiles() {
    fs.create(BUCKET, "a", 0644);
    fs.setattr(BUCKET, "a", SetAttr.mode(0600));
    fs.rename(BUCKET, "a", "b", false);
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "a"));
    assertEquals(0600, fs.getattr(BUCKET, "b").mode());
    put("c", new byte[7]);
    assertErrno(Errno.EEXIST, () -> fs.rename(BUCKET, "b", "c", true));
    fs.rename(BUCKET, "b", "c", false);
    assertEquals(0, fs.getattr(BUCKET, "c").size());
    fs.mkdir(BUCKET, "d", 0755);
    assertErrno(Errno.EISDIR, () -> fs.rename(BUCKET, "c", "d", false));
    assertErrno(Errno.ENOENT, () -> fs.rename(BUCKET, "zz", "y", false));
    assertErrno(Errno.ENOENT, () -> fs.rename(BUCKET, "c", "no/y", false));
    assertErrno(Errno.EINVAL, () -> fs.rename(BUCKET, "c", "", false));
    fs.rename(BUCKET, "c", "d/c", false);
    assertEquals(List.of("c"), names("d"));
  }

  @Test
  void renameDirectories() {
    put("t/x", new byte[1]);
    put("t/sub/y", new byte[2]);
    put("t/sub/z", new byte[3]);
    fs.mkdir(BUCKET, "t/empty", 0755);
    fs.rename(BUCKET, "t", "u", false);
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "t"));
    assertEquals(List.of("empty/", "sub/", "x"), names("u"));
    assertEquals(3, fs.getattr(BUCKET, "u/sub/z").size());
    fs.mkdir(BUCKET, "v", 0755);
    assertErrno(Errno.EEXIST, () -> fs.rename(BUCKET, "u", "v", true));
    fs.rename(BUCKET, "u", "v", false); // replaces an empty directory
    assertEquals(List.of("empty/", "sub/", "x"), names("v"));
    fs.mkdir(BUCKET, "w", 0755);
    fs.create(BUCKET, "w/busy", 0644);
    assertErrno(Errno.ENOTEMPTY, () -> fs.rename(BUCKET, "v", "w", false));
    fs.create(BUCKET, "file", 0644);
    assertErrno(Errno.ENOTDIR, () -> fs.rename(BUCKET, "v", "file", false));
    assertErrno(Errno.EINVAL, () -> fs.rename(BUCKET, "v", "v/sub/in", false));
    // the limit is 5 keys: v holds x, sub/y, sub/z, empty/ and v/ (the replaced marker)
    put("v/sub/more", new byte[1]);
    FsException e = assertThrows(FsException.class, () -> fs.rename(BUCKET, "v", "big", false));
    assertEquals(Errno.EXDEV, e.errno());
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    assertEquals(List.of("empty/", "sub/", "x"), names("v"));
    assertErrno(Errno.ENOENT, () -> fs.getattr(BUCKET, "big"));
  }

  @Test
  void readdirHidesKeysThatCannotBeNames() {
    put("d/ok", new byte[1]);
    put("d//empty-component", new byte[1]);
    put("d/./dot", new byte[1]);
    put("d/../dotdot", new byte[1]);
    put("d/.", new byte[1]);
    put("d/..", new byte[1]);
    put("d/" + "n".repeat(256), new byte[1]);
    put("d/sub/x", new byte[1]);
    put("d/", new byte[0]);
    assertEquals(List.of("ok", "sub/"), names("d"));
    // still reachable as objects
    assertEquals(1, fx.store.head(BUCKET, "d/./dot").size());
    put("/lead", new byte[1]);
    assertEquals(List.of("d/"), names(""));
    assertErrno(Errno.ENOTDIR, () -> fs.readdir(BUCKET, "d/ok", null, 10));
    assertErrno(Errno.ENOENT, () -> fs.readdir(BUCKET, "none", null, 10));
    assertErrno(Errno.EINVAL, () -> fs.readdir(BUCKET, "d", null, 0));
    assertErrno(Errno.EINVAL, () -> fs.readdir(BUCKET, "d", "not-a-cookie", 10));
  }

  @Test
  void readdirPages() {
    for (int i = 0; i < 25; i++) {
      put(String.format("pg/f%03d", i), new byte[i]);
    }
    put("pg/sub/x", new byte[1]);
    List<String> seen = new ArrayList<>();
    String cookie = null;
    int pages = 0;
    do {
      DirPage p = fs.readdir(BUCKET, "pg", cookie, 10);
      pages++;
      p.entries().forEach(e -> seen.add(e.name()));
      cookie = p.cookie();
      assertEquals(p.more(), cookie != null);
    } while (cookie != null);
    assertEquals(3, pages);
    assertEquals(26, seen.size());
    assertFalse(seen.contains(""));
  }

  @Test
  void everyStatusCodeHasAnErrno() {
    for (StatusCode s : StatusCode.values()) {
      Errno e = Errno.of(s);
      assertEquals(e, Errno.fromNumber(e.number()));
    }
    assertEquals(Errno.EXDEV, Errno.of(StatusCode.TOO_MANY_ENTRIES));
    assertEquals(Errno.ENOSPC, Errno.of(StatusCode.QUOTA_EXCEEDED));
    assertEquals(Errno.EIO, Errno.of(StatusCode.DATA_CORRUPT));
  }

  private byte[] read(String key, int max) {
    ByteBuf b = io.netty.buffer.Unpooled.directBuffer(max);
    try {
      int n = fs.read(BUCKET, key, 0, b, max);
      byte[] out = new byte[n];
      b.getBytes(0, out);
      return out;
    } finally {
      b.release();
    }
  }

  private List<String> stagedKeys() {
    return fx
        .store
        .list(BUCKET, io.aquifer.storage.ListQuery.prefix(FileService.STAGED_PREFIX))
        .objects()
        .stream()
        .map(ObjectInfo::key)
        .toList();
  }

  @Test
  void aStagedWriteCommitsByARenameAndAParkLeavesTheFileUnchanged() {
    put("f", new byte[] {1});
    fs.setattr(BUCKET, "f", SetAttr.mode(0600));
    byte[] data = PfsFixture.random(41, 300_000);
    ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(data);
    try (FileOutput out = fs.openWrite(BUCKET, "f", null, true)) {
      assertTrue(out.stagedKey().startsWith(FileService.STAGED_PREFIX));
      out.write(b);
      assertEquals(List.of(), stagedKeys(), "no object before the commit");
      FileAttr a = out.commit();
      assertEquals(data.length, a.size());
      assertEquals(0600, a.mode(), "the old file's mode");
    }
    assertArrayEquals(data, read("f", 1 << 20));
    assertEquals(List.of(), stagedKeys(), "renamed onto the file");
    // a park commits the staged object only
    String key;
    try (FileOutput out = fs.openWrite(BUCKET, "f", null, true)) {
      out.write(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {7, 7}));
      key = out.stagedKey();
      assertEquals(2, out.park().size());
    } finally {
      b.release();
    }
    assertArrayEquals(data, read("f", 1 << 20), "the file is unchanged");
    assertArrayEquals(new byte[] {7, 7}, read(key, 10));
    // this run's parked object is not swept while young; a later run's service sweeps it
    assertEquals(0, fs.sweepStaged(BUCKET));
    assertEquals(List.of(key), stagedKeys());
    FileService next = new FileService(fx.store, FileServiceConfig.defaults());
    assertEquals(1, next.sweepStaged(BUCKET));
    assertEquals(List.of(), stagedKeys());
    // a write that is not staged cannot be parked
    try (FileOutput out = fs.openWrite(BUCKET, "g", null)) {
      assertThrows(IllegalStateException.class, out::park);
    }
  }
}
