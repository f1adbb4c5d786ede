package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The framing, limits and errors of {@link AwsChunkedDecoder}, case by case. */
class AwsChunkedDecoderTest {
  static final String SEED = "0123456789abcdef".repeat(4);
  static final String SIG = "abababababababababababababababababababababababababababababababab";
  static final String NOT_HEX = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

  static ChunkedBodies.Signing signing() {
    return new ChunkedBodies.Signing(
        ChunkedBodies.docKey(), ChunkedBodies.AMZ_DATE, ChunkedBodies.SCOPE, SEED);
  }

  static AwsChunkedDecoder unsigned(Set<String> declared, long length) {
    return new AwsChunkedDecoder(PayloadMode.STREAMING_UNSIGNED_TRAILER, null, declared, length);
  }

  static AwsChunkedDecoder signed(PayloadMode mode, Set<String> declared, long length) {
    return new AwsChunkedDecoder(mode, signing().signer(), declared, length);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static Decoding.Result decode(AwsChunkedDecoder d, byte[] body) {
    return Decoding.decode(d, body, new int[0], Decoding.Kind.HEAP);
  }

  /** Decodes in one piece and byte by byte: both must fail the same way. */
  static S3Exception fails(
      S3Error expected, java.util.function.Supplier<AwsChunkedDecoder> d, byte[] body) {
    S3Exception whole = assertThrows(S3Exception.class, () -> decode(d.get(), body));
    assertEquals(expected, whole.error(), whole.getMessage());
    int[] cuts = new int[body.length];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i;
    }
    S3Exception bytewise =
        assertThrows(
            S3Exception.class, () -> Decoding.decode(d.get(), body, cuts, Decoding.Kind.HEAP));
    assertEquals(expected, bytewise.error(), bytewise.getMessage());
    return whole;
  }

