package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects above {@link PutOptions#md5EtagMaxSize()} get a checksum ETag in S3's multipart form,
 * computed from the CRC32C of each stripe's data; up to it, and by default, the content's MD5.
 */
class ChecksumEtagTest {
  @TempDir Path dir;

  /** Stripe data with the test stores' 4 KiB blocks and k = 2. */
  private static final int STRIPE = 2 * TestStores.BLOCK;

  private static final long LIMIT = 3 * STRIPE + 100;

  /** The checksum ETag of {@code data}, computed here from its definition. */
  static String checksumEtag(byte[] data, int stripe) throws Exception {
    MessageDigest md = MessageDigest.getInstance("MD5");
    int n = 0;
    for (int off = 0; off < data.length; off += stripe, n++) {
      CRC32C c = new CRC32C();
      c.update(data, off, Math.min(stripe, data.length - off));
      int v = (int) c.getValue();
      md.update(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }
    return HexFormat.of().formatHex(md.digest()) + "-" + n;
  }

  private static ObjectInfo put(ObjectStore s, String key, byte[] data, PutOptions o) {
    try (ObjectWriter w = s.newWriter("etags", key, o)) {
      for (int off = 0; off < data.length; off += 5000) { // writes across stripe boundaries
        w.write(data, off, Math.min(5000, data.length - off));
      }
      return w.commit();
    }
  }

  @Test
  void largeObjectsGetAChecksumEtagThatSurvivesRebuild() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    PutOptions fast = PutOptions.DEFAULT.withMd5EtagMaxSize(LIMIT);
    byte[] atLimit = TestStores.random(1, (int) LIMIT);
    byte[] above = TestStores.random(2, (int) LIMIT + 1);
    byte[] big = TestStores.random(3, 40 * STRIPE); // whole stripes only
    String bigEtag = checksumEtag(big, STRIPE);
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("etags");
      assertEquals(TestStores.md5(atLimit), put(s, "at-limit", atLimit, fast).etag());
      assertEquals(checksumEtag(above, STRIPE), put(s, "above", above, fast).etag());
      assertEquals(bigEtag, put(s, "big", big, fast).etag());
      assertEquals("-40", bigEtag.substring(32));
      assertEquals(TestStores.md5(big), put(s, "md5", big, PutOptions.DEFAULT).etag());
      assertEquals(bigEtag, s.head("etags", "big").etag());
      assertArrayEquals(big, TestStores.readAll(s, "etags", "big"));
      // a content MD5 to check cannot be checked against a checksum ETag
      try (ObjectWriter w = s.newWriter("etags", "checked", fast)) {
        w.write(big, 0, big.length);
        StorageException e =
            assertThrows(StorageException.class, () -> w.commit(Map.of(), new byte[16]));
        assertEquals(StatusCode.INVALID_ARGUMENT, e.status());
      }
      assertThrows(StorageException.class, () -> s.head("etags", "checked"));
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(bigEtag, s.head("etags", "big").etag());
      assertEquals(checksumEtag(above, STRIPE), s.head("etags", "above").etag());
      assertEquals(TestStores.md5(atLimit), s.head("etags", "at-limit").etag());
    }
  }

  @Test
  void aNegativeLimitIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> PutOptions.DEFAULT.withMd5EtagMaxSize(-1));
  }
}
