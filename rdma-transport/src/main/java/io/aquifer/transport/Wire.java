package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Constants and small codecs of the frame format (docs/pfs-protocol.md is the reference). Every
 * frame: magic u32, version u8, type u8, flags u16, id u64, header length u32, payload length u32,
 * CRC32C u32 (of header then payload, valid with {@link #FLAG_CRC}), then the two sections.
 * Big-endian.
 */
final class Wire {
  private Wire() {}

  static final int MAGIC = 0x41514650; // "AQFP"
  static final int HEADER_BYTES = TransportConfig.FRAME_HEADER_BYTES;

  /** Protocol versions this build speaks. */
  static final int MIN_VERSION = 1;

  static final int MAX_VERSION = 1;

  static final int TYPE_HELLO = 1;
  static final int TYPE_REQUEST = 2;
  static final int TYPE_RESPONSE = 3;
  static final int TYPE_DATA = 4;
  static final int TYPE_CREDIT = 5;
  static final int TYPE_ERROR = 6;

  /** Last frame of a message (a unary request or response, or a stream's last DATA frame). */
  static final int FLAG_END = 0x1;

  /** A REQUEST whose payload follows as DATA frames with the same id. */
  static final int FLAG_STREAM = 0x2;

  /** The CRC32C field is valid. */
  static final int FLAG_CRC = 0x4;

  /** Feature bit offered in HELLO: frames may carry CRC32C. */
  static final long FEATURE_CRC32C = 0x1;

  static final int HELLO_BYTES = 24;

  /** ERROR kinds (the first byte of an ERROR frame's header). */
  static final int ERR_REMOTE = 0;

  static final int ERR_FRAME_TOO_LARGE = 1;
  static final int ERR_VERSION_MISMATCH = 2;
  static final int ERR_PROTOCOL = 3;

  static final int ERROR_FIXED_BYTES = 21;
  static final int ERROR_MESSAGE_MAX_BYTES = 1024;

  static boolean flowControlled(int type) {
    return type == TYPE_REQUEST || type == TYPE_RESPONSE || type == TYPE_DATA;
  }

  /**
   * The fixed part of a frame.
   *
   * @param header borrowed: only read, for the checksum
   * @param payload borrowed likewise
   */
  static ByteBuf prefix(
      ByteBufAllocator alloc,
      int version,
      int type,
      int flags,
      long id,
      ByteBuf header,
      ByteBuf payload,
      CRC32C crc) {
    int checksum = 0;
    if (crc != null) {
      flags |= FLAG_CRC;
      checksum = crc32c(crc, header, payload);
    }
    ByteBuf prefix = alloc.ioBuffer(HEADER_BYTES);
    prefix
        .writeInt(MAGIC)
        .writeByte(version)
        .writeByte(type)
        .writeShort(flags)
        .writeLong(id)
        .writeInt(header.readableBytes())
        .writeInt(payload.readableBytes())
        .writeInt(checksum);
    return prefix;
  }

  /** CRC32C of the readable bytes of {@code a} then {@code b} (both borrowed, not moved). */
  static int crc32c(CRC32C crc, ByteBuf a, ByteBuf b) {
    crc.reset();
    update(crc, a);
    update(crc, b);
    return (int) crc.getValue();
  }

  private static void update(CRC32C crc, ByteBuf buf) {
    if (buf.readableBytes() == 0) {
      return;
    }
    for (ByteBuffer nio : buf.nioBuffers(buf.readerIndex(), buf.readableBytes())) {
      crc.update(nio);
    }
  }

  /** A HELLO body: versions, chosen version (0 from the client), features, limits. */
  record Hello(
      int minVersion,
      int maxVersion,
      int chosenVersion,
      long features,
      long maxFrameBytes,
      long windowBytes) {

    ByteBuf encode(ByteBufAllocator alloc) {
      ByteBuf buf = alloc.ioBuffer(HELLO_BYTES);
      buf.writeShort(minVersion)
          .writeShort(maxVersion)
          .writeShort(chosenVersion)
          .writeShort(0)
          .writeLong(features)
          .writeInt((int) maxFrameBytes)
          .writeInt((int) windowBytes);
      return buf;
    }

    /** Reads a HELLO body; {@code null} when it is too short. {@code buf} is borrowed. */
    static Hello decode(ByteBuf buf) {
      if (buf.readableBytes() < HELLO_BYTES) {
        return null;
      }
      int i = buf.readerIndex();
      return new Hello(
          buf.getUnsignedShort(i),
          buf.getUnsignedShort(i + 2),
          buf.getUnsignedShort(i + 4),
          buf.getLong(i + 8),
          buf.getUnsignedInt(i + 16),
          buf.getUnsignedInt(i + 20));
    }
  }

  /** An ERROR body: kind, code, two arguments, a UTF-8 message. */
  record ErrorBody(int kind, int code, long arg0, long arg1, String message) {

    ByteBuf encode(ByteBufAllocator alloc) {
      byte[] text = message.getBytes(StandardCharsets.UTF_8);
      int length = Math.min(text.length, ERROR_MESSAGE_MAX_BYTES);
      ByteBuf buf = alloc.ioBuffer(ERROR_FIXED_BYTES + length);
      buf.writeByte(kind)
          .writeInt(code)
          .writeLong(arg0)
          .writeLong(arg1)
          .writeBytes(text, 0, length);
      return buf;
    }

    /** Reads an ERROR body; {@code null} when it is too short. {@code buf} is borrowed. */
    static ErrorBody decode(ByteBuf buf) {
      if (buf.readableBytes() < ERROR_FIXED_BYTES) {
        return null;
      }
      int i = buf.readerIndex();
      return new ErrorBody(
          buf.getUnsignedByte(i),
          buf.getInt(i + 1),
          buf.getLong(i + 5),
          buf.getLong(i + 13),
          buf.toString(
              i + ERROR_FIXED_BYTES,
              buf.readableBytes() - ERROR_FIXED_BYTES,
              StandardCharsets.UTF_8));
    }
  }
}
