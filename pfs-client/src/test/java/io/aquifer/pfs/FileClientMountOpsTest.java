package io.aquifer.pfs;

import static io.aquifer.pfs.PfsFixture.BUCKET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.BucketQuota;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** The file-service ops the mount added, over the wire: symlinks, buckets, statfs, owners, etc. */
@ExtendWith(LeakCheckExtension.class)
class FileClientMountOpsTest {
  private PfsFixture fx;
  private FileClient fc;

  @BeforeEach
  void open() throws Exception {
    fx = new PfsFixture().withTransport();
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

  @Test
  void symlinksAreTypedObjects() {
    FileAttr a = fc.symlink(BUCKET, "ln", "some/target", 7, 8);
    assertEquals(FileType.SYMLINK, a.type());
    assertEquals("some/target".length(), a.size());
    assertEquals(7, a.uid());
    assertEquals("some/target", fc.readlink(BUCKET, "ln"));
    assertEquals(FileType.SYMLINK, fc.getattr(BUCKET, "ln").type());
    assertEquals(FileType.SYMLINK, fc.readdirAll(BUCKET, "").getFirst().attr().type());
    assertErrno(Errno.EEXIST, () -> fc.symlink(BUCKET, "ln", "x", 0, 0));
    assertErrno(Errno.EINVAL, () -> fc.symlink(BUCKET, "l2", "", 0, 0));
    fx.store.put(BUCKET, "plain", new byte[] {1}, PutOptions.DEFAULT);
    assertErrno(Errno.EINVAL, () -> fc.readlink(BUCKET, "plain"));
    assertErrno(Errno.ENOENT, () -> fc.readlink(BUCKET, "none"));
    fc.rename(BUCKET, "ln", "ln2", false);
    assertEquals("some/target", fc.readlink(BUCKET, "ln2"));
  }

  @Test
  void ownersOfNewNamesBucketsAndStatfs() {
    assertEquals(1234, fc.create(BUCKET, "f", 0600, 1234, 99).uid());
    assertEquals(99, fc.getattr(BUCKET, "f").gid());
    assertEquals(55, fc.mkdir(BUCKET, "d", 0700, 55, 66).uid());
    assertEquals(0700, fc.getattr(BUCKET, "d").mode());
    fx.store.createBucket("zeta");
    assertEquals(List.of(BUCKET, "zeta"), fc.listBuckets());
    FsStats all = fc.statfs("");
    assertTrue(all.totalBytes() > 0 && all.freeBytes() <= all.totalBytes(), all.toString());
    assertEquals(2, all.files(), "f and the d/ marker");
    fx.store.setQuota(BUCKET, new BucketQuota(1 << 20, 0));
    FsStats q = fc.statfs(BUCKET);
    assertEquals(1 << 20, q.totalBytes());
    assertErrno(Errno.ENOENT, () -> fc.statfs("nosuch"));
  }

  @Test
  void aStreamedWriterCommitsOnlyAtTheEndAndReadsPinAVersion() throws Exception {
    byte[] data = PfsFixture.random(1, 3 * (256 << 10) + 5);
    try (FileWriter w = fc.openWriter(BUCKET, "s", 0640)) {
      w.write(ByteBuffer.wrap(data, 0, 1000));
      w.write(ByteBuffer.wrap(data, 1000, data.length - 1000));
      assertEquals(data.length, w.written());
      assertErrno(Errno.ENOENT, () -> fc.getattr(BUCKET, "s"));
      FileAttr a = w.commit();
      assertEquals(PfsFixture.md5(data), a.etag());
    }
    ObjectInfo info = fx.store.head(BUCKET, "s");
    assertEquals(data.length, info.size());
    try (FileWriter w = fc.openWriter(BUCKET, "s", null)) {
      w.write(ByteBuffer.wrap(new byte[] {1}));
      w.abort();
    }
    assertEquals(data.length, fx.store.head(BUCKET, "s").size(), "an abort stores nothing");
    assertErrno(
        Errno.EISDIR,
        () -> {
          try (FileWriter w = fc.openWriter(BUCKET, "", null)) {
            w.commit();
          }
        });
    ByteBuf dst = fx.allocator.directBuffer();
    try {
      assertEquals(10, fc.read(BUCKET, "s", 0, dst, 10, info.etag()));
      assertArrayEquals(java.util.Arrays.copyOf(data, 10), java.util.Arrays.copyOf(bytes(dst), 10));
      dst.clear();
      assertErrno(Errno.ESTALE, () -> fc.read(BUCKET, "s", 0, dst, 10, "0123"));
    } finally {
      dst.release();
    }
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), out);
    return out;
  }
}
