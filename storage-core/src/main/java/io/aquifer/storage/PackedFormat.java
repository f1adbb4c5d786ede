package io.aquifer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * On-disk layout of segment files and the packed records in them. All integers are big-endian.
 *
 * <pre>
 * segment file: header (16 bytes), then records back to back
 *   0  int   SEGMENT_MAGIC "AQSG"
 *   4  int   format (1)
 *   8  long  segment id (random; also the file name, 16 hex digits + ".seg")
 *
 * record:
 *   0  int   RECORD_MAGIC "AQPK"
 *   4  byte  state: 1 live, 0 dead (the only byte ever rewritten; not covered by the CRC)
 *   5  byte  format (1)
 *   6  int   h, header bytes
 *   10 int   b, body bytes (the object's size)
 *   14 header: id (16), version (8), mtime (8), etag, content type (strings), user metadata,
 *      attributes (maps, as in {@link MetaFormat}), bucket, key (strings)
 *   14+h     body
 *   14+h+b   int CRC32C of bytes [5, 14+h+b)
 * </pre>
 *
 * A record is killed (state 0) when its object is deleted or replaced, so that {@code
 * rebuild-index} does not restore it; the bucket and key are those it was written under (a rename
 * leaves a name record, see {@link Renames}).
 */
final class PackedFormat {
  static final int SEGMENT_MAGIC = 0x41515347;
  static final int RECORD_MAGIC = 0x4151504b;
  static final int FORMAT = 1;
  static final int SEGMENT_HEADER = 16;
  static final int FIXED = 14;
  static final int STATE_OFFSET = 4;
  static final byte LIVE = 1;
  static final byte DEAD = 0;

  private PackedFormat() {}

  /** The self-describing header of a record. */
  record Header(
      byte[] id,
      long version,
      long mtimeMillis,
      String etag,
      String contentType,
      Map<String, String> userMetadata,
      Map<String, String> attributes,
      String bucket,
      String key) {}

  static byte[] segmentHeader(long segment) {
    return ByteBuffer.allocate(SEGMENT_HEADER)
        .putInt(SEGMENT_MAGIC)
        .putInt(FORMAT)
        .putLong(segment)
        .array();
  }

  /** Builds a whole live record around {@code len} body bytes of {@code body}. */
  static byte[] record(Header h, byte[] body, int len) {
    byte[] hb =
        MetaFormat.write(
            out -> {
              out.write(h.id());
              out.writeLong(h.version());
              out.writeLong(h.mtimeMillis());
              MetaFormat.writeString(out, h.etag());
              MetaFormat.writeString(out, h.contentType());
              MetaFormat.writeMap(out, h.userMetadata());
              MetaFormat.writeMap(out, h.attributes());
              MetaFormat.writeString(out, h.bucket());
              MetaFormat.writeString(out, h.key());
            });
    ByteBuffer r = ByteBuffer.allocate(FIXED + hb.length + len + 4);
    r.putInt(RECORD_MAGIC).put(LIVE).put((byte) FORMAT).putInt(hb.length).putInt(len);
    r.put(hb).put(body, 0, len);
    CRC32C crc = new CRC32C();
    crc.update(r.array(), 5, r.position() - 5);
    r.putInt((int) crc.getValue());
    return r.array();
  }

  /** Total record length from its first {@link #FIXED} bytes, or -1 if they are not a record. */
  static long recordLength(ByteBuffer fixed) {
    if (fixed.getInt(0) != RECORD_MAGIC || fixed.get(5) != FORMAT) {
      return -1;
    }
    int h = fixed.getInt(6);
    int b = fixed.getInt(10);
    if (h < 16 || h > (16 << 20) || b < 0 || b > (16 << 20)) {
      return -1;
    }
    return (long) FIXED + h + b + 4;
  }

  /** Whether a whole record's checksum holds. */
  static boolean checksumOk(byte[] rec) {
    if (rec.length < FIXED + 4) {
      return false;
    }
    CRC32C crc = new CRC32C();
    crc.update(rec, 5, rec.length - 9);
    return ByteBuffer.wrap(rec).getInt(rec.length - 4) == (int) crc.getValue();
  }

  /** Decodes the header of a whole record whose checksum holds. */
  static Header header(byte[] rec) throws IOException {
    int h = ByteBuffer.wrap(rec).getInt(6);
    var in = new RecordReader(rec, FIXED, h);
    byte[] id = in.fixed(16);
    long version = in.i64();
    long mtime = in.i64();
    String etag = in.string();
    String type = in.string();
    Map<String, String> um = in.map();
    Map<String, String> at = in.map();
    String bucket = in.string();
    String key = in.string();
    return new Header(id, version, mtime, etag, type, um, at, bucket, key);
  }

  /** The 16-byte id of a record, read from its header without a checksum check. */
  static byte[] id(byte[] rec) {
    byte[] id = new byte[16];
    System.arraycopy(rec, FIXED, id, 0, 16);
    return id;
  }

  static int bodyOffset(byte[] rec) {
    return FIXED + ByteBuffer.wrap(rec).getInt(6);
  }

  static int bodyLength(byte[] rec) {
    return ByteBuffer.wrap(rec).getInt(10);
  }
}
