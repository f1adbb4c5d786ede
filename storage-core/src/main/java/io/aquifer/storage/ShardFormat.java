package io.aquifer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The self-describing layout of a shard file:
 *
 * <pre>
 * header  : "AQSH" format(1) id(16) shard(1) k(1) m(1) blockSize(4) drives(k+m)
 *           bucket key uploadId partNumber(4) crc32c(4)
 * blocks  : per stripe, block bytes then their crc32c(4)
 * trailer : body length(4) crc32c(4) "AQTR", where body = format(1) version(8) size(8) etag
 *           mtime(8) contentType userMetadata attributes
 * </pre>
 *
 * Strings are a 4-byte length and UTF-8 bytes. With the header and trailer of the shard files of
 * one id, {@code rebuild-index} restores the index without any other source.
 */
final class ShardFormat {
  static final int HEADER_MAGIC = 0x41515348; // "AQSH"
  static final int TRAILER_MAGIC = 0x41515452; // "AQTR"
  static final int FORMAT = 1;
  static final int TRAILER_TAIL = 12;

  private ShardFormat() {}

  /** Identity of the data a shard file belongs to, from its header. */
  record Header(
      byte[] id,
      int shard,
      int k,
      int m,
      int blockSize,
      int[] drives,
      String bucket,
      String key,
      String uploadId,
      int partNumber,
      int length) {}

  /** What the trailer records. */
  record Trailer(
      long version,
      long size,
      String etag,
      long mtimeMillis,
      String contentType,
      Map<String, String> userMetadata,
      Map<String, String> attributes) {}

  static byte[] header(DataRef ref, int shard, String bucket, String key, String upload, int part) {
    byte[] body =
        MetaFormat.write(
            out -> {
              out.writeInt(HEADER_MAGIC);
              out.writeByte(FORMAT);
              out.write(ref.id());
              out.writeByte(shard);
              out.writeByte(ref.k());
              out.writeByte(ref.m());
              out.writeInt(ref.blockSize());
              for (int d : ref.drives()) {
                out.writeByte(d);
              }
              MetaFormat.writeString(out, bucket);
              MetaFormat.writeString(out, key);
              MetaFormat.writeString(out, upload == null ? "" : upload);
              out.writeInt(part);
            });
    var crc = new CRC32C();
    crc.update(body);
    return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
  }

  /** The length a header will have, without building it twice. */
  static int headerLength(int shards, String bucket, String key, String upload) {
    return 4
        + 1
        + 16
        + 3
        + 4
        + shards
        + 4
        + utf8(bucket)
        + 4
        + utf8(key)
        + 4
        + utf8(upload == null ? "" : upload)
        + 4
        + 4;
  }

  private static int utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  static byte[] trailer(Trailer t) {
    byte[] body =
        MetaFormat.write(
            out -> {
              out.writeByte(FORMAT);
              out.writeLong(t.version());
              out.writeLong(t.size());
              MetaFormat.writeString(out, t.etag());
              out.writeLong(t.mtimeMillis());
              MetaFormat.writeString(out, t.contentType());
              MetaFormat.writeMap(out, t.userMetadata());
              MetaFormat.writeMap(out, t.attributes());
            });
    var crc = new CRC32C();
    crc.update(body);
    return ByteBuffer.allocate(body.length + TRAILER_TAIL)
        .put(body)
        .putInt(body.length)
        .putInt((int) crc.getValue())
        .putInt(TRAILER_MAGIC)
        .array();
  }

  /** Reads and verifies the header of a shard file. */
  static Header readHeader(FileChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 8192));
    ch.read(b, 0);
    byte[] bytes = b.array();
    var in = new RecordReader(bytes, 0, b.position());
    if (in.i32() != HEADER_MAGIC) {
      throw new IOException("not a shard file (bad magic)");
    }
    int f = in.u8();
    if (f != FORMAT) {
      throw new IOException("unknown shard format " + f);
    }
    byte[] id = in.fixed(16);
    int shard = in.u8();
    int k = in.u8();
    int m = in.u8();
    int bs = in.i32();
    int[] drives = new int[k + m];
    for (int i = 0; i < drives.length; i++) {
      drives[i] = in.u8();
    }
    String bucket = in.string();
    String key = in.string();
    String upload = in.string();
    int part = in.i32();
    int len = in.position();
    int stored = in.i32();
    var crc = new CRC32C();
    crc.update(bytes, 0, len);
    if ((int) crc.getValue() != stored) {
      throw new IOException("shard header checksum mismatch");
    }
    return new Header(
        id, shard, k, m, bs, drives, bucket, key, upload.isEmpty() ? null : upload, part, len + 4);
  }

  /** Reads and verifies the trailer; null when the file has none (an unfinished write). */
  static Trailer readTrailer(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < TRAILER_TAIL) {
      return null;
    }
    ByteBuffer tail = ByteBuffer.allocate(TRAILER_TAIL);
    ch.read(tail, size - TRAILER_TAIL);
    tail.flip();
    int len = tail.getInt();
    int crcStored = tail.getInt();
    if (tail.getInt() != TRAILER_MAGIC || len < 0 || len > size - TRAILER_TAIL) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    ch.read(body, size - TRAILER_TAIL - len);
    var crc = new CRC32C();
    crc.update(body.array());
    if ((int) crc.getValue() != crcStored) {
      throw new IOException("shard trailer checksum mismatch");
    }
    var in = new RecordReader(body.array());
    int f = in.u8();
    if (f != FORMAT) {
      throw new IOException("unknown trailer format " + f);
    }
    return new Trailer(in.i64(), in.i64(), in.string(), in.i64(), in.string(), in.map(), in.map());
  }

  /** The raw trailer bytes of a shard file, for copying into a healed shard. */
  static byte[] rawTrailer(FileChannel ch, long dataEnd) throws IOException {
    long size = ch.size();
    ByteBuffer b = ByteBuffer.allocate((int) (size - dataEnd));
    ch.read(b, dataEnd);
    return b.array();
  }
}
