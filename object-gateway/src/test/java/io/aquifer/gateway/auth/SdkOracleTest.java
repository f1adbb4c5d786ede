package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.presigner.PresignedRequest;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * The AWS SDK for Java v2 as the oracle: requests signed by its own SigV4 signer ({@code
 * AwsV4HttpSigner}, configured as for S3) and URLs made by its {@code S3Presigner}, with random
 * keys and awkward paths, queries and headers, must be accepted; changing any one byte of the path,
 * query, a signed header or the signature must be rejected, unless the change leaves the canonical
 * request the same (e.g. {@code %2A} for {@code %2a}), in which case it must still be accepted. The
 * SDK's aws-chunked bodies must decode to the payload with its trailing checksum.
 */
class SdkOracleTest {
  static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  static final String[] KEY_PIECES = {
    "a",
    "Z",
    "9",
    " ",
    "+",
    "~",
    "é",
    "€",
    "\uD83D\uDE00",
    "//",
    "..",
    ".",
    "%",
    "!",
    "*",
    "(",
    ")",
    "=",
    "&",
    ":",
    "@",
    ",",
    ";",
    "$",
    "?",
    "#",
    "[",
    "]",
    "'",
    "/",
    "-",
    "_",
    "%41",
    "\t"
  };
  static final String[] QUERY_NAMES = {
    "prefix",
    "max-keys",
    "list-type",
    "delimiter",
    "marker",
    "versionId",
    "uploads",
    "partNumber",
    "x-id",
    "a b",
    "é",
    "response-content-disposition",
    "k+e/y"
  };
  static final String[] HEADER_VALUES = {
    "v", "a  b", " lead", "trail ", "x\ty", "=", "é", "%20", "a,b", "UTF-8''n%C3%A9"
  };

  record Case(
      SdkSigning.Wire wire, CredentialStore store, int mode, byte[] payload, String accessKey) {}

