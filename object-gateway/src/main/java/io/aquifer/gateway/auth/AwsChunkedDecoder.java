package io.aquifer.gateway.auth;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Incremental decoder of an aws-chunked request body (the {@code STREAMING-*} values of {@code
 * x-amz-content-sha256}), verifying the chained chunk signatures and the trailer signature as the
 * bytes stream by.
 *
 * <p>The body is a series of chunks {@code hex-size[;chunk-signature=<64 hex>]\r\n<data>\r\n},
 * ending with a chunk of size 0. Without trailers the final chunk is followed by an empty line
 * ({@code \r\n}). With trailers ({@code *-TRAILER} modes) it is followed by trailer lines {@code
 * name:value}, then, when signed, the line {@code x-amz-trailer-signature:<64 hex>}, then an empty
 * line. Chunk-header lines must end with CRLF; trailer lines may end with CRLF or a bare LF, and in
 * the signed mode empty lines before the signature line are skipped (older SDKs wrote {@code
 * name:value\n\r\n} before it). The closing empty line is required. In the unsigned mode chunk
 * extensions are ignored; in the signed modes the header must be exactly {@code
 * size;chunk-signature=sig}.
 *
 * <p>Errors, each an {@link S3Exception}:
 *
 * <ul>
 *   <li>bad framing (a size that is not hex, a missing or malformed {@code chunk-signature} in a
 *       signed mode, data not followed by CRLF, a malformed trailer line, a trailer after the
 *       trailer signature, a trailer signature in the unsigned mode, a repeated trailer): {@code
 *       InvalidRequest};
 *   <li>limits: a chunk over 64 MiB, a chunk-header or trailer line over 4 KiB, a trailer section
 *       over 16 KiB: {@code InvalidRequest};
 *   <li>a trailer not declared in {@code x-amz-trailer}: {@code InvalidRequest}; a declared trailer
 *       missing when the trailer section ends: {@code IncompleteBody};
 *   <li>a chunk or trailer signature that does not match: {@code SignatureDoesNotMatch};
 *   <li>bytes after the end of the body: {@code InvalidRequest};
 *   <li>more payload than {@code x-amz-decoded-content-length}: {@code InvalidRequest} as soon as a
 *       chunk header announces it; less: {@code IncompleteBody} at {@link #finish()};
 *   <li>the body ending before the final chunk and its trailer section: {@code IncompleteBody} at
 *       {@link #finish()}.
 * </ul>
 *
 * <p>Decoded bytes reach the sink before their chunk's signature is checked (a chunk is never
 * buffered whole), so the caller must not make the data visible until {@link #finish()} returns.
 * After an error the decoder stays failed and repeats it. Not thread-safe; one per request.
 */
public final class AwsChunkedDecoder {
  /** The largest chunk accepted. */
  static final int MAX_CHUNK_SIZE = 64 << 20;

  /** The longest chunk-header or trailer line, terminator included. */
  static final int MAX_LINE = 4096;

  /** The longest trailer section, from after the final chunk header to the end. */
  static final int MAX_TRAILER_SECTION = 16384;

  private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";
  private static final byte[] SIGNATURE_EXTENSION =
      ";chunk-signature=".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY_SHA256 = SigV4.newSha256().digest();

  private enum State {
    CHUNK_HEADER,
    DATA,
    DATA_CR,
    DATA_LF,
    FINAL_CRLF,
    TRAILERS,
    DONE
  }

  private final PayloadMode mode;
  private final ChunkSigner signer;
  private final Set<String> declared;
  private final long decodedLength;
  private final MessageDigest chunkDigest;
  private final MessageDigest trailerDigest;

  private final byte[] line = new byte[MAX_LINE];
  private int lineLength;
  private boolean lineComplete;
  private final byte[] previous = new byte[64];
  private final byte[] claimed = new byte[64];
  private final byte[] expected = new byte[64];
  private final byte[] sha = new byte[32];

  private State state = State.CHUNK_HEADER;
  private long remaining;
  private long decoded;
  private long chunks;
  private int trailerBytes;
  private boolean trailerSigned;
  private final Map<String, String> trailers = new LinkedHashMap<>();
  private S3Exception failure;

  /**
   * A decoder for one request body.
   *
   * @param mode how the body is encoded; must be {@link PayloadMode#chunked()}
   * @param signer the request's chunk signer, required for the {@code STREAMING_SIGNED*} modes and
   *     ignored for {@link PayloadMode#STREAMING_UNSIGNED_TRAILER}
   * @param declaredTrailers the names in {@code x-amz-trailer}, lowercase (may be empty)
   * @param decodedLength {@code x-amz-decoded-content-length}, or -1 when absent
   */
  public AwsChunkedDecoder(
      PayloadMode mode, ChunkSigner signer, Set<String> declaredTrailers, long decodedLength) {
    Objects.requireNonNull(mode, "mode");
    if (!mode.chunked()) {
      throw new IllegalArgumentException(mode + " is not an aws-chunked mode");
    }
    if (mode.signedChunks() && signer == null) {
      throw new IllegalArgumentException(mode + " needs a chunk signer");
    }
    this.mode = mode;
    this.signer = mode.signedChunks() ? signer : null;
    Set<String> names = new LinkedHashSet<>();
    for (String n : declaredTrailers) {
      names.add(n.strip().toLowerCase(Locale.ROOT));
    }
    this.declared = names;
    this.decodedLength = decodedLength;
    this.chunkDigest = this.signer != null ? SigV4.newSha256() : null;
    this.trailerDigest = this.signer != null && mode.trailer() ? SigV4.newSha256() : null;
    if (this.signer != null) {
      byte[] seed = this.signer.seed();
      if (seed.length != 64) {
        throw new IllegalArgumentException("the seed signature is not 64 hex digits");
      }
      System.arraycopy(seed, 0, previous, 0, 64);
    }
  }

  /**
   * Consumes all readable bytes of {@code in}, advancing its reader index, and passes each run of
   * decoded payload bytes to {@code sink}. {@code in} stays owned by the caller; the buffers passed
   * to the sink are slices of it, valid only during the call (the sink copies what it keeps).
   *
   * @throws S3Exception on bad framing, a bad signature, a limit passed, or bytes after the end
   */
  public void decode(ByteBuf in, Consumer<ByteBuf> sink) {
    if (failure != null) {
      throw failure;
    }
    try {
      while (in.isReadable()) {
        switch (state) {
          case CHUNK_HEADER -> {
            if (readLine(in, true)) {
              chunkHeader();
            }
          }
          case DATA -> data(in, sink);
          case DATA_CR -> expect(in, '\r', State.DATA_LF);
          case DATA_LF -> expect(in, '\n', State.CHUNK_HEADER);
          case FINAL_CRLF -> {
            if (readLine(in, true)) {
              if (lineLength != 0) {
                throw invalid(
                    "the final aws-chunked chunk must be followed by an empty line, not '"
                        + lineText(0, lineLength)
                        + "'");
              }
              state = State.DONE;
            }
          }
          case TRAILERS -> {
            int before = in.readerIndex();
            boolean complete = readLine(in, false);
            trailerBytes += in.readerIndex() - before;
            if (trailerBytes > MAX_TRAILER_SECTION) {
              throw invalid(
                  "the aws-chunked trailer section exceeds " + MAX_TRAILER_SECTION + " bytes");
            }
            if (complete) {
              trailerLine();
            }
          }
          case DONE ->
              throw invalid("the request body goes on after the end of its aws-chunked encoding");
        }
      }
    } catch (S3Exception e) {
      failure = e;
      throw e;
    }
  }

  /** True once the final chunk and the trailer section (if any) were parsed and verified. */
  public boolean done() {
    return state == State.DONE && failure == null;
  }

  /**
   * Marks the end of the HTTP body.
   *
   * @throws S3Exception {@code IncompleteBody} unless {@link #done()}, or when fewer bytes than
   *     {@code x-amz-decoded-content-length} were decoded; or the error the decoder failed with
   */
  public void finish() {
    if (failure != null) {
      throw failure;
    }
    if (state != State.DONE) {
      String where =
          switch (state) {
            case CHUNK_HEADER, DATA, DATA_CR, DATA_LF -> "before its final 0-size chunk";
            case FINAL_CRLF -> "before the empty line after its final chunk";
            case TRAILERS ->
                signer != null && !trailerSigned
                    ? "before its x-amz-trailer-signature"
                    : "before the empty line that ends its trailers";
            case DONE -> throw new IllegalStateException();
          };
      failure =
          new S3Exception(
              S3Error.INCOMPLETE_BODY, "The aws-chunked request body ended " + where + ".");
      throw failure;
    }
    if (decodedLength >= 0 && decoded != decodedLength) {
      failure =
          decoded < decodedLength
              ? new S3Exception(
                  S3Error.INCOMPLETE_BODY,
                  "The aws-chunked body decoded to "
                      + decoded
                      + " bytes, fewer than the "
                      + decodedLength
                      + " of x-amz-decoded-content-length.")
              : invalid(
                  "the aws-chunked body decoded to "
                      + decoded
                      + " bytes, more than the "
                      + decodedLength
                      + " of x-amz-decoded-content-length");
      throw failure;
    }
  }

  /**
   * The trailing headers received, except {@code x-amz-trailer-signature}: lowercase names to
   * trimmed values, in the order received.
   */
  public Map<String, String> trailers() {
    return Collections.unmodifiableMap(trailers);
  }

  /** The number of payload bytes decoded so far. */
  public long decodedBytes() {
    return decoded;
  }

  // ---------------------------------------------------------------- chunks

  private void chunkHeader() {
    chunks++;
    int sizeEnd = indexOf(';');
    if (sizeEnd < 0) {
      sizeEnd = lineLength;
    }
    long size = parseSize(sizeEnd);
    if (signer != null) {
      parseChunkSignature(sizeEnd);
    }
    if (decodedLength >= 0 && decoded + size > decodedLength) {
      throw invalid(
          "the aws-chunked body carries more than the "
              + decodedLength
              + " bytes of x-amz-decoded-content-length");
    }
    if (size == 0) {
      if (signer != null) {
        verifyChunk(EMPTY_SHA256);
      }
      state = mode.trailer() ? State.TRAILERS : State.FINAL_CRLF;
    } else {
      remaining = size;
      state = State.DATA;
    }
  }

  private long parseSize(int end) {
    if (end == 0 || end > 16) {
      throw malformedHeader();
    }
    long size = 0;
    for (int i = 0; i < end; i++) {
      int v = SigV4.hexValue(line[i]);
      if (v < 0) {
        throw malformedHeader();
      }
      size = (size << 4) | v;
      if (size > MAX_CHUNK_SIZE) {
        throw invalid(
            "aws-chunked chunk "
                + chunks
                + " is larger than the limit of "
                + MAX_CHUNK_SIZE
                + " bytes");
      }
    }
    return size;
  }

  private void parseChunkSignature(int sizeEnd) {
    int n = SIGNATURE_EXTENSION.length;
    if (lineLength - sizeEnd != n + 64) {
      throw invalid(
          "aws-chunked chunk "
              + chunks
              + " must have a header of the form size;chunk-signature=<64 hex digits>, not '"
              + lineText(0, lineLength)
              + "'");
    }
    for (int i = 0; i < n; i++) {
      if (line[sizeEnd + i] != SIGNATURE_EXTENSION[i]) {
        throw invalid(
            "aws-chunked chunk "
                + chunks
                + " must have a header of the form size;chunk-signature=<64 hex digits>, not '"
                + lineText(0, lineLength)
                + "'");
      }
    }
    copyHex(line, sizeEnd + n, claimed, "chunk-signature");
  }

  private void data(ByteBuf in, Consumer<ByteBuf> sink) {
    int n = (int) Math.min(remaining, in.readableBytes());
    int from = in.readerIndex();
    if (chunkDigest != null) {
      update(chunkDigest, in, from, n);
    }
    ByteBuf slice = in.slice(from, n);
    in.readerIndex(from + n);
    remaining -= n;
    decoded += n;
    sink.accept(slice);
    if (remaining == 0) {
      if (chunkDigest != null) {
        digestInto(chunkDigest);
        verifyChunk(sha);
      }
      state = State.DATA_CR;
    }
  }

  private static void update(MessageDigest digest, ByteBuf in, int from, int n) {
    if (in.hasArray()) {
      digest.update(in.array(), in.arrayOffset() + from, n);
    } else if (in.nioBufferCount() == 1) {
      digest.update(in.nioBuffer(from, n));
    } else {
      for (ByteBuffer b : in.nioBuffers(from, n)) {
        digest.update(b);
      }
    }
  }

  private void digestInto(MessageDigest digest) {
    try {
      digest.digest(sha, 0, 32);
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
  }

  private void verifyChunk(byte[] dataSha256) {
    signer.chunkSignature(previous, dataSha256, expected);
    if (!MessageDigest.isEqual(expected, claimed)) {
      throw new S3Exception(
          S3Error.SIGNATURE_DOES_NOT_MATCH,
          "The chunk-signature of aws-chunked chunk "
              + chunks
              + " does not match the signature we calculated.");
    }
    System.arraycopy(expected, 0, previous, 0, 64);
  }

  private void expect(ByteBuf in, char c, State next) {
    if (in.readByte() != c) {
      throw invalid(
          "the data of aws-chunked chunk "
              + chunks
              + " is not followed by CRLF (is the chunk size right?)");
    }
    state = next;
  }

  // ---------------------------------------------------------------- trailers

  private void trailerLine() {
    if (lineLength == 0) {
      if (signer == null || trailerSigned) {
        endTrailers();
      }
      return; // signed: empty lines before the signature line are tolerated
    }
    if (trailerSigned) {
      throw invalid("no trailer may follow x-amz-trailer-signature");
    }
    int colon = indexOf(':');
    if (colon < 0) {
      throw invalid(
          "malformed aws-chunked trailer line '"
              + lineText(0, lineLength)
              + "': expected name:value");
    }
    String name = lineText(0, colon).strip().toLowerCase(Locale.ROOT);
    String value = lineText(colon + 1, lineLength).strip();
    if (name.isEmpty() || !isToken(name)) {
      throw invalid("malformed aws-chunked trailer name '" + SigV4.quote(name) + "'");
    }
    if (name.equals(TRAILER_SIGNATURE)) {
      if (signer == null) {
        throw invalid(
            "x-amz-trailer-signature is not allowed with STREAMING-UNSIGNED-PAYLOAD-TRAILER");
      }
      byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
      if (v.length != 64) {
        throw invalid("x-amz-trailer-signature must be 64 hex digits");
      }
      copyHex(v, 0, claimed, TRAILER_SIGNATURE);
      digestInto(trailerDigest);
      signer.trailerSignature(previous, sha, expected);
      if (!MessageDigest.isEqual(expected, claimed)) {
        throw new S3Exception(
            S3Error.SIGNATURE_DOES_NOT_MATCH,
            "The x-amz-trailer-signature does not match the signature we calculated.");
      }
      trailerSigned = true;
      return;
    }
    if (!declared.contains(name)) {
      throw invalid("the trailer " + name + " was not declared in x-amz-trailer");
    }
    if (trailers.containsKey(name)) {
      throw invalid("the trailer " + name + " appears more than once");
    }
    trailers.put(name, value);
    if (trailerDigest != null) {
      trailerDigest.update((name + ":" + value + "\n").getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  private void endTrailers() {
    for (String name : declared) {
      if (!trailers.containsKey(name)) {
        throw new S3Exception(
            S3Error.INCOMPLETE_BODY,
            "The trailer " + name + " declared in x-amz-trailer is missing from the request body.");
      }
    }
    state = State.DONE;
  }

  private static boolean isToken(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == ':') {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- lines

  /**
   * Appends bytes of {@code in} to the line buffer up to and including LF. Returns true with the
   * line (without its terminator) in {@code line[0, lineLength)} when complete; false when {@code
   * in} ran out first. A CR before the LF is dropped; {@code crlf} requires it.
   */
  private boolean readLine(ByteBuf in, boolean crlf) {
    if (lineComplete) {
      lineLength = 0;
      lineComplete = false;
    }
    int from = in.readerIndex();
    int to = in.writerIndex();
    int lf = in.indexOf(from, to, (byte) '\n');
    int end = lf < 0 ? to : lf;
    int n = end - from;
    if (lineLength + n + (lf < 0 ? 0 : 1) > MAX_LINE) {
      throw invalid(
          (state == State.TRAILERS ? "an aws-chunked trailer line" : "an aws-chunked chunk header")
              + " is longer than "
              + MAX_LINE
              + " bytes");
    }
    in.getBytes(from, line, lineLength, n);
    lineLength += n;
    if (lf < 0) {
      in.readerIndex(to);
      return false;
    }
    in.readerIndex(lf + 1);
    if (lineLength > 0 && line[lineLength - 1] == '\r') {
      lineLength--;
    } else if (crlf) {
      throw invalid(
          "an aws-chunked chunk header must end with CRLF: '" + lineText(0, lineLength) + "'");
    }
    lineComplete = true;
    return true;
  }

  private int indexOf(char c) {
    for (int i = 0; i < lineLength; i++) {
      if (line[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private String lineText(int from, int to) {
    return SigV4.quote(new String(line, from, to - from, StandardCharsets.ISO_8859_1));
  }

  /** Copies 64 hex digits (either case) from {@code src} as lowercase ASCII into {@code dst}. */
  private void copyHex(byte[] src, int from, byte[] dst, String what) {
    if (src.length - from < 64) {
      throw invalid(what + " must be 64 hex digits");
    }
    for (int i = 0; i < 64; i++) {
      int v = SigV4.hexValue(src[from + i]);
      if (v < 0) {
        throw invalid(what + " must be 64 hex digits");
      }
      dst[i] = (byte) "0123456789abcdef".charAt(v);
    }
  }

  private S3Exception malformedHeader() {
    return invalid(
        "malformed aws-chunked chunk header '"
            + lineText(0, lineLength)
            + "': the size must be hex digits");
  }

  private static S3Exception invalid(String message) {
    return new S3Exception(S3Error.INVALID_REQUEST, message);
  }
}
