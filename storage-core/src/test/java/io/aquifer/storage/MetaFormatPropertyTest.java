package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/**
 * The array decoder of object records agrees with the {@code DataInputStream} decoder it replaced
 * (kept here as the oracle), for any strings, maps, segments and packed references, and refuses
 * every truncated record as a corrupt index record.
 */
class MetaFormatPropertyTest {

  @Property(tries = 2000)
  void decodesWhatTheEncoderWroteAsTheStreamDecoderDid(
      @ForAll @StringLength(max = 40) String etag,
      @ForAll @StringLength(max = 40) String type,
      @ForAll @StringLength(max = 12) String metaKey,
      @ForAll @StringLength(max = 30) String metaValue,
      @ForAll long seed) {
    Random r = new Random(seed);
    ObjectMeta m = meta(r, etag, type, Map.of(metaKey, metaValue));
    byte[] encoded = MetaFormat.encodeObject(m);
    ObjectMeta fast = MetaFormat.decodeObject(encoded);
    ObjectMeta oracle = streamDecode(encoded);
    assertSame(oracle, fast);
    assertSame(m, fast);
  }

  @Example
  void everyTruncationIsACorruptRecord() {
    Random r = new Random(7);
    for (int i = 0; i < 20; i++) {
      ObjectMeta m = meta(r, "e\u00e9\u0000\uD83D\uDE00", "text/plain", Map.of("k", "v\u00fc"));
      byte[] encoded = MetaFormat.encodeObject(m);
      for (int n = 0; n < encoded.length; n++) {
        byte[] cut = Arrays.copyOf(encoded, n);
        StorageException e =
            assertThrows(StorageException.class, () -> MetaFormat.decodeObject(cut), "at " + n);
        assertEquals(StatusCode.INTERNAL, e.status());
      }
    }
  }

  @Example
  void unknownFormatsAndBadLengthsAreCorruptRecords() {
    byte[] encoded = MetaFormat.encodeObject(meta(new Random(1), "e", "t", Map.of()));
    for (int f : new int[] {0, 3, 255}) {
      byte[] other = encoded.clone();
      other[0] = (byte) f;
      assertEquals(
          StatusCode.INTERNAL,
          assertThrows(StorageException.class, () -> MetaFormat.decodeObject(other)).status());
    }
    // the user-metadata map's size, after format, version, size, etag "e", mtime and type "t"
    int mapAt = 1 + 8 + 8 + 3 + 8 + 3;
    byte[] negative = encoded.clone();
    negative[mapAt] = (byte) 0x80;
    assertEquals(
        StatusCode.INTERNAL,
        assertThrows(StorageException.class, () -> MetaFormat.decodeObject(negative)).status());
  }

  private static ObjectMeta meta(Random r, String etag, String type, Map<String, String> um) {
    byte[] id = new byte[16];
    r.nextBytes(id);
    boolean packed = r.nextBoolean();
    List<DataRef> segs = new ArrayList<>();
    if (!packed) {
      for (int i = r.nextInt(4); i >= 0; i--) {
        int k = 1 + r.nextInt(4);
        int m = r.nextInt(3);
        int[] drives = new int[k + m];
        for (int d = 0; d < drives.length; d++) {
          drives[d] = r.nextInt(256);
        }
        segs.add(
            new DataRef(id, r.nextLong() >>> 1, k, m, r.nextInt(1 << 20), r.nextInt(4096), drives));
      }
    }
    List<PackedRef.Copy> copies = new ArrayList<>();
    for (int i = r.nextInt(4); i >= 0; i--) {
      copies.add(new PackedRef.Copy(r.nextInt(256), r.nextLong(), r.nextLong()));
    }
    PackedRef p = packed ? new PackedRef(id, r.nextInt(1 << 17), r.nextInt(1 << 18), copies) : null;
    byte[] manifest = r.nextBoolean() ? null : id.clone();
    Map<String, String> attrs = r.nextBoolean() ? Map.of() : Map.of("mode", "0644", "uid", "1000");
    return new ObjectMeta(
        r.nextLong(), r.nextLong(), etag, r.nextLong(), type, um, attrs, manifest, segs, p);
  }

  private static void assertSame(ObjectMeta want, ObjectMeta got) {
    assertEquals(want.version(), got.version());
    assertEquals(want.size(), got.size());
    assertEquals(want.etag(), got.etag());
    assertEquals(want.mtimeMillis(), got.mtimeMillis());
    assertEquals(want.contentType(), got.contentType());
    assertEquals(want.userMetadata(), got.userMetadata());
    assertEquals(want.attributes(), got.attributes());
    assertArrayEquals(want.manifestId(), got.manifestId());
    assertEquals(want.segments().size(), got.segments().size());
    for (int i = 0; i < want.segments().size(); i++) {
      DataRef a = want.segments().get(i);
      DataRef b = got.segments().get(i);
      assertArrayEquals(a.id(), b.id());
      assertEquals(a.size(), b.size());
      assertEquals(a.k(), b.k());
      assertEquals(a.m(), b.m());
      assertEquals(a.blockSize(), b.blockSize());
      assertEquals(a.headerLength(), b.headerLength());
      assertArrayEquals(a.drives(), b.drives());
    }
    assertEquals(want.packed() == null, got.packed() == null);
    if (want.packed() != null) {
      assertArrayEquals(want.packed().id(), got.packed().id());
      assertEquals(want.packed().size(), got.packed().size());
      assertEquals(want.packed().recordLength(), got.packed().recordLength());
      assertEquals(want.packed().copies(), got.packed().copies());
    }
  }

  /** The decoder this replaced: the same layout read through a {@code DataInputStream}. */
  private static ObjectMeta streamDecode(byte[] b) {
    return MetaFormat.read(
        b,
        in -> {
          int f = in.readUnsignedByte();
          if (f != 1 && f != 2) {
            throw new IOException("unknown object record format " + f);
          }
          long version = in.readLong();
          long size = in.readLong();
          String etag = in.readUTF();
          long mtime = in.readLong();
          String type = in.readUTF();
          Map<String, String> um = MetaFormat.readMap(in);
          Map<String, String> at = MetaFormat.readMap(in);
          byte[] manifest = MetaFormat.readBytes(in);
          int n = in.readInt();
          List<DataRef> segs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            segs.add(MetaFormat.readRef(in));
          }
          PackedRef packed = f == 2 ? MetaFormat.readPacked(in) : null;
          return new ObjectMeta(version, size, etag, mtime, type, um, at, manifest, segs, packed);
        });
  }
}
