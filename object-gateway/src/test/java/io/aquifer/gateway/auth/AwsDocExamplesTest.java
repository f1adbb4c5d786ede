package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worked examples of the Amazon S3 API reference ("Authenticating Requests: Using the
 * Authorization Header", "... Using Query Parameters", "... Transferring Payload in Multiple
 * Chunks" and "... Including Trailing Headers"), verified byte for byte: the documented signatures
 * must be accepted, and the documented chunk and trailer signatures must chain.
 */
class AwsDocExamplesTest {
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static final Instant EXAMPLE_TIME = Instant.parse("2013-05-24T00:00:00Z");

  static final CredentialStore DOC_CREDENTIALS =
      ak -> ak.equals(ACCESS_KEY) ? Optional.of(ChunkedBodies.SECRET) : Optional.empty();

  static SigV4Verifier verifier(Instant now) {
    return new SigV4Verifier(DOC_CREDENTIALS, "us-east-1", Clock.fixed(now, ZoneOffset.UTC));
  }

  static HttpHeaders headers(String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  static String authorization(String signedHeaders, String signature) {
    return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        + "SignedHeaders="
        + signedHeaders
        + ",Signature="
        + signature;
  }

  @Test
  void getObjectWithRange() {
    HttpHeaders h =
        headers(
            "Host", "examplebucket.s3.amazonaws.com",
            "Range", "bytes=0-9",
            "x-amz-content-sha256", EMPTY_SHA256,
            "x-amz-date", "20130524T000000Z",
            "Authorization",
                authorization(
                    "host;range;x-amz-content-sha256;x-amz-date",
                    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
    Principal p = verifier(EXAMPLE_TIME).verify("GET", "/test.txt", "", h);
    assertEquals(ACCESS_KEY, p.accessKey());
    assertFalse(p.anonymous());
    assertEquals(PayloadMode.SIGNED, p.mode());
    assertEquals(EMPTY_SHA256, p.payloadSha256());
    assertNull(p.chunkSigner());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/test$file.text", "/test%24file.text"})
  void putObject(String rawPath) {
    String payloadHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    assertEquals(
        payloadHash,
        ChunkedBodies.sha256Hex(
            "Welcome to Amazon S3.".getBytes(StandardCharsets.US_ASCII), 0, 21));
    HttpHeaders h =
        headers(
            "Host", "examplebucket.s3.amazonaws.com",
            "Date", "Fri, 24 May 2013 00:00:00 GMT",
            "x-amz-date", "20130524T000000Z",
            "x-amz-storage-class", "REDUCED_REDUNDANCY",
            "x-amz-content-sha256", payloadHash,
            "Authorization",
                authorization(
                    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
    Principal p = verifier(EXAMPLE_TIME).verify("PUT", rawPath, "", h);
    assertEquals(PayloadMode.SIGNED, p.mode());
    assertEquals(payloadHash, p.payloadSha256());
  }

  @Test
  void getBucketLifecycle() {
    HttpHeaders h =
        headers(
            "Host",
            "examplebucket.s3.amazonaws.com",
            "x-amz-date",
            "20130524T000000Z",
            "x-amz-content-sha256",
            EMPTY_SHA256,
            "Authorization",
            authorization(
                "host;x-amz-content-sha256;x-amz-date",
                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
    assertEquals(ACCESS_KEY, verifier(EXAMPLE_TIME).verify("GET", "/", "lifecycle", h).accessKey());
    // "lifecycle" and "lifecycle=" are the same parameter
    assertEquals(
        ACCESS_KEY, verifier(EXAMPLE_TIME).verify("GET", "/", "lifecycle=", h).accessKey());
  }

  @Test
  void listObjects() {
    HttpHeaders h =
        headers(
            "Host",
            "examplebucket.s3.amazonaws.com",
            "x-amz-date",
            "20130524T000000Z",
            "x-amz-content-sha256",
            EMPTY_SHA256,
            "Authorization",
            authorization(
                "host;x-amz-content-sha256;x-amz-date",
                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
    SigV4Verifier v = verifier(EXAMPLE_TIME);
    assertEquals(ACCESS_KEY, v.verify("GET", "/", "max-keys=2&prefix=J", h).accessKey());
    // the canonical query is sorted, so the order on the wire does not matter
    assertEquals(ACCESS_KEY, v.verify("GET", "/", "prefix=J&max-keys=2", h).accessKey());
    S3Exception e =
        assertThrows(S3Exception.class, () -> v.verify("GET", "/", "max-keys=3&prefix=J", h));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, e.error());
  }

  @Test
  void authorizationHeaderSpacingVariants() {
    String signature = "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";
    String credential = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
    for (String auth :
        new String[] {
          "AWS4-HMAC-SHA256 Credential="
              + credential
              + ", SignedHeaders=host;x-amz-content-sha256;"
              + "x-amz-date, Signature="
              + signature,
          "AWS4-HMAC-SHA256   Credential="
              + credential
              + " ,SignedHeaders=host;x-amz-content-sha256;"
              + "x-amz-date,  Signature="
              + signature
              + " ",
          "AWS4-HMAC-SHA256 Credential="
              + credential
              + " SignedHeaders=host;x-amz-content-sha256;"
              + "x-amz-date Signature="
              + signature,
          "AWS4-HMAC-SHA256 Signature="
              + signature
              + ",Credential="
              + credential
              + ",SignedHeaders=host;x-amz-content-sha256;x-amz-date",
        }) {
      HttpHeaders h =
          headers(
              "Host",
              "examplebucket.s3.amazonaws.com",
              "x-amz-date",
              "20130524T000000Z",
              "x-amz-content-sha256",
              EMPTY_SHA256,
              "Authorization",
              auth);
      assertEquals(
          ACCESS_KEY,
          verifier(EXAMPLE_TIME).verify("GET", "/", "max-keys=2&prefix=J", h).accessKey(),
          auth);
    }
  }

  static final String PRESIGNED_QUERY =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256"
          + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
          + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
          + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

  @Test
  void presignedGet() {
    HttpHeaders h = headers("Host", "examplebucket.s3.amazonaws.com");
    Principal p =
        verifier(EXAMPLE_TIME.plusSeconds(3600)).verify("GET", "/test.txt", PRESIGNED_QUERY, h);
    assertEquals(ACCESS_KEY, p.accessKey());
    assertEquals(PayloadMode.UNSIGNED, p.mode());
    // valid up to and including the last second, expired after
    verifier(EXAMPLE_TIME.plusSeconds(86400)).verify("GET", "/test.txt", PRESIGNED_QUERY, h);
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () ->
                verifier(EXAMPLE_TIME.plusSeconds(86401))
                    .verify("GET", "/test.txt", PRESIGNED_QUERY, h));
    assertEquals(S3Error.ACCESS_DENIED, e.error());
    assertEquals("Request has expired", e.getMessage());
  }

  // ------------------------------------------------------------------ streaming

  static final String SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  static final String[] CHUNK_SIGNATURES = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  };
  static final String TRAILER_SEED =
      "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  static final String[] TRAILER_CHUNK_SIGNATURES = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
  };
  static final String TRAILER_SIGNATURE =
      "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

  static byte[] docPayload() {
    byte[] a = new byte[66560];
    Arrays.fill(a, (byte) 'a');
    return a;
  }

  /** The documented body: 64 KiB and 1 KiB of 'a', the final chunk, then {@code tail}. */
  static byte[] docBody(String[] signatures, String tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] payload = docPayload();
    ChunkedBodies.ascii(out, "10000;chunk-signature=" + signatures[0] + "\r\n");
    out.write(payload, 0, 65536);
    ChunkedBodies.ascii(out, "\r\n400;chunk-signature=" + signatures[1] + "\r\n");
    out.write(payload, 65536, 1024);
    ChunkedBodies.ascii(out, "\r\n0;chunk-signature=" + signatures[2] + "\r\n" + tail);
    return out.toByteArray();
  }

  static Principal streamingPrincipal() {
    HttpHeaders h =
        headers(
            "Host", "s3.amazonaws.com",
            "x-amz-date", "20130524T000000Z",
            "x-amz-storage-class", "REDUCED_REDUNDANCY",
            "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "Content-Encoding", "aws-chunked",
            "x-amz-decoded-content-length", "66560",
            "Content-Length", "66824",
            "Authorization",
                authorization(
                    "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                        + "x-amz-decoded-content-length;x-amz-storage-class",
                    SEED));
    return verifier(EXAMPLE_TIME).verify("PUT", "/examplebucket/chunkObject.txt", "", h);
  }

  static Principal trailerPrincipal() {
    HttpHeaders h =
        headers(
            "Host", "s3.amazonaws.com",
            "x-amz-date", "20130524T000000Z",
            "x-amz-storage-class", "REDUCED_REDUNDANCY",
            "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            "Content-Encoding", "aws-chunked",
            "x-amz-decoded-content-length", "66560",
            "x-amz-trailer", "x-amz-checksum-crc32c",
            "Authorization",
                authorization(
                    "content-encoding;host;x-amz-content-sha256;x-amz-date;"
                        + "x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
                    TRAILER_SEED));
    return verifier(EXAMPLE_TIME).verify("PUT", "/examplebucket/chunkObject.txt", "", h);
  }

  @Test
  void streamingSeedSignature() {
    Principal p = streamingPrincipal();
    assertEquals(PayloadMode.STREAMING_SIGNED, p.mode());
    assertNull(p.payloadSha256());
    assertEquals(SEED, p.chunkSigner().seedSignature());
    assertEquals("20130524T000000Z", p.chunkSigner().amzDate());
    assertEquals("20130524/us-east-1/s3/aws4_request", p.chunkSigner().scope());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 86, 87, 4096, 65536, 65622, 70000})
  void streamingChunksVerifyAtAnySplit(int pieceSize) {
    byte[] body = docBody(CHUNK_SIGNATURES, "\r\n");
    assertEquals(66824, body.length, "the documented Content-Length");
    for (Decoding.Kind kind : Decoding.Kind.values()) {
      if (pieceSize < 64 && kind != Decoding.Kind.HEAP) {
        continue; // tiny direct and composite pieces are slow and add nothing
      }
      AwsChunkedDecoder d =
          new AwsChunkedDecoder(
              PayloadMode.STREAMING_SIGNED, streamingPrincipal().chunkSigner(), Set.of(), 66560);
      int[] cuts = new int[body.length / pieceSize];
      for (int i = 0; i < cuts.length; i++) {
        cuts[i] = (i + 1) * pieceSize;
      }
      Decoding.Result r = Decoding.decode(d, body, cuts, kind);
      assertArrayEquals(docPayload(), r.payload());
      assertTrue(d.done());
      assertEquals(66560, d.decodedBytes());
      assertEquals(Map.of(), r.trailers());
    }
  }

  @Test
  void streamingChunkSignatureOfTheDocumentIsChecked() {
    String[] wrong = CHUNK_SIGNATURES.clone();
    wrong[1] = wrong[1].replace('0', '1');
    AwsChunkedDecoder d =
        new AwsChunkedDecoder(
            PayloadMode.STREAMING_SIGNED, streamingPrincipal().chunkSigner(), Set.of(), 66560);
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () -> Decoding.decode(d, docBody(wrong, "\r\n"), new int[0], Decoding.Kind.HEAP));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, e.error());
    assertFalse(d.done());
  }

  @Test
  void trailerSeedSignature() {
    Principal p = trailerPrincipal();
    assertEquals(PayloadMode.STREAMING_SIGNED_TRAILER, p.mode());
    assertEquals(TRAILER_SEED, p.chunkSigner().seedSignature());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // the standard form, as the SDKs send it
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
            + TRAILER_SIGNATURE
            + "\r\n\r\n",
        // an empty line before the trailers, as drawn in the documentation
        "\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
            + TRAILER_SIGNATURE
            + "\r\n\r\n",
        // LF-terminated trailer then an empty line before the signature (older SDKs)
        "x-amz-checksum-crc32c:sOO8/Q==\n\r\nx-amz-trailer-signature:"
            + TRAILER_SIGNATURE
            + "\r\n\r\n",
      })
  void trailerChunksAndTrailerSignatureVerify(String tail) {
    byte[] body = docBody(TRAILER_CHUNK_SIGNATURES, tail);
    for (int piece : new int[] {1, 13, 65536, body.length}) {
      AwsChunkedDecoder d =
          new AwsChunkedDecoder(
              PayloadMode.STREAMING_SIGNED_TRAILER,
              trailerPrincipal().chunkSigner(),
              Set.of("x-amz-checksum-crc32c"),
              66560);
      int[] cuts = new int[body.length / piece];
      for (int i = 0; i < cuts.length; i++) {
        cuts[i] = (i + 1) * piece;
      }
      Decoding.Result r = Decoding.decode(d, body, cuts, Decoding.Kind.HEAP);
      assertArrayEquals(docPayload(), r.payload());
      assertEquals(Map.of("x-amz-checksum-crc32c", "sOO8/Q=="), r.trailers());
      assertTrue(d.done());
    }
  }

  @Test
  void trailerSignatureOfTheDocumentIsChecked() {
    for (String tail :
        new String[] {
          "x-amz-checksum-crc32c:sOO8/Q=~\r\nx-amz-trailer-signature:"
              + TRAILER_SIGNATURE
              + "\r\n\r\n",
          "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
              + TRAILER_SIGNATURE.replace('d', 'e')
              + "\r\n\r\n",
        }) {
      AwsChunkedDecoder d =
          new AwsChunkedDecoder(
              PayloadMode.STREAMING_SIGNED_TRAILER,
              trailerPrincipal().chunkSigner(),
              Set.of("x-amz-checksum-crc32c"),
              66560);
      S3Exception e =
          assertThrows(
              S3Exception.class,
              () ->
                  Decoding.decode(
                      d, docBody(TRAILER_CHUNK_SIGNATURES, tail), new int[0], Decoding.Kind.HEAP));
      assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, e.error());
    }
  }

  @Test
  void trailerWithoutItsClosingEmptyLineIsIncomplete() {
    String tail =
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + TRAILER_SIGNATURE + "\r\n";
    AwsChunkedDecoder d =
        new AwsChunkedDecoder(
            PayloadMode.STREAMING_SIGNED_TRAILER,
            trailerPrincipal().chunkSigner(),
            Set.of("x-amz-checksum-crc32c"),
            66560);
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () ->
                Decoding.decode(
                    d, docBody(TRAILER_CHUNK_SIGNATURES, tail), new int[0], Decoding.Kind.HEAP));
    assertEquals(S3Error.INCOMPLETE_BODY, e.error());
  }

  @Test
  void testEncoderReproducesTheDocumentedChain() {
    ChunkedBodies.Signing s =
        new ChunkedBodies.Signing(
            ChunkedBodies.docKey(), ChunkedBodies.AMZ_DATE, ChunkedBodies.SCOPE, TRAILER_SEED);
    byte[] body =
        ChunkedBodies.encode(
            docPayload(),
            java.util.List.of(65536),
            s,
            new java.util.LinkedHashMap<>(Map.of("x-amz-checksum-crc32c", "sOO8/Q==")));
    String tail =
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
            + TRAILER_SIGNATURE
            + "\r\n\r\n";
    assertArrayEquals(docBody(TRAILER_CHUNK_SIGNATURES, tail), body);
  }
}
