package io.aquifer.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary encoding of index records and shard-file trailers. Each record starts with a format byte
 * so the layout can evolve; decoders reject formats they do not know.
 */
final class MetaFormat {
  private static final int OBJECT_FORMAT = 1;

  /** Object records of packed objects: format 1 followed by the {@link PackedRef}. */
  private static final int PACKED_OBJECT_FORMAT = 2;

  /**
   * Bucket records: the first layout (id, creation time: exactly 16 bytes, no format byte) is read
   * as owner {@code ""} and no quota; the current one starts with this format byte and is never 16
   * bytes long.
   */
  private static final int BUCKET_FORMAT = 2;

  private static final int LEGACY_BUCKET_LENGTH = 16;

  private static final int USAGE_FORMAT = 1;

  private MetaFormat() {}

  static byte[] encodeBucket(LocalObjectStore.BucketRec r) {
    return write(
        out -> {
          out.writeByte(BUCKET_FORMAT);
          out.writeLong(r.id());
          out.writeLong(r.created());
          writeString(out, r.owner());
          out.writeLong(r.quota().maxBytes());
          out.writeLong(r.quota().maxObjects());
        });
  }

  static LocalObjectStore.BucketRec decodeBucket(byte[] b) {
    return read(
        b,
        in -> {
          if (b.length == LEGACY_BUCKET_LENGTH) {
            return new LocalObjectStore.BucketRec(
                in.readLong(), in.readLong(), "", BucketQuota.NONE, true);
          }
          int f = in.readUnsignedByte();
          if (f != BUCKET_FORMAT) {
            throw new IOException("unknown bucket record format " + f);
          }
          long id = in.readLong();
          long created = in.readLong();
          String owner = readString(in);
          long maxBytes = in.readLong();
          long maxObjects = in.readLong();
          if (maxBytes < 0 || maxObjects < 0) {
            throw new IOException("negative quota in bucket record");
          }
          return new LocalObjectStore.BucketRec(
              id, created, owner, new BucketQuota(maxBytes, maxObjects), false);
        });
  }

  /** A bucket's usage record (one of its slots): objects and bytes, either may be negative. */
  static byte[] encodeUsage(long objects, long bytes) {
    return write(
        out -> {
          out.writeByte(USAGE_FORMAT);
          out.writeLong(objects);
          out.writeLong(bytes);
        });
  }

  /** Decodes a usage record as {objects, bytes}. */
  static long[] decodeUsage(byte[] b) {
    return read(
        b,
        in -> {
          int f = in.readUnsignedByte();
          if (f != USAGE_FORMAT) {
            throw new IOException("unknown usage record format " + f);
          }
          return new long[] {in.readLong(), in.readLong()};
        });
  }

  static byte[] encodeObject(ObjectMeta m) {
    return write(
        out -> {
          out.writeByte(m.packed() == null ? OBJECT_FORMAT : PACKED_OBJECT_FORMAT);
          out.writeLong(m.version());
          out.writeLong(m.size());
          out.writeUTF(m.etag());
          out.writeLong(m.mtimeMillis());
          out.writeUTF(m.contentType());
          writeMap(out, m.userMetadata());
          writeMap(out, m.attributes());
          writeBytes(out, m.manifestId());
          out.writeInt(m.segments().size());
          for (DataRef r : m.segments()) {
            writeRef(out, r);
          }
          if (m.packed() != null) {
            writePacked(out, m.packed());
          }
        });
  }

