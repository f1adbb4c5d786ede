package io.aquifer.gateway.auth;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;

/** Feeds a body to a decoder in pieces, as the network would. */
final class Decoding {
  private Decoding() {}

  /** How the pieces are held. */
  enum Kind {
    HEAP,
    DIRECT,
    COMPOSITE
  }

  record Result(byte[] payload, Map<String, String> trailers) {}

  /**
   * Decodes {@code body} split at the given sorted offsets, checks every piece is consumed, and
   * finishes the decoder.
   */
  static Result decode(AwsChunkedDecoder decoder, byte[] body, int[] cuts, Kind kind) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    feed(decoder, body, cuts, kind, out);
    decoder.finish();
    return new Result(out.toByteArray(), decoder.trailers());
  }

  /** Feeds without finishing; returns the payload decoded so far. */
  static byte[] feed(
      AwsChunkedDecoder decoder, byte[] body, int[] cuts, Kind kind, ByteArrayOutputStream out) {
    int from = 0;
    int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
    ends[cuts.length] = body.length;
    for (int end : ends) {
      if (end < from) {
        continue;
      }
      ByteBuf piece = buffer(body, from, end - from, kind);
      try {
        decoder.decode(piece, b -> out.writeBytes(ByteBufUtil.getBytes(b)));
        if (piece.isReadable()) {
          throw new AssertionError("the decoder left " + piece.readableBytes() + " bytes");
        }
      } finally {
        piece.release();
      }
      from = end;
    }
    return out.toByteArray();
  }

  static ByteBuf buffer(byte[] body, int from, int length, Kind kind) {
    return switch (kind) {
      case HEAP -> Unpooled.copiedBuffer(body, from, length);
      case DIRECT -> {
        ByteBuf b = Unpooled.directBuffer(Math.max(1, length));
        b.writeBytes(body, from, length);
        yield b;
      }
      case COMPOSITE -> {
        CompositeByteBuf c = Unpooled.compositeBuffer();
        int half = length / 2;
        c.addComponent(true, Unpooled.copiedBuffer(body, from, half));
        ByteBuf d = Unpooled.directBuffer(Math.max(1, length - half));
        d.writeBytes(body, from + half, length - half);
        c.addComponent(true, d);
        yield c;
      }
    };
  }
}
