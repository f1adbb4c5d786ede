package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

/**
 * {@link RecordReader} reads back every value a {@code DataOutputStream} and {@link MetaFormat}'s
 * writers wrote, for any strings (modified UTF-8 included), maps, segments and packed references;
 * object records decode to what was encoded; every truncated record is refused.
 */
class MetaFormatPropertyTest {

  @Property(tries = 2000)
  void decodesWhatTheEncoderWrote(
      @ForAll @StringLength(max = 40) String etag,
      @ForAll @StringLength(max = 40) String type,
      @ForAll @StringLength(max = 12) String metaKey,
      @ForAll @StringLength(max = 30) String metaValue,
      @ForAll long seed) {
    Random r = new Random(seed);
    ObjectMeta m = meta(r, etag, type, Map.of(metaKey, metaValue));
    byte[] encoded = MetaFormat.encodeObject(m);
    assertSame(m, MetaFormat.decodeObject(encoded));
  }

  @Property(tries = 1000)
  void readsBackEveryValueTheStreamWrote(
      @ForAll @StringLength(max = 40) String text, @ForAll long seed) throws IOException {
    Random r = new Random(seed);
    List<Object> want = new ArrayList<>();
    var bytes = new ByteArrayOutputStream();
    var out = new DataOutputStream(bytes);
    int[] kinds = new int[1 + r.nextInt(12)];
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = r.nextInt(8);
      switch (kinds[i]) {
        case 0 -> want.add(write(r.nextInt(256), out::writeByte));
        case 1 -> want.add(write(r.nextBoolean(), out::writeBoolean));
        case 2 -> want.add(write(r.nextInt(), out::writeInt));
        case 3 -> want.add(write(r.nextLong(), out::writeLong));
        case 4 -> want.add(write(text, out::writeUTF));
        case 5 -> want.add(write(text, v -> MetaFormat.writeString(out, v)));
        case 6 -> {
          byte[] b = r.nextBoolean() ? null : text.getBytes(StandardCharsets.UTF_16BE);
          MetaFormat.writeBytes(out, b);
          want.add(b == null ? null : HexFormat.of().formatHex(b));
        }
        default -> {
          Map<String, String> m = new java.util.HashMap<>();
          m.put(text, "v");
          m.put("k" + r.nextInt(9), text);
          MetaFormat.writeMap(out, m);
          want.add(m);
        }
      }
    }
    out.flush();
    byte[] all = bytes.toByteArray();
    RecordReader in = new RecordReader(all);
    for (int i = 0; i < kinds.length; i++) {
      assertEquals(want.get(i), read(in, kinds[i]), "value " + i);
    }
    assertEquals(all.length, in.position());
    for (int n = 0; n < all.length; n++) {
      RecordReader cut = new RecordReader(all, 0, n);
      assertThrows(
          IOException.class,
          () -> {
            for (int kind : kinds) {
              read(cut, kind);
            }
          },
          "cut at " + n);
    }
  }

  private static Object read(RecordReader in, int kind) throws IOException {
    return switch (kind) {
      case 0 -> in.u8();
      case 1 -> in.bool();
      case 2 -> in.i32();
      case 3 -> in.i64();
      case 4 -> in.utf();
      case 5 -> in.string();
      case 6 -> {
        byte[] b = in.bytes();
        yield b == null ? null : HexFormat.of().formatHex(b);
      }
      default -> in.map();
    };
  }

  @FunctionalInterface
  private interface Writer<T> {
    void write(T value) throws IOException;
  }

  private static <T> T write(T value, Writer<T> w) throws IOException {
    w.write(value);
    return value;
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
}
