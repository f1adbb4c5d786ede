package io.aquifer.gateway.auth;

import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Computes the expected chunk and trailer signatures of one streaming (aws-chunked) request: it
 * holds the request's signing key, its {@code x-amz-date}, its credential scope and its own
 * signature, which seeds the chain of chunk signatures. Made by {@link SigV4Verifier}; used by
 * {@link AwsChunkedDecoder}.
 *
 * <p>A chunk's string to sign is {@code AWS4-HMAC-SHA256-PAYLOAD\n<amz date>\n<scope>\n<previous
 * signature>\n<hex sha256("")>\n<hex sha256(chunk data)>}; the trailer's is {@code
 * AWS4-HMAC-SHA256-TRAILER\n<amz date>\n<scope>\n<previous signature>\n<hex sha256(trailers)>},
 * where the trailers are hashed as {@code name:value\n} each.
 *
 * <p>Belongs to one request and is not thread-safe: it reuses one {@link Mac}.
 */
public final class ChunkSigner {
  private static final byte[] CHUNK_PREFIX =
      "AWS4-HMAC-SHA256-PAYLOAD\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRAILER_PREFIX =
      "AWS4-HMAC-SHA256-TRAILER\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY_HASH_LINE =
      (SigV4.EMPTY_SHA256 + "\n").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NEWLINE = {'\n'};

  private final byte[] signingKey;
  private final String amzDate;
  private final String scope;
  private final String seedSignature;
  private final byte[] dateAndScope;
  private final byte[] hash = new byte[64];
  private final byte[] mac32 = new byte[32];
  private Mac mac;

  ChunkSigner(byte[] signingKey, String amzDate, String scope, String seedSignature) {
    this.signingKey = signingKey.clone();
    this.amzDate = amzDate;
    this.scope = scope;
    this.seedSignature = seedSignature;
    this.dateAndScope = (amzDate + "\n" + scope + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** The request's {@code x-amz-date}, as signed. */
  public String amzDate() {
    return amzDate;
  }

  /** The credential scope, {@code yyyymmdd/region/s3/aws4_request}. */
  public String scope() {
    return scope;
  }

  /** The request's own signature, the previous signature of the first chunk. */
  public String seedSignature() {
    return seedSignature;
  }

  /** The seed signature as 64 ASCII bytes of lowercase hex. */
  byte[] seed() {
    return seedSignature.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes into {@code out} (64 ASCII bytes) the signature of a chunk whose data hashes to {@code
   * dataSha256} (32 bytes), after the signature {@code previous} (64 ASCII bytes).
   */
  void chunkSignature(byte[] previous, byte[] dataSha256, byte[] out) {
    Mac m = mac();
    m.update(CHUNK_PREFIX);
    m.update(dateAndScope);
    m.update(previous, 0, 64);
    m.update(NEWLINE);
    m.update(EMPTY_HASH_LINE);
    SigV4.hex(dataSha256, 32, hash, 0);
    m.update(hash);
    finish(m, out);
  }

  /**
   * Writes into {@code out} (64 ASCII bytes) the signature of trailers whose canonical bytes hash
   * to {@code trailerSha256} (32 bytes), after the final chunk's signature {@code previous}.
   */
  void trailerSignature(byte[] previous, byte[] trailerSha256, byte[] out) {
    Mac m = mac();
    m.update(TRAILER_PREFIX);
    m.update(dateAndScope);
    m.update(previous, 0, 64);
    m.update(NEWLINE);
    SigV4.hex(trailerSha256, 32, hash, 0);
    m.update(hash);
    finish(m, out);
  }

  private void finish(Mac m, byte[] out) {
    try {
      m.doFinal(mac32, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
    SigV4.hex(mac32, 32, out, 0);
  }

  private Mac mac() {
    if (mac == null) {
      mac = SigV4.newMac(signingKey);
    }
    return mac;
  }

  /** Names the scope and date; never the key. */
  @Override
  public String toString() {
    return "ChunkSigner[" + scope + " " + amzDate + "]";
  }
}