  /**
   * Decodes an object record. Every GET decodes one, so this reads the array directly ({@link
   * Cursor}) rather than through a {@link DataInputStream}; the layout is the one {@link
   * #encodeObject} writes with a {@link DataOutputStream}.
   */
  static ObjectMeta decodeObject(byte[] b) {
    try {
      Cursor in = new Cursor(b);
      int f = in.u8();
      if (f != OBJECT_FORMAT && f != PACKED_OBJECT_FORMAT) {
        throw new IOException("unknown object record format " + f);
      }
      long version = in.i64();
      long size = in.i64();
      String etag = in.utf();
      long mtime = in.i64();
      String type = in.utf();
      Map<String, String> um = in.map();
      Map<String, String> at = in.map();
      byte[] manifest = in.bytes();
      int n = in.i32();
      if (n < 0 || n > 100_000) {
        throw new IOException("bad segment count " + n);
      }
      List<DataRef> segs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        segs.add(in.ref());
      }
      PackedRef packed = f == PACKED_OBJECT_FORMAT ? in.packed() : null;
      return new ObjectMeta(version, size, etag, mtime, type, um, at, manifest, segs, packed);
    } catch (IOException e) {
      throw new StorageException(StatusCode.INTERNAL, "corrupt index record: " + e.getMessage(), e);
    }
  }

  /**
   * Reads what a {@link DataOutputStream} wrote, big-endian, straight from an array: the same
   * values and the same checks as the {@code read*} methods over a {@link DataInputStream}, an
   * {@link IOException} for a record that ends early.
   */
  private static final class Cursor {
    private final byte[] b;
    private int pos;

    Cursor(byte[] b) {
      this.b = b;
    }

    private int need(int n) throws IOException {
      if (n > b.length - pos) {
        throw new java.io.EOFException("truncated record");
      }
      int at = pos;
      pos += n;
      return at;
    }

    int u8() throws IOException {
      return b[need(1)] & 0xff;
    }

    int i32() throws IOException {
      int at = need(4);
      return (b[at] & 0xff) << 24
          | (b[at + 1] & 0xff) << 16
          | (b[at + 2] & 0xff) << 8
          | (b[at + 3] & 0xff);
    }

    long i64() throws IOException {
      return (long) i32() << 32 | (i32() & 0xffffffffL);
    }

    byte[] fixed(int n) throws IOException {
      int at = need(n);
      return java.util.Arrays.copyOfRange(b, at, at + n);
    }

    /** {@link DataInputStream#readUTF}: a 2-byte length, then modified UTF-8. */
    String utf() throws IOException {
      int at = need(2);
      int n = (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
      int from = need(n);
      for (int i = from; i < from + n; i++) {
        if (b[i] < 0 || b[i] == 0) {
          // not plain ASCII: the stream's decoder, for its exact rules and errors
          return new DataInputStream(new ByteArrayInputStream(b, at, n + 2)).readUTF();
        }
      }
      return new String(b, from, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** {@link MetaFormat#readBytes}. */
    byte[] bytes() throws IOException {
      int n = i32();
      if (n == -1) {
        return null;
      }
      if (n < 0 || n > (64 << 20)) {
        throw new IOException("bad length " + n);
      }
      return fixed(n);
    }

    /** {@link MetaFormat#readString}. */
    String string() throws IOException {
      int n = i32();
      if (n < 0 || n > (64 << 20)) {
        throw new IOException("bad length " + n);
      }
      int at = need(n);
      return new String(b, at, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@link MetaFormat#readMap}. */
    Map<String, String> map() throws IOException {
      int n = i32();
      if (n < 0 || n > 100_000) {
        throw new IOException("bad map size " + n);
      }
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        m.put(string(), string());
      }
      return m;
    }

    /** {@link MetaFormat#readRef}. */
    DataRef ref() throws IOException {
      byte[] id = fixed(16);
      long size = i64();
      int k = u8();
      int m = u8();
      int bs = i32();
      int hl = i32();
      int[] drives = new int[k + m];
      for (int i = 0; i < drives.length; i++) {
        drives[i] = u8();
      }
      return new DataRef(id, size, k, m, bs, hl, drives);
    }

    /** {@link MetaFormat#readPacked}. */
    PackedRef packed() throws IOException {
      byte[] id = fixed(16);
      long size = i64();
      int len = i32();
      int n = u8();
      List<PackedRef.Copy> copies = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        copies.add(new PackedRef.Copy(u8(), i64(), i64()));
      }
      return new PackedRef(id, size, len, copies);
    }
  }

  static byte[] encodePacked(PackedRef p) {
    return write(out -> writePacked(out, p));
  }

  static PackedRef decodePacked(byte[] b) {
    return read(b, MetaFormat::readPacked);
  }

  static void writePacked(DataOutputStream out, PackedRef p) throws IOException {
    out.write(p.id());
    out.writeLong(p.size());
    out.writeInt(p.recordLength());
    out.writeByte(p.copies().size());
    for (PackedRef.Copy c : p.copies()) {
      out.writeByte(c.drive());
      out.writeLong(c.segment());
      out.writeLong(c.offset());
    }
  }

  static PackedRef readPacked(DataInputStream in) throws IOException {
    byte[] id = in.readNBytes(16);
    if (id.length != 16) {
      throw new IOException("truncated packed reference");
    }
    long size = in.readLong();
    int len = in.readInt();
    int n = in.readUnsignedByte();
    List<PackedRef.Copy> copies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      copies.add(new PackedRef.Copy(in.readUnsignedByte(), in.readLong(), in.readLong()));
    }
    return new PackedRef(id, size, len, copies);
  }

  static byte[] encodeRef(DataRef r) {
    return write(out -> writeRef(out, r));
  }

  static DataRef decodeRef(byte[] b) {
    return read(b, MetaFormat::readRef);
  }

  static void writeRef(DataOutputStream out, DataRef r) throws IOException {
    out.write(r.id());
    out.writeLong(r.size());
    out.writeByte(r.k());
    out.writeByte(r.m());
    out.writeInt(r.blockSize());
    out.writeInt(r.headerLength());
    for (int d : r.drives()) {
      out.writeByte(d);
    }
  }

  static DataRef readRef(DataInputStream in) throws IOException {
    byte[] id = in.readNBytes(16);
    if (id.length != 16) {
      throw new IOException("truncated data reference");
    }
    long size = in.readLong();
    int k = in.readUnsignedByte();
    int m = in.readUnsignedByte();
    int bs = in.readInt();
    int hl = in.readInt();
    int[] drives = new int[k + m];
    for (int i = 0; i < drives.length; i++) {
      drives[i] = in.readUnsignedByte();
    }
    return new DataRef(id, size, k, m, bs, hl, drives);
  }

  static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeInt(map.size());
    for (var e : new java.util.TreeMap<>(map).entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
  }

  static Map<String, String> readMap(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 100_000) {
      throw new IOException("bad map size " + n);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(readString(in), readString(in));
    }
    return m;
  }

  /** Strings of any length (writeUTF is limited to 64 KiB). */
  static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), java.nio.charset.StandardCharsets.UTF_8);
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > (64 << 20)) {
      throw new IOException("bad length " + n);
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new IOException("truncated record");
    }
    return b;
  }

  /** Writes a record with a body function. */
  static byte[] write(Body body) {
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new DataOutputStream(bytes)) {
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads a record with a body function; malformed input is a {@link StatusCode#INTERNAL}. */
  static <T> T read(byte[] b, Parser<T> parser) {
    try (var in = new DataInputStream(new ByteArrayInputStream(b))) {
      return parser.read(in);
    } catch (IOException e) {
      throw new StorageException(StatusCode.INTERNAL, "corrupt index record: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  @FunctionalInterface
  interface Parser<T> {
    T read(DataInputStream in) throws IOException;
  }
}