  @Test
  void constructorChecksItsArguments() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new AwsChunkedDecoder(PayloadMode.SIGNED, null, Set.of(), -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AwsChunkedDecoder(PayloadMode.STREAMING_SIGNED, null, Set.of(), -1));
  }

  @Test
  void unsignedBodies() {
    AwsChunkedDecoder d = unsigned(Set.of(), 5);
    assertFalse(d.done());
    Decoding.Result r = decode(d, ascii("5\r\nhello\r\n0\r\n\r\n"));
    assertArrayEquals(ascii("hello"), r.payload());
    assertTrue(d.done());
    assertEquals(5, d.decodedBytes());
    // extensions are ignored without signatures; sizes are hex of either case
    r = decode(unsigned(Set.of(), -1), ascii("A;foo=bar\r\n0123456789\r\n0;x\r\n\r\n"));
    assertArrayEquals(ascii("0123456789"), r.payload());
    r = decode(unsigned(Set.of(), 0), ascii("0\r\n\r\n"));
    assertEquals(0, r.payload().length);
  }

  @Test
  void trailersAreLowercasedAndTrimmed() {
    Decoding.Result r =
        decode(
            unsigned(Set.of("x-amz-checksum-crc32"), -1),
            ascii("3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32 :  NSRBwg== \r\n\r\n"));
    assertEquals(Map.of("x-amz-checksum-crc32", "NSRBwg=="), r.trailers());
    // and signed as name:value\n in that form
    ChunkedBodies.Signing s = signing();
    String c1 = s.chunk(ascii("abc"), 0, 3);
    String c0 = s.chunk(new byte[0], 0, 0);
    String t = s.trailer("x-amz-checksum-crc32:NSRBwg==\n");
    byte[] body =
        ascii(
            "3;chunk-signature="
                + c1
                + "\r\nabc\r\n0;chunk-signature="
                + c0
                + "\r\nX-Amz-Checksum-CRC32 :  NSRBwg== \r\nx-amz-trailer-signature:"
                + t
                + "\r\n\r\n");
    r =
        decode(
            signed(PayloadMode.STREAMING_SIGNED_TRAILER, Set.of("x-amz-checksum-crc32"), 3), body);
    assertEquals(Map.of("x-amz-checksum-crc32", "NSRBwg=="), r.trailers());
  }

  @Test
  void signedTrailerWithoutTrailers() {
    byte[] body = ChunkedBodies.encode(ascii("xyz"), List.of(2), signing(), new LinkedHashMap<>());
    Decoding.Result r = decode(signed(PayloadMode.STREAMING_SIGNED_TRAILER, Set.of(), 3), body);
    assertArrayEquals(ascii("xyz"), r.payload());
    assertTrue(r.trailers().isEmpty());
  }

  @Test
  void signaturesInUppercaseHexAreTheSameSignatures() {
    String body =
        new String(
            ChunkedBodies.encode(ascii("hello"), List.of(5), signing(), null),
            StandardCharsets.ISO_8859_1);
    int at = body.indexOf("chunk-signature=") + "chunk-signature=".length();
    String upper =
        body.substring(0, at) + body.substring(at, at + 64).toUpperCase() + body.substring(at + 64);
    decode(signed(PayloadMode.STREAMING_SIGNED, Set.of(), 5), ascii(upper));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "g\r\n",
        "\r\n",
        ";x\r\n",
        "-1\r\n",
        " 5\r\n",
        "5 \r\n",
        "0x5\r\n",
        "00000000000000005\r\n",
        "ffffffffffffffff\r\n",
        "4000001\r\n",
        "5\nhello\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",
        "5\r\nhell\r\n0\r\n\r\n",
        "5\r\nhello\r\r0\r\n\r\n",
        "0\r\nx-amz-checksum-crc32:1\r\n\r\nx",
        "0\r\nx-amz-checksum-crc32\r\n\r\n",
        "0\r\nx-amz-meta-undeclared:1\r\n\r\n",
        "0\r\n:1\r\n\r\n",
        "0\r\nbad name:1\r\n\r\n",
        "0\r\nx-amz-checksum-crc32:1\r\nx-amz-checksum-crc32:1\r\n\r\n",
        "0\r\nx-amz-trailer-signature:" + SIG + "\r\n\r\n",
      })
  void unsignedFramingErrorsAreInvalidRequest(String body) {
    fails(S3Error.INVALID_REQUEST, () -> unsigned(Set.of("x-amz-checksum-crc32"), -1), ascii(body));
  }

  @Test
  void theLargestChunkIsAccepted() {
    AwsChunkedDecoder d = unsigned(Set.of(), -1);
    ByteBuf in = Unpooled.copiedBuffer(ascii("4000000\r\nabc"));
    d.decode(in, b -> {});
    assertEquals(3, d.decodedBytes());
    assertEquals(S3Error.INCOMPLETE_BODY, assertThrows(S3Exception.class, d::finish).error());
  }

  @Test
  void longLinesAreRefused() {
    byte[] header = ascii("1".repeat(2) + ";" + "x".repeat(5000) + "\r\n");
    S3Exception e = fails(S3Error.INVALID_REQUEST, () -> unsigned(Set.of(), -1), header);
    assertTrue(e.getMessage().contains("4096"), e.getMessage());
    byte[] noNewline = ascii("a".repeat(5000));
    fails(S3Error.INVALID_REQUEST, () -> unsigned(Set.of(), -1), noNewline);
    // 4096 bytes with the CRLF is fine
    String ok = "5;" + "x".repeat(4096 - 5) + "\r\nhello\r\n0\r\n\r\n";
    decode(unsigned(Set.of(), -1), ascii(ok));
    fails(
        S3Error.INVALID_REQUEST,
        () -> unsigned(Set.of("a"), -1),
        ascii("0\r\na:" + "v".repeat(4100) + "\r\n\r\n"));
  }

  @Test
  void theTrailerSectionIsLimited() {
    Set<String> many = new java.util.HashSet<>();
    StringBuilder b = new StringBuilder("0\r\n");
    for (int i = 0; i < 20; i++) {
      many.add("x-amz-meta-t" + i);
      b.append("x-amz-meta-t").append(i).append(':').append("v".repeat(1000)).append("\r\n");
    }
    b.append("\r\n");
    S3Exception e = fails(S3Error.INVALID_REQUEST, () -> unsigned(many, -1), ascii(b.toString()));
    assertTrue(e.getMessage().contains("16384"), e.getMessage());
    // empty lines before the trailer signature count too
    ChunkedBodies.Signing s = signing();
    String c0 = s.chunk(new byte[0], 0, 0);
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, Set.of(), -1),
        ascii("0;chunk-signature=" + c0 + "\r\n" + "\r\n".repeat(9000)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "5\r\nhello\r\n",
        "5;chunk-signature=xyz\r\nhello\r\n",
        "5;chunk-signature=" + NOT_HEX + "\r\nhello\r\n",
        "5;chunk-signatures=" + SIG + "\r\nhello\r\n",
        "5;chunk-signature=" + SIG + ";x=y\r\nhello\r\n",
        "5;chunk-signature=" + SIG + "0\r\nhello\r\n",
        "5;Chunk-Signature=" + SIG + "\r\nhello\r\n",
        "0\r\n\r\n",
      })
  void signedHeadersMustCarryTheirSignature(String body) {
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(body));
  }

  @Test
  void wrongSignaturesDoNotMatch() {
    fails(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii("5;chunk-signature=" + SIG + "\r\nhello\r\n"));
    // chunks in another order
    ChunkedBodies.Signing s = signing();
    String c1 = s.chunk(ascii("ab"), 0, 2);
    String c2 = s.chunk(ascii("cd"), 0, 2);
    String c0 = s.chunk(new byte[0], 0, 0);
    String swapped =
        "2;chunk-signature="
            + c2
            + "\r\ncd\r\n2;chunk-signature="
            + c1
            + "\r\nab\r\n"
            + "0;chunk-signature="
            + c0
            + "\r\n\r\n";
    fails(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(swapped));
    // a chunk dropped
    String dropped = "2;chunk-signature=" + c1 + "\r\nab\r\n0;chunk-signature=" + c0 + "\r\n\r\n";
    fails(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(dropped));
  }

  @Test
  void signedBodiesEndStrictly() {
    byte[] ok = ChunkedBodies.encode(ascii("hello"), List.of(5), signing(), null);
    String text = new String(ok, StandardCharsets.ISO_8859_1);
    // trailers where none are expected
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(text.substring(0, text.length() - 2) + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"));
    // bytes after the end
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(text + "\r\n"));
    // the closing empty line missing
    fails(
        S3Error.INCOMPLETE_BODY,
        () -> signed(PayloadMode.STREAMING_SIGNED, Set.of(), -1),
        ascii(text.substring(0, text.length() - 2)));
  }

  @Test
  void signedTrailerErrors() {
    Set<String> crc = Set.of("x-amz-checksum-crc32");
    Map<String, String> trailer = new LinkedHashMap<>();
    trailer.put("x-amz-checksum-crc32", "NSRBwg==");
    String ok =
        new String(
            ChunkedBodies.encode(ascii("abc"), List.of(3), signing(), trailer),
            StandardCharsets.ISO_8859_1);
    decode(signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3), ascii(ok));
    int sig = ok.indexOf("x-amz-trailer-signature");
    // no trailer signature: the body is incomplete without it
    S3Exception e =
        fails(
            S3Error.INCOMPLETE_BODY,
            () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3),
            ascii(ok.substring(0, sig) + "\r\n"));
    assertTrue(e.getMessage().contains("x-amz-trailer-signature"), e.getMessage());
    // a trailer after the signature
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3),
        ascii(ok.substring(0, ok.length() - 2) + "x-amz-checksum-crc32:NSRBwg==\r\n\r\n"));
    // a malformed trailer signature
    fails(
        S3Error.INVALID_REQUEST,
        () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3),
        ascii(ok.substring(0, sig) + "x-amz-trailer-signature:abc\r\n\r\n"));
    // a trailer declared but missing, even when signed
    Map<String, String> none = new LinkedHashMap<>();
    String missing =
        new String(
            ChunkedBodies.encode(ascii("abc"), List.of(3), signing(), none),
            StandardCharsets.ISO_8859_1);
    e =
        fails(
            S3Error.INCOMPLETE_BODY,
            () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3),
            ascii(missing));
    assertTrue(e.getMessage().contains("x-amz-checksum-crc32"), e.getMessage());
    // a changed trailer value
    fails(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        () -> signed(PayloadMode.STREAMING_SIGNED_TRAILER, crc, 3),
        ascii(ok.replace("NSRBwg==", "NSRBwh==")));
  }

  @Test
  void decodedLength() {
    byte[] body = ascii("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");
    decode(unsigned(Set.of(), 8), body);
    // more than declared: refused at the chunk header, before its bytes reach the sink
    AwsChunkedDecoder more = unsigned(Set.of(), 6);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () -> Decoding.feed(more, body, new int[0], Decoding.Kind.HEAP, out));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    assertEquals(5, out.size());
    // fewer than declared: incomplete, once the end is known
    AwsChunkedDecoder fewer = unsigned(Set.of(), 9);
    Decoding.feed(fewer, body, new int[0], Decoding.Kind.HEAP, new ByteArrayOutputStream());
    assertTrue(fewer.done());
    assertEquals(S3Error.INCOMPLETE_BODY, assertThrows(S3Exception.class, fewer::finish).error());
  }

  @Test
  void failuresAreSticky() {
    AwsChunkedDecoder d = unsigned(Set.of(), -1);
    ByteBuf bad = Unpooled.copiedBuffer(ascii("zz\r\n"));
    S3Exception first = assertThrows(S3Exception.class, () -> d.decode(bad, b -> {}));
    ByteBuf good = Unpooled.copiedBuffer(ascii("0\r\n\r\n"));
    assertSame(first, assertThrows(S3Exception.class, () -> d.decode(good, b -> {})));
    assertSame(first, assertThrows(S3Exception.class, d::finish));
    assertFalse(d.done());
  }

  @Test
  void theSinkGetsSlicesOfTheInput() {
    byte[] body = ascii("5\r\nhello\r\n0\r\n\r\n");
    ByteBuf in = Unpooled.wrappedBuffer(body);
    List<ByteBuf> seen = new ArrayList<>();
    unsigned(Set.of(), -1)
        .decode(
            in,
            b -> {
              assertTrue(b.hasArray());
              assertSame(body, b.array());
              seen.add(b);
            });
    assertEquals(1, seen.size());
    assertFalse(in.isReadable());
    assertEquals(1, in.refCnt());
  }

  @Test
  void emptyInputChangesNothing() {
    AwsChunkedDecoder d = unsigned(Set.of(), -1);
    d.decode(Unpooled.EMPTY_BUFFER, b -> {});
    assertFalse(d.done());
    assertEquals(S3Error.INCOMPLETE_BODY, assertThrows(S3Exception.class, d::finish).error());
  }
}
