package io.aquifer.pfs;

import static io.aquifer.pfs.PfsFixture.BUCKET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.BucketQuota;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.PutOptions;
import io.aquifer.transport.Response;
import io.aquifer.transport.TransportError;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** FileClient against a FileServiceHandler on a real TCP transport on loopback. */
@ExtendWith(LeakCheckExtension.class)
class FileClientTest {
  private PfsFixture fx;
  private FileClient fc;

  @BeforeEach
  void open() throws Exception {
    fx = new PfsFixture(FileServiceConfig.defaults().withMaxRenameEntries(10)).withTransport();
    fc = fx.client;
  }

  @AfterEach
  void close() throws Exception {
    fx.close();
  }

  private static void assertErrno(Errno expected, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  private byte[] readAll(String path, long offset, long length) {
    ByteBuf dst = fx.allocator.directBuffer();
    try {
      long n = fc.read(BUCKET, path, offset, dst, length);
      assertEquals(n, dst.readableBytes());
      byte[] out = new byte[dst.readableBytes()];
      dst.readBytes(out);
      return out;
    } finally {
      dst.release();
    }
  }

  private byte[] objectBytes(String key) throws IOException {
    try (ObjectReader r = fx.store.get(BUCKET, key)) {
      return r.asInputStream().readAllBytes();
    }
  }

  private List<String> names(String dir) {
    List<String> out = new ArrayList<>();
    for (DirEntry e : fc.readdirAll(BUCKET, dir)) {
      out.add(e.name() + (e.attr().isDirectory() ? "/" : ""));
    }
    return out.stream().sorted().toList();
  }

  @Test
  void anObjectPutDirectlyIsVisibleAtOnce() {
    byte[] data = PfsFixture.random(7, 100_000);
    ObjectInfo put = fx.store.put(BUCKET, "ds/train/shard-0.bin", data, PutOptions.DEFAULT);
    FileAttr a = fc.getattr(BUCKET, "ds/train/shard-0.bin");
    assertEquals(FileType.FILE, a.type());
    assertEquals(data.length, a.size());
    assertEquals(put.etag(), a.etag());
    assertTrue(fc.getattr(BUCKET, "ds/train").isDirectory());
    assertEquals(List.of("shard-0.bin"), names("ds/train"));
    assertArrayEquals(data, readAll("ds/train/shard-0.bin", 0, data.length));
  }

  @Test
  void aFileWrittenThroughTheClientIsAnObject() throws Exception {
    byte[] data = PfsFixture.random(8, 3 * (1 << 20) + 12_345);
    fc.mkdir(BUCKET, "ckpt", 0755);
    FileAttr a = fc.write(BUCKET, "ckpt/step-1.pt", new ByteArrayInputStream(data), 0600);
    assertEquals(data.length, a.size());
    ObjectInfo info = fx.store.head(BUCKET, "ckpt/step-1.pt");
    assertEquals(data.length, info.size());
    assertEquals(PfsFixture.md5(data), info.etag());
    assertEquals(PfsFixture.md5(data), a.etag());
    assertArrayEquals(data, objectBytes("ckpt/step-1.pt"));
    assertEquals(0600, fc.getattr(BUCKET, "ckpt/step-1.pt").mode());
    // an empty file
    FileAttr e = fc.write(BUCKET, "ckpt/empty", new ByteArrayInputStream(new byte[0]), null);
    assertEquals(0, e.size());
    assertEquals(PfsFixture.md5(new byte[0]), fx.store.head(BUCKET, "ckpt/empty").etag());
    // an exact multiple of the chunk size
    byte[] exact = PfsFixture.random(9, 512 << 10);
    fc.write(BUCKET, "ckpt/exact", new ByteArrayInputStream(exact), null);
    assertArrayEquals(exact, objectBytes("ckpt/exact"));
    assertErrno(Errno.EISDIR, () -> fc.write(BUCKET, "ckpt", new ByteArrayInputStream(data), null));
    assertErrno(
        Errno.ENOENT, () -> fc.write(BUCKET, "none/x", new ByteArrayInputStream(data), null));
  }

  @Test
  void aWriteWhoseInputFailsStoresNothing() throws Exception {
    byte[] old = PfsFixture.random(10, 1000);
    fx.store.put(BUCKET, "f", old, PutOptions.DEFAULT);
    InputStream failing =
        new InputStream() {
          private int left = 700_000;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
              throw new IOException("disk of the trainer failed");
            }
            int n = Math.min(len, left);
            left -= n;
            return n;
          }
        };
    assertThrows(IOException.class, () -> fc.write(BUCKET, "f", failing, null));
    assertArrayEquals(old, objectBytes("f"));
    assertThrows(IOException.class, () -> fc.write(BUCKET, "g", failingAfter(10), null));
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "g"));
  }

  private static InputStream failingAfter(int bytes) {
    return new InputStream() {
      private int left = bytes;

      @Override
      public int read() throws IOException {
        if (left-- <= 0) {
          throw new IOException("boom");
        }
        return 1;
      }
    };
  }

  @Test
  void stripedReadsOfLargeRanges() {
    byte[] data = PfsFixture.random(11, 5 * (1 << 20) + 777);
    fx.store.put(BUCKET, "big", data, PutOptions.DEFAULT);
    assertArrayEquals(data, readAll("big", 0, data.length));
    assertArrayEquals(data, readAll("big", 0, data.length + (3L << 20)));
    assertArrayEquals(
        Arrays.copyOfRange(data, 1_000_001, 4_500_000), readAll("big", 1_000_001, 3_499_999));
    assertArrayEquals(
        Arrays.copyOfRange(data, data.length - 10, data.length),
        readAll("big", data.length - 10, 1 << 22));
    assertEquals(0, readAll("big", data.length, 100).length);
    assertEquals(0, readAll("big", data.length + (10L << 20), 1 << 21).length);
    assertErrno(Errno.ENOENT, () -> readAll("nothing", 0, 3 << 20));
    fx.store.put(BUCKET, "dir/x", new byte[1], PutOptions.DEFAULT);
    assertErrno(Errno.EISDIR, () -> readAll("dir", 0, 10));
  }

  @Test
  void readRequestsFallOnUnitBoundariesSoEachReadsOneBlock() throws Exception {
    // the fixture's blocks are 64 KiB: a client with 64 KiB units asks for one block per request
    PfsFixture small =
        new PfsFixture(FileServiceConfig.defaults())
            .withTransport(new FileClientConfig(64 << 10, 4, 256 << 10));
    try (small) {
      byte[] data = PfsFixture.random(13, 12 * (64 << 10));
      small.store.put(BUCKET, "f", data, PutOptions.DEFAULT);
      long before = blockReads(small);
      ByteBuf dst = small.allocator.directBuffer();
      try {
        // 32 KiB, 9 units, 32 KiB: 11 requests of one block each (unaligned: 10 of two blocks)
        long n = small.client.read(BUCKET, "f", 32 << 10, dst, 10 * (64 << 10));
        assertEquals(10 * (64 << 10), n);
        byte[] got = new byte[(int) n];
        dst.readBytes(got);
        assertArrayEquals(Arrays.copyOfRange(data, 32 << 10, (32 << 10) + (int) n), got);
      } finally {
        dst.release();
      }
      assertEquals(11, blockReads(small) - before);
    }
  }

  private static long blockReads(PfsFixture f) {
    return f.store.drives().stream().mapToLong(d -> d.reads().count()).sum();
  }

  @Test
  void concurrentReadersOfOneLargeFile() throws Exception {
    byte[] data = PfsFixture.random(12, 4 * (1 << 20) + 99);
    fx.store.put(BUCKET, "shared", data, PutOptions.DEFAULT);
    List<java.util.concurrent.Future<byte[]>> reads = new ArrayList<>();
    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 6; i++) {
        reads.add(threads.submit(() -> readAll("shared", 0, data.length)));
      }
      for (var r : reads) {
        assertArrayEquals(data, r.get());
      }
    }
  }

  @Test
  void metadataOperationsAndTheirErrors() {
    assertTrue(fc.getattr(BUCKET, "").isDirectory());
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "x"));
    assertErrno(Errno.ENOENT, () -> fc.getattr("nobucket", "x"));
    assertErrno(Errno.EINVAL, () -> fc.getattr(BUCKET, "a/./b"));
    FileAttr d = fc.mkdir(BUCKET, "d", 0750);
    assertEquals(0750, d.mode());
    assertTrue(fx.store.head(BUCKET, "d/").size() == 0);
    assertErrno(Errno.EEXIST, () -> fc.mkdir(BUCKET, "d", 0750));
    assertErrno(Errno.ENOENT, () -> fc.mkdir(BUCKET, "no/d", 0750));
    FileAttr f = fc.create(BUCKET, "d/f", 0640);
    assertEquals(0640, f.mode());
    assertErrno(Errno.EEXIST, () -> fc.create(BUCKET, "d/f", 0640));
    assertErrno(Errno.ENOTDIR, () -> fc.create(BUCKET, "d/f/g", 0640));
    assertErrno(Errno.ENOTEMPTY, () -> fc.rmdir(BUCKET, "d"));
    assertErrno(Errno.ENOTDIR, () -> fc.rmdir(BUCKET, "d/f"));
    assertErrno(Errno.EISDIR, () -> fc.unlink(BUCKET, "d"));
    assertErrno(Errno.ENOENT, () -> fc.unlink(BUCKET, "d/nothing"));
    FileAttr s = fc.setattr(BUCKET, "d/f", new SetAttr(0604, 42, 43, 5_000_000_123L));
    assertEquals(0604, s.mode());
    FileAttr g = fc.getattr(BUCKET, "d/f");
    assertEquals(42, g.uid());
    assertEquals(43, g.gid());
    assertEquals(5_000_000_123L, g.mtimeNanos());
    assertEquals("42", fx.store.head(BUCKET, "d/f").attributes().get("pfs-uid"));
    assertErrno(Errno.EACCES, () -> fc.setattr(BUCKET, "", SetAttr.mode(0700)));
    fc.setattr(BUCKET, "d", SetAttr.mode(0700));
    assertEquals(0700, fc.getattr(BUCKET, "d").mode());
    fc.unlink(BUCKET, "d/f");
    fc.rmdir(BUCKET, "d");
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "d"));
    assertErrno(Errno.ENOENT, () -> fc.rmdir(BUCKET, "d"));
  }

  @Test
  void renamesOfFilesAndOfADirectoryTree() {
    fx.store.put(BUCKET, "src/a.bin", new byte[1], PutOptions.DEFAULT);
    fx.store.put(BUCKET, "src/deep/b.bin", new byte[2], PutOptions.DEFAULT);
    fx.store.put(BUCKET, "src/deep/deeper/c.bin", new byte[3], PutOptions.DEFAULT);
    fc.mkdir(BUCKET, "src/emptydir", 0755);
    fc.rename(BUCKET, "src", "dst", false);
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "src"));
    assertEquals(List.of("a.bin", "deep/", "emptydir/"), names("dst"));
    assertEquals(3, fc.getattr(BUCKET, "dst/deep/deeper/c.bin").size());
    assertEquals(3, fx.store.head(BUCKET, "dst/deep/deeper/c.bin").size());
    // files: replace, no-replace, onto a directory
    fc.create(BUCKET, "one", 0644);
    fc.create(BUCKET, "two", 0644);
    assertErrno(Errno.EEXIST, () -> fc.rename(BUCKET, "one", "two", true));
    fc.rename(BUCKET, "one", "two", false);
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "one"));
    assertErrno(Errno.EISDIR, () -> fc.rename(BUCKET, "two", "dst", false));
    assertErrno(Errno.ENOTDIR, () -> fc.rename(BUCKET, "dst", "two", false));
    assertErrno(Errno.EINVAL, () -> fc.rename(BUCKET, "dst", "dst/deep/x", false));
    assertErrno(Errno.ENOENT, () -> fc.rename(BUCKET, "gone", "x", false));
    fc.mkdir(BUCKET, "full", 0755);
    fc.create(BUCKET, "full/x", 0644);
    assertErrno(Errno.ENOTEMPTY, () -> fc.rename(BUCKET, "dst", "full", false));
  }

  @Test
  void aDirectoryRenameOverTheLimitIsExdevAndChangesNothing() {
    for (int i = 0; i < 11; i++) {
      fx.store.put(BUCKET, "many/f" + i, new byte[1], PutOptions.DEFAULT);
    }
    assertErrno(Errno.EXDEV, () -> fc.rename(BUCKET, "many", "moved", false));
    assertEquals(11, fc.readdirAll(BUCKET, "many").size());
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "moved"));
  }

  @Test
  void awkwardKeysAreHiddenButStayObjects() {
    for (String k :
        List.of("h/ok", "h//x", "h/./x", "h/../x", "h/.", "h/..", "h/" + "z".repeat(300))) {
      fx.store.put(BUCKET, k, new byte[1], PutOptions.DEFAULT);
    }
    fx.store.put(BUCKET, "//root-empty", new byte[1], PutOptions.DEFAULT);
    assertEquals(List.of("ok"), names("h"));
    assertEquals(List.of("h/"), names(""));
    assertEquals(1, fx.store.head(BUCKET, "h/../x").size());
    assertErrno(Errno.EINVAL, () -> fc.getattr(BUCKET, "h/.."));
  }

  @Test
  void aFullBucketIsEnospc() {
    fx.store.setQuota(BUCKET, new BucketQuota(1000, 0));
    assertErrno(
        Errno.ENOSPC,
        () -> fc.write(BUCKET, "big", new ByteArrayInputStream(new byte[5000]), null));
    assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "big"));
  }

  @Test
  void malformedRequestsAreEinvalAndTheServerGoesOn() {
    ByteBuf bad = fx.allocator.buffer().writeByte(1).writeByte(FileWire.GETATTR).writeShort(500);
    Response r = fx.connection.request(bad, null).join();
    TransportError.RemoteError e = assertInstanceOfRemote(r);
    assertEquals(FileWire.ERRNO_BASE + Errno.EINVAL.number(), e.code());
    ByteBuf future = fx.allocator.buffer().writeByte(9).writeByte(FileWire.GETATTR);
    TransportError.RemoteError v =
        assertInstanceOfRemote(fx.connection.request(future, null).join());
    assertTrue(v.message().contains("version"), v.message());
    ByteBuf unknown = fx.allocator.buffer().writeByte(1).writeByte(99).writeShort(0);
    assertInstanceOfRemote(fx.connection.request(unknown, null).join());
    assertTrue(fc.getattr(BUCKET, "").isDirectory());
  }

  private static TransportError.RemoteError assertInstanceOfRemote(Response r) {
    if (r instanceof Response.Ok ok) {
      ok.close();
    }
    return org.junit.jupiter.api.Assertions.assertInstanceOf(TransportError.RemoteError.class, r);
  }

  @Test
  void aHandlerThatIsShuttingDownAnswersEio() {
    fx.handler.close();
    FsException e = assertThrows(FsException.class, () -> fc.getattr(BUCKET, ""));
    assertEquals(Errno.EIO, e.errno());
    assertTrue(e.getMessage().contains("shutting down"), e.getMessage());
    assertErrno(
        Errno.EIO, () -> fc.write(BUCKET, "x", new ByteArrayInputStream(new byte[10]), null));
  }

  @Test
  void aLostConnectionIsEio() {
    fx.connection.close();
    assertErrno(Errno.EIO, () -> fc.getattr(BUCKET, ""));
    assertErrno(Errno.EIO, () -> readAll("x", 0, 3 << 20));
  }
}