  @Property(tries = 150)
  void headerAuthMatchesTheSdkSigner(@ForAll long seed) {
    Random rnd = new Random(seed);
    Case c = signedCase(rnd);
    SigV4Verifier v = new SigV4Verifier(c.store(), "us-east-1", CLOCK);
    SdkSigning.Wire w = c.wire();
    Principal p = v.verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    assertEquals(c.accessKey(), p.accessKey());
    checkPayload(c, p);

    // one byte of the path
    String path = mutate(w.rawPath(), 1, rnd, "abcXYZ019-._~!*'()%/:@");
    expectPathOrQuery(v, w, path, w.rawQuery(), sameDecoded(w.rawPath(), path));
    // one byte of the query
    if (!w.rawQuery().isEmpty()) {
      String query = mutateQuery(w.rawQuery(), rnd);
      expectPathOrQuery(v, w, w.rawPath(), query, sameQuery(w.rawQuery(), query));
    }
    // one byte of each signed header
    String auth = w.headers().get("Authorization");
    String signedHeaders = auth.replaceAll(".*SignedHeaders=([^,]*),.*", "$1");
    for (String name : signedHeaders.split(";")) {
      HttpHeaders h = copy(w.headers());
      String value = h.get(name);
      String changed = mutateNonBlank(value, rnd);
      if (changed == null) {
        continue;
      }
      h.set(name, changed);
      S3Exception e =
          assertThrows(
              S3Exception.class,
              () -> v.verify(w.method(), w.rawPath(), w.rawQuery(), h),
              name + ": " + value + " -> " + changed);
      if (!name.equals("x-amz-date") && !name.equals("x-amz-content-sha256")) {
        assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, e.error(), name);
      }
    }
    // one byte of the signature
    int at = auth.indexOf("Signature=") + "Signature=".length() + rnd.nextInt(64);
    char old = auth.charAt(at);
    char repl = "0123456789abcdef".charAt((Character.digit(old, 16) + 1 + rnd.nextInt(15)) % 16);
    HttpHeaders h = copy(w.headers());
    h.set("Authorization", auth.substring(0, at) + repl + auth.substring(at + 1));
    assertEquals(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        assertThrows(S3Exception.class, () -> v.verify(w.method(), w.rawPath(), w.rawQuery(), h))
            .error());
    // another method
    String other = w.method().equals("GET") ? "HEAD" : "GET";
    assertEquals(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        assertThrows(
                S3Exception.class, () -> v.verify(other, w.rawPath(), w.rawQuery(), w.headers()))
            .error());
    // an unsigned x-amz- header is refused, an unsigned ordinary header is not
    HttpHeaders extra = copy(w.headers());
    extra.add("User-Agent", "test");
    v.verify(w.method(), w.rawPath(), w.rawQuery(), extra);
    extra.add("x-amz-acl", "public-read");
    assertEquals(
        S3Error.ACCESS_DENIED,
        assertThrows(
                S3Exception.class, () -> v.verify(w.method(), w.rawPath(), w.rawQuery(), extra))
            .error());
  }

  @Property(tries = 40)
  void presignedUrlsOfTheSdkPresigner(@ForAll long seed) {
    Random rnd = new Random(seed);
    String accessKey = "AKIA" + randomString(rnd, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    String secret = randomString(rnd, 40, "abcdefghijKLMNOPQRST0123456789+/");
    CredentialStore store = ak -> ak.equals(accessKey) ? Optional.of(secret) : Optional.empty();
    String key = randomKey(rnd);
    Duration ttl = Duration.ofSeconds(1 + rnd.nextInt(7 * 24 * 3600));
    PresignedRequest presigned;
    try (S3Presigner presigner =
        S3Presigner.builder()
            .region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://localhost:9000"))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
            .build()) {
      if (rnd.nextBoolean()) {
        presigned =
            presigner.presignGetObject(
                b ->
                    b.signatureDuration(ttl)
                        .getObjectRequest(
                            g -> {
                              g.bucket("bucket").key(key);
                              if (rnd.nextBoolean()) {
                                g.responseContentDisposition(
                                    "attachment; filename=\"" + randomKey(rnd) + "\"");
                              }
                              if (rnd.nextBoolean()) {
                                g.versionId(randomKey(rnd));
                              }
                            }));
      } else {
        presigned =
            presigner.presignPutObject(
                b ->
                    b.signatureDuration(ttl)
                        .putObjectRequest(
                            p -> {
                              p.bucket("bucket").key(key);
                              if (rnd.nextBoolean()) {
                                p.contentType("text/plain; charset=utf-8");
                              }
                              if (rnd.nextBoolean()) {
                                p.metadata(Map.of("note", "x  y"));
                              }
                            }));
      }
    }
    SdkHttpRequest r = presigned.httpRequest();
    String method = r.method().name();
    String rawPath = r.encodedPath();
    String rawQuery = r.encodedQueryParameters().orElseThrow();
    HttpHeaders headers = SdkSigning.toNetty(presigned.signedHeaders());
    Instant signedAt = SigV4.parseAmzDate(r.firstMatchingRawQueryParameter("X-Amz-Date").get());
    assertNotNull(signedAt);
    long within = (long) (rnd.nextDouble() * ttl.toSeconds());
    SigV4Verifier v =
        new SigV4Verifier(
            store, "us-east-1", Clock.fixed(signedAt.plusSeconds(within), ZoneOffset.UTC));
    Principal p = v.verify(method, rawPath, rawQuery, headers);
    assertEquals(accessKey, p.accessKey());
    assertEquals(PayloadMode.UNSIGNED, p.mode());
    assertNull(p.chunkSigner());

    String path = mutate(rawPath, 1, rnd, "abcXYZ019-._~!*'()%/:@");
    expectAnyRejection(v, method, path, rawQuery, headers, sameDecoded(rawPath, path));
    String query = mutateQuery(rawQuery, rnd);
    expectAnyRejection(v, method, rawPath, query, headers, sameQuery(rawQuery, query));
    for (String name : presigned.signedHeaders().keySet()) {
      HttpHeaders h = copy(headers);
      String changed = mutateNonBlank(h.get(name), rnd);
      if (changed != null) {
        h.set(name, changed);
        assertEquals(
            S3Error.SIGNATURE_DOES_NOT_MATCH,
            assertThrows(S3Exception.class, () -> v.verify(method, rawPath, rawQuery, h)).error());
      }
    }
    SigV4Verifier late =
        new SigV4Verifier(
            store, "us-east-1", Clock.fixed(signedAt.plus(ttl).plusSeconds(1), ZoneOffset.UTC));
    S3Exception e =
        assertThrows(S3Exception.class, () -> late.verify(method, rawPath, rawQuery, headers));
    assertEquals(S3Error.ACCESS_DENIED, e.error());
    assertEquals("Request has expired", e.getMessage());
  }

  // ------------------------------------------------------------------ the signed case

  private static Case signedCase(Random rnd) {
    String accessKey = "AK" + randomString(rnd, 1 + rnd.nextInt(20), "ABCDEFGHIJKLMNOP0123456789");
    String secret = randomString(rnd, 1 + rnd.nextInt(40), "abcdefghijKLMNOPQRST0123456789+/=");
    CredentialStore store = ak -> ak.equals(accessKey) ? Optional.of(secret) : Optional.empty();
    int mode = rnd.nextInt(5);
    String[] methods =
        mode == 0 || mode == 1
            ? new String[] {"GET", "PUT", "DELETE", "HEAD", "POST"}
            : new String[] {"PUT", "POST"};
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(methods[rnd.nextInt(methods.length)]))
            .protocol("https")
            .host(rnd.nextBoolean() ? "localhost" : "bucket.s3.example.com")
            .port(rnd.nextBoolean() ? 443 : 9000);
    String path =
        switch (rnd.nextInt(6)) {
          case 0 -> "/";
          case 1 -> "/bucket";
          default -> "/bucket/" + SdkHttpUtils.urlEncodeIgnoreSlashes(randomKey(rnd));
        };
    b.encodedPath(path);
    int params = rnd.nextInt(5);
    for (int i = 0; i < params; i++) {
      String name = QUERY_NAMES[rnd.nextInt(QUERY_NAMES.length)];
      String value = rnd.nextInt(4) == 0 ? null : rnd.nextBoolean() ? "" : randomKey(rnd);
      b.appendRawQueryParameter(name, value);
    }
    int metas = rnd.nextInt(4);
    for (int i = 0; i < metas; i++) {
      b.appendHeader(
          "x-amz-meta-m" + rnd.nextInt(3), HEADER_VALUES[rnd.nextInt(HEADER_VALUES.length)]);
    }
    if (rnd.nextBoolean()) {
      b.putHeader("Content-Type", "application/octet-stream");
    }
    if (rnd.nextBoolean()) {
      b.putHeader("Range", "bytes=" + rnd.nextInt(100) + "-");
    }
    byte[] payload = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(300_000)];
    rnd.nextBytes(payload);
    if (mode >= 2) {
      b.putHeader("Content-Length", Integer.toString(payload.length));
    }
    SdkSigning.Wire wire =
        SdkSigning.sign(
            b.build(),
            mode == 0 && payload.length == 0 && rnd.nextBoolean() ? null : payload,
            accessKey,
            secret,
            CLOCK,
            mode == 0 || mode == 2 || mode == 3,
            mode >= 2,
            mode >= 3 ? DefaultChecksumAlgorithm.CRC32 : null);
    return new Case(wire, store, mode, payload, accessKey);
  }

  private static void checkPayload(Case c, Principal p) {
    switch (c.mode()) {
      case 0 -> {
        assertEquals(PayloadMode.SIGNED, p.mode());
        assertEquals(
            ChunkedBodies.sha256Hex(c.payload(), 0, c.payload().length), p.payloadSha256());
      }
      case 1 -> assertEquals(PayloadMode.UNSIGNED, p.mode());
      default -> {
        PayloadMode expected =
            switch (c.mode()) {
              case 2 -> PayloadMode.STREAMING_SIGNED;
              case 3 -> PayloadMode.STREAMING_SIGNED_TRAILER;
              default -> PayloadMode.STREAMING_UNSIGNED_TRAILER;
            };
        assertEquals(expected, p.mode());
        HttpHeaders h = c.wire().headers();
        Set<String> declared = new LinkedHashSet<>();
        String trailer = h.get("x-amz-trailer");
        if (trailer != null) {
          declared.addAll(Arrays.asList(trailer.split(",")));
        }
        AwsChunkedDecoder d =
            new AwsChunkedDecoder(
                p.mode(),
                p.chunkSigner(),
                declared,
                Long.parseLong(h.get("x-amz-decoded-content-length")));
        byte[] body = c.wire().body();
        assertEquals(Long.parseLong(h.get("Content-Length")), body.length);
        Random rnd = new Random(body.length);
        int[] cuts = rnd.ints(rnd.nextInt(10), 0, body.length + 1).sorted().toArray();
        Decoding.Result r = Decoding.decode(d, body, cuts, Decoding.Kind.DIRECT);
        assertArrayEquals(c.payload(), r.payload());
        if (c.mode() >= 3) {
          CRC32 crc = new CRC32();
          crc.update(c.payload());
          String b64 =
              Base64.getEncoder()
                  .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
          assertEquals(Map.of("x-amz-checksum-crc32", b64), r.trailers());
        } else {
          assertTrue(r.trailers().isEmpty());
        }
      }
    }
  }

  // ------------------------------------------------------------------ mutations

  private static void expectPathOrQuery(
      SigV4Verifier v, SdkSigning.Wire w, String path, String query, Boolean same) {
    if (same == null) {
      assertEquals(
          S3Error.INVALID_ARGUMENT,
          assertThrows(S3Exception.class, () -> v.verify(w.method(), path, query, w.headers()))
              .error());
    } else if (same) {
      v.verify(w.method(), path, query, w.headers());
    } else {
      S3Exception e =
          assertThrows(
              S3Exception.class,
              () -> v.verify(w.method(), path, query, w.headers()),
              path + "?" + query);
      assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, e.error(), path + "?" + query);
    }
  }

  private static void expectAnyRejection(
      SigV4Verifier v, String method, String path, String query, HttpHeaders h, Boolean same) {
    if (Boolean.TRUE.equals(same)) {
      v.verify(method, path, query, h);
    } else {
      try {
        v.verify(method, path, query, h);
        fail("accepted a changed request: " + path + "?" + query);
      } catch (S3Exception expected) {
        // any precise S3 error
      }
    }
  }

  /** Replaces one char at or after {@code from} with a different char of {@code alphabet}. */
  private static String mutate(String s, int from, Random rnd, String alphabet) {
    if (s.length() <= from) {
      return s + alphabet.charAt(rnd.nextInt(alphabet.length()));
    }
    int at = from + rnd.nextInt(s.length() - from);
    char c;
    do {
      c = alphabet.charAt(rnd.nextInt(alphabet.length()));
    } while (c == s.charAt(at));
    return s.substring(0, at) + c + s.substring(at + 1);
  }

  /** Changes one char of a name or value, never a separator. */
  private static String mutateQuery(String q, Random rnd) {
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < q.length(); i++) {
      if (q.charAt(i) != '&' && q.charAt(i) != '=') {
        positions.add(i);
      }
    }
    if (positions.isEmpty()) {
      return q + "x";
    }
    int at = positions.get(rnd.nextInt(positions.size()));
    String alphabet = "abcXYZ0189-._~%";
    char c;
    do {
      c = alphabet.charAt(rnd.nextInt(alphabet.length()));
    } while (c == q.charAt(at));
    return q.substring(0, at) + c + q.substring(at + 1);
  }

  /** Changes one non-blank char to another letter or digit; null when there is none. */
  private static String mutateNonBlank(String value, Random rnd) {
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) != ' ' && value.charAt(i) != '\t') {
        positions.add(i);
      }
    }
    if (positions.isEmpty()) {
      return null;
    }
    int at = positions.get(rnd.nextInt(positions.size()));
    String alphabet = "0123456789abcdefXYZ";
    char c;
    do {
      c = alphabet.charAt(rnd.nextInt(alphabet.length()));
    } while (c == value.charAt(at));
    return value.substring(0, at) + c + value.substring(at + 1);
  }

  /**
   * True when both paths have the same segments once decoded, false when not, null when b is
   * malformed.
   */
  private static Boolean sameDecoded(String a, String b) {
    List<byte[]> sa = segments(a);
    List<byte[]> sb = segments(b);
    if (sb == null) {
      return null;
    }
    if (sa.size() != sb.size()) {
      return false;
    }
    for (int i = 0; i < sa.size(); i++) {
      if (!Arrays.equals(sa.get(i), sb.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<byte[]> segments(String path) {
    List<byte[]> out = new ArrayList<>();
    for (String s : path.split("/", -1)) {
      byte[] d = SigV4.percentDecode(s);
      if (d == null) {
        return null;
      }
      out.add(d);
    }
    return out;
  }

  /** The same for whole queries: the same multiset of decoded (name, value) pairs. */
  private static Boolean sameQuery(String a, String b) {
    List<String> pa = decodedPairs(a);
    List<String> pb = decodedPairs(b);
    if (pb == null) {
      return null;
    }
    pa.sort(null);
    pb.sort(null);
    return pa.equals(pb);
  }

  private static List<String> decodedPairs(String q) {
    List<String> out = new ArrayList<>();
    for (String piece : q.split("&")) {
      if (piece.isEmpty()) {
        continue;
      }
      int eq = piece.indexOf('=');
      byte[] n = SigV4.percentDecode(eq < 0 ? piece : piece.substring(0, eq));
      byte[] v = SigV4.percentDecode(eq < 0 ? "" : piece.substring(eq + 1));
      if (n == null || v == null) {
        return null;
      }
      out.add(
          new String(n, StandardCharsets.ISO_8859_1)
              + "\u0000"
              + new String(v, StandardCharsets.ISO_8859_1));
    }
    return out;
  }

  static HttpHeaders copy(HttpHeaders h) {
    return new DefaultHttpHeaders().add(h);
  }

  static String randomKey(Random rnd) {
    StringBuilder b = new StringBuilder();
    int n = 1 + rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      b.append(KEY_PIECES[rnd.nextInt(KEY_PIECES.length)]);
    }
    return b.toString();
  }

  static String randomString(Random rnd, int n, String alphabet) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
