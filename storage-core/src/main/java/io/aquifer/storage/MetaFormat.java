package io.aquifer.storage;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
            return new LocalObjectStore.BucketRec(in.i64(), in.i64(), "", BucketQuota.NONE, true);
          }
          int f = in.u8();
          if (f != BUCKET_FORMAT) {
            throw new IOException("unknown bucket record format " + f);
          }
          long id = in.i64();
          long created = in.i64();
          String owner = in.string();
          long maxBytes = in.i64();
          long maxObjects = in.i64();
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
          int f = in.u8();
          if (f != USAGE_FORMAT) {
            throw new IOException("unknown usage record format " + f);
          }
          return new long[] {in.i64(), in.i64()};
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

  /** Decodes an object record (every GET decodes one). */
  static ObjectMeta decodeObject(byte[] b) {
    return read(
        b,
        in -> {
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
        });
  }

  static byte[] encodePacked(PackedRef p) {
    return write(out -> writePacked(out, p));
  }

  static PackedRef decodePacked(byte[] b) {
    return read(b, RecordReader::packed);
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

  static byte[] encodeRef(DataRef r) {
    return write(out -> writeRef(out, r));
  }

  static DataRef decodeRef(byte[] b) {
    return read(b, RecordReader::ref);
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

  static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeInt(map.size());
    for (var e : new java.util.TreeMap<>(map).entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
  }

  /** Strings of any length (writeUTF is limited to 64 KiB). */
  static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
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
    try {
      return parser.read(new RecordReader(b));
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
    T read(RecordReader in) throws IOException;
  }
}
