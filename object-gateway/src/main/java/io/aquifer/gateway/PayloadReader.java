package io.aquifer.gateway;

import io.aquifer.gateway.auth.AwsChunkedDecoder;
import io.aquifer.gateway.auth.PayloadMode;
import io.aquifer.gateway.auth.Principal;
import io.aquifer.gateway.checksum.Checksum;
import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads an object body from the exchange and verifies it as it streams: the aws-chunked framing and
 * its chunk signatures, the signed SHA-256 of the payload, the declared length, and the flexible
 * checksum (from a header or a trailer). Decoded bytes go to a sink that copies them; nothing is
 * buffered whole.
 */
final class PayloadReader {
  /** Where decoded bytes go; the buffer is borrowed for the call. */
  @FunctionalInterface
  interface Sink {
    void write(ByteBuffer b);
  }

  private final Request req;
  private final Principal principal;
  private final MessageDigest sha256;
  private final ChecksumAlgorithm algorithm;
  private final String headerValue;
  private final boolean trailerChecksum;
  private final Checksum checksum;
  private final long expectedLength;
  private final Set<String> declaredTrailers;
  private long length;
  private String computed;
  private Map<String, String> trailers = Map.of();

  /**
   * @param uploadAlgorithm the checksum algorithm of the multipart upload a part belongs to, or
   *     null
   */
  PayloadReader(Request req, ChecksumAlgorithm uploadAlgorithm) {
    this.req = req;
    this.principal = req.principal;
    PayloadMode mode = principal.mode();
    this.sha256 = mode == PayloadMode.SIGNED ? newSha256() : null;
    // one flexible checksum per request: from a value header, or announced for the trailer
    ChecksumAlgorithm fromHeader = null;
    String value = null;
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String v = req.header(a.headerName());
      if (v != null) {
        if (fromHeader != null) {
          throw new S3Exception(
              S3Error.INVALID_REQUEST,
              "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
        }
        fromHeader = a;
        value = v.trim();
      }
    }
    Set<String> declared = declaredTrailers(req.header("x-amz-trailer"));
    ChecksumAlgorithm fromTrailer = null;
    for (String t : declared) {
      ChecksumAlgorithm a = ChecksumAlgorithm.fromHeader(t);
      if (a != null) {
        if (fromTrailer != null || fromHeader != null) {
          throw new S3Exception(
              S3Error.INVALID_REQUEST,
              "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
        }
        fromTrailer = a;
      }
    }
    if (!declared.isEmpty() && !mode.trailer()) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          "x-amz-trailer needs a STREAMING-*-TRAILER value of x-amz-content-sha256");
    }
    ChecksumAlgorithm sdk = null;
    String sdkName = req.header("x-amz-sdk-checksum-algorithm");
    if (sdkName != null) {
      sdk = ChecksumAlgorithm.fromName(sdkName);
    }
    ChecksumAlgorithm chosen = fromHeader != null ? fromHeader : fromTrailer;
    if (chosen == null) {
      chosen = sdk != null ? sdk : uploadAlgorithm;
    }
    if (uploadAlgorithm != null && chosen != uploadAlgorithm) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          "Checksum Type mismatch occurred, expected checksum Type: "
              + uploadAlgorithm.name().toLowerCase(Locale.ROOT)
              + ", actual checksum Type: "
              + chosen.name().toLowerCase(Locale.ROOT));
    }
    if (value != null) {
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(value);
      } catch (IllegalArgumentException e) {
        raw = null;
      }
      if (raw == null || raw.length != fromHeader.digestLength()) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST,
            "Value for " + fromHeader.headerName() + " header is invalid.");
      }
    }
    this.algorithm = chosen;
    this.headerValue = value;
    this.trailerChecksum = fromTrailer != null;
    this.checksum = chosen == null ? null : chosen.newChecksum();
    this.expectedLength = expectedLength(req, mode);
    this.declaredTrailers = declared;
  }

  private static Set<String> declaredTrailers(String header) {
    Set<String> out = new LinkedHashSet<>();
    if (header != null) {
      for (String t : header.split(",")) {
        String name = t.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          out.add(name);
        }
      }
    }
    return out;
  }

  private static long expectedLength(Request req, PayloadMode mode) {
    if (mode.chunked()) {
      String d = req.header("x-amz-decoded-content-length");
      if (d == null) {
        return -1;
      }
      try {
        long v = Long.parseLong(d.trim());
        if (v < 0) {
          throw new NumberFormatException();
        }
        return v;
      } catch (NumberFormatException e) {
        throw new S3Exception(
            S3Error.INVALID_ARGUMENT, "x-amz-decoded-content-length is not a valid length: " + d);
      }
    }
    return io.netty.handler.codec.http.HttpUtil.getContentLength(req.ex.request, -1L);
  }

  /** The payload length the client declared, or -1 when unknown. */
  long expectedLength() {
    return expectedLength;
  }

  /** Streams the whole body into {@code sink}, then verifies it. */
  void copyTo(Sink sink) {
    PayloadMode mode = principal.mode();
    AwsChunkedDecoder decoder =
        mode.chunked()
            ? new AwsChunkedDecoder(mode, principal.chunkSigner(), declaredTrailers, expectedLength)
            : null;
    for (ByteBuf raw = req.ex.nextBodyChunk(); raw != null; raw = req.ex.nextBodyChunk()) {
      try {
        if (decoder != null) {
          decoder.decode(raw, b -> consume(b, sink));
        } else {
          consume(raw, sink);
        }
      } finally {
        raw.release();
      }
    }
    if (decoder != null) {
      decoder.finish();
      trailers = decoder.trailers();
    }
    verify();
  }

  private void consume(ByteBuf b, Sink sink) {
    int n = b.readableBytes();
    if (n == 0) {
      return;
    }
    length += n;
    if (b.nioBufferCount() == 1) {
      ByteBuffer bb = b.nioBuffer();
      update(bb);
      sink.write(bb);
    } else {
      for (ByteBuffer bb : b.nioBuffers()) {
        update(bb);
        sink.write(bb);
      }
    }
    b.skipBytes(n);
  }

  private void update(ByteBuffer bb) {
    if (sha256 != null) {
      sha256.update(bb.duplicate());
    }
    if (checksum != null) {
      checksum.update(bb.duplicate());
    }
  }

  private void verify() {
    if (!principal.mode().chunked() && expectedLength >= 0 && length != expectedLength) {
      throw new S3Exception(
          S3Error.INCOMPLETE_BODY,
          "received " + length + " bytes of the " + expectedLength + " declared");
    }
    if (sha256 != null) {
      String got = HexFormat.of().formatHex(sha256.digest());
      if (!got.equals(principal.payloadSha256())) {
        throw new S3Exception(
            S3Error.X_AMZ_CONTENT_SHA256_MISMATCH,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    }
    if (checksum != null) {
      String got = Base64.getEncoder().encodeToString(checksum.digest());
      String want = headerValue;
      if (trailerChecksum) {
        want = trailers.get(algorithm.headerName());
        if (want == null) {
          throw new S3Exception(
              S3Error.INCOMPLETE_BODY,
              "the trailer " + algorithm.headerName() + " announced in x-amz-trailer is missing");
        }
      }
      if (want != null && !want.trim().equals(got)) {
        throw new S3Exception(
            S3Error.BAD_DIGEST,
            "The "
                + algorithm.name()
                + " you specified did not match the calculated checksum ("
                + got
                + ").");
      }
      this.computed = got;
    }
  }

  /** Bytes of payload read. */
  long length() {
    return length;
  }

  /** The verified checksum's algorithm, or null when the request carried none. */
  ChecksumAlgorithm algorithm() {
    return algorithm;
  }

  /** The verified (or computed) checksum in base64, or null. */
  String checksumBase64() {
    return computed;
  }

  /** Attributes recording the checksum, to store with the object or part. */
  Map<String, String> checksumAttributes() {
    Map<String, String> m = new HashMap<>();
    if (computed != null) {
      m.put(algorithm.headerName(), computed);
      m.put(Attrs.CHECKSUM_TYPE, "FULL_OBJECT");
    }
    return m;
  }

  /** The MD5 from Content-MD5, or null; a malformed value fails with InvalidDigest. */
  static byte[] contentMd5(Request req) {
    String v = req.header("content-md5");
    if (v == null) {
      return null;
    }
    try {
      byte[] md5 = Base64.getDecoder().decode(v.trim());
      if (md5.length == 16) {
        return md5;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new S3Exception(S3Error.INVALID_DIGEST, "The Content-MD5 you specified is not valid.");
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
