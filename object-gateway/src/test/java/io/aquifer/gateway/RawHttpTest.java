package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.ChunkedBodies;
import io.aquifer.gateway.auth.SdkSigning;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad requests over a raw socket, written by hand with valid SigV4 signatures where the test wants
 * them: each gets its exact S3 error code and status, stores nothing (or leaves the previous
 * version in place), moves the error counters, and leaves the node serving the next request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawHttpTest {
  static final String BUCKET = "raw";
  static final Clock CLOCK = Clock.systemUTC();

  @TempDir static Path dir;
  GatewayFixture fx;
  int port;

  @BeforeAll
  void start() {
    fx = new GatewayFixture(dir.resolve("main"));
    port = fx.gateway.address().getPort();
    fx.store.createBucket(BUCKET);
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  // ---- helpers

  static byte[] random(int seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  SdkSigning.Wire sign(String method, String path, String query, byte[] payload, String... h) {
    return RawHttp.sign(port, method, path, query, payload, false, GatewayFixture.SECRET, CLOCK, h);
  }

  /** One request on a new connection, its response, and the connection. */
  RawHttp.Response once(byte[] request, boolean head) {
    try (RawHttp c = new RawHttp(port)) {
      return c.write(request).read(head);
    }
  }

  RawHttp.Response put(String key, byte[] data) {
    SdkSigning.Wire w = sign("PUT", "/" + BUCKET + "/" + key, "", data);
    return once(RawHttp.bytes(w, -1, data), false);
  }

  RawHttp.Response get(String key) {
    return once(RawHttp.bytes(sign("GET", "/" + BUCKET + "/" + key, "", null), -1, null), false);
  }

  byte[] headRequest(String key) {
    return RawHttp.bytes(sign("HEAD", "/" + BUCKET + "/" + key, "", null), -1, null);
  }

  /** Nothing is stored under {@code key}, as a HEAD on a new connection sees it. */
  void assertNothingStored(String key) {
    RawHttp.Response r = once(headRequest(key), true);
    assertEquals(404, r.status(), "HEAD after the failed request: " + r);
  }

  void assertStored(String key, byte[] data) {
    RawHttp.Response r = get(key);
    assertEquals(200, r.status(), r.toString());
    assertArrayEquals(data, r.body());
  }

  long errors(String code) {
    return fx.gateway.errorCounts().getOrDefault(code, 0L);
  }

  long malformed(String code) {
    return fx.gateway.malformedCounts().getOrDefault(code, 0L);
  }

  /**
   * Runs {@code failing}, which must answer {@code code}/{@code status}, and checks the counters.
   */
  RawHttp.Response expectError(
      String code,
      int status,
      boolean malformedToo,
      java.util.function.Supplier<RawHttp.Response> failing) {
    long e0 = errors(code);
    long m0 = malformed(code);
    RawHttp.Response r = failing.get();
    assertEquals(status, r.status(), r.toString());
    assertEquals(code, r.code(), r.toString());
    assertTrue(r.headers().containsKey("x-amz-request-id"), r.toString());
    Await.equal(code + " counted as an error", e0 + 1, () -> errors(code));
    assertEquals(malformedToo ? m0 + 1 : m0, malformed(code), code + " as malformed");
    return r;
  }

  // ---- a large body

  /**
   * A body many times the exchange's queue limit, written by the client as fast as the socket takes
   * it: the event loop stops reading whenever the handler falls a megabyte behind, and the handler
   * must ask for reads again or the PUT stalls until its idle timeout.
   */
  @Test
  void bodyFarLargerThanTheQueuedLimitIsStoredWhole() {
    byte[] data = random(24, 24 << 20);
    RawHttp.Response r = put("large-body", data);
    assertEquals(200, r.status(), r.toString());
    assertStored("large-body", data);
  }

  // ---- bodies that do not add up

  @Test
  void truncatedBodyStoresNothingAndKeepsThePreviousVersion() {
    byte[] previous = utf8("previous version");
    assertEquals(200, put("truncated", previous).status());
    byte[] data = random(1, 1000);
    long e0 = errors("IncompleteBody");
    try (RawHttp c = new RawHttp(port)) {
      SdkSigning.Wire w = sign("PUT", "/raw/truncated", "", data);
      byte[] all = RawHttp.bytes(w, -1, data);
      c.write(Arrays.copyOf(all, all.length - 500)); // Content-Length 1000, 500 bytes sent
      c.shutdownOutput();
      // the gateway cannot answer a client that is gone; it closes and counts the failure
      assertTrue(c.closedByPeer());
    }
    Await.equal("IncompleteBody counted", e0 + 1, () -> errors("IncompleteBody"));
    assertStored("truncated", previous);
    assertNothingStored("truncated-new-" + e0);
  }

  @Test
  void truncatedBodyOfANewKeyStoresNothing() {
    byte[] data = random(2, 4000);
    long e0 = errors("IncompleteBody");
    try (RawHttp c = new RawHttp(port)) {
      byte[] all = RawHttp.bytes(sign("PUT", "/raw/truncated2", "", data), -1, data);
      c.write(Arrays.copyOf(all, all.length - 1));
    } // closed without the last byte
    Await.equal("IncompleteBody counted", e0 + 1, () -> errors("IncompleteBody"));
    assertNothingStored("truncated2");
  }

  @Test
  void contentLengthShorterThanTheBody() {
    // the signed hash covers 20 bytes, Content-Length says 10: the gateway reads 10 and the hash
    // fails; the other 10 bytes are then read as a (malformed) next request
    byte[] body = utf8("0123456789XX Y Z\r\n\r\n");
    assertEquals(20, body.length);
    long invalid0 = errors("InvalidRequest");
    long malformed0 = malformed("InvalidRequest");
    try (RawHttp c = new RawHttp(port)) {
      SdkSigning.Wire w =
          RawHttp.sign(
              port, "PUT", "/raw/lying", "", body, false, false, GatewayFixture.SECRET, CLOCK);
      expectError(
          "XAmzContentSHA256Mismatch",
          400,
          false,
          () -> c.write(RawHttp.bytes(w, 10, body)).read());
      RawHttp.Response next = c.read(); // "XX Y Z" is no request line
      assertEquals(400, next.status(), next.toString());
      assertEquals("InvalidRequest", next.code(), next.toString());
      assertTrue(next.closes(), next.toString());
      assertTrue(c.closedByPeer());
    }
    Await.equal("InvalidRequest counted", invalid0 + 1, () -> errors("InvalidRequest"));
    assertEquals(malformed0 + 1, malformed("InvalidRequest"));
    assertNothingStored("lying");
  }

  @Test
  void payloadHashMismatchStoresNothing() {
    byte[] signed = random(3, 500);
    byte[] sent = random(4, 500);
    try (RawHttp c = new RawHttp(port)) {
      SdkSigning.Wire w = sign("PUT", "/raw/hash", "", signed);
      expectError(
          "XAmzContentSHA256Mismatch",
          400,
          false,
          () -> c.write(RawHttp.bytes(w, -1, sent)).read());
      // the body was read whole, so the connection carries the next request
      assertEquals(404, c.write(headRequest("hash")).read(true).status());
    }
  }

  // ---- aws-chunked framing

  /** An SDK-signed aws-chunked PUT of {@code payload}: its wire form, and the framed body. */
  SdkSigning.Wire chunked(String key, byte[] payload) {
    return RawHttp.sign(
        port, "PUT", "/raw/" + key, "", payload, true, false, GatewayFixture.SECRET, CLOCK);
  }

  static String ascii(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD PUT signed here, without Content-Length among the signed
   * headers (S3 does not require it), so that the test may frame the body as it likes: the chunk
   * signatures chain from this request's signature (by the independent encoder of the auth tests),
   * then {@code mutate} breaks the framing.
   */
  byte[] handSignedChunked(String key, byte[] payload, UnaryOperator<String> mutate) {
    java.time.Instant now = CLOCK.instant();
    String amzDate =
        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(java.time.ZoneOffset.UTC)
            .format(now);
    String day = amzDate.substring(0, 8);
    String scope = day + "/us-east-1/s3/aws4_request";
    String host = "127.0.0.1:" + port;
    String sha = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    String signed =
        "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length";
    String canonical =
        "PUT\n/raw/"
            + key
            + "\n\ncontent-encoding:aws-chunked\nhost:"
            + host
            + "\nx-amz-content-sha256:"
            + sha
            + "\nx-amz-date:"
            + amzDate
            + "\nx-amz-decoded-content-length:"
            + payload.length
            + "\n\n"
            + signed
            + "\n"
            + sha;
    byte[] c = utf8(canonical);
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + ChunkedBodies.sha256Hex(c, 0, c.length);
    byte[] signingKey = ChunkedBodies.signingKey(GatewayFixture.SECRET, day, "us-east-1");
    String seed = ChunkedBodies.hmacHex(signingKey, toSign);
    byte[] body =
        ascii(
            mutate.apply(
                ascii(
                    ChunkedBodies.encode(
                        payload,
                        java.util.List.of(64 * 1024),
                        new ChunkedBodies.Signing(signingKey, amzDate, scope, seed),
                        null))));
    String head =
        "PUT /raw/"
            + key
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nContent-Encoding: aws-chunked\r\nx-amz-content-sha256: "
            + sha
            + "\r\nx-amz-date: "
            + amzDate
            + "\r\nx-amz-decoded-content-length: "
            + payload.length
            + "\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
            + GatewayFixture.ACCESS
            + "/"
            + scope
            + ", SignedHeaders="
            + signed
            + ", Signature="
            + seed
            + "\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    o.writeBytes(ascii(head));
    o.writeBytes(body);
    return o.toByteArray();
  }

  /** Sends a broken aws-chunked PUT; the same connection then serves a HEAD. */
  void brokenChunked(String key, UnaryOperator<String> mutate, String code, int status) {
    byte[] payload = random(key.hashCode(), 100);
    try (RawHttp c = new RawHttp(port)) {
      expectError(
          code, status, false, () -> c.write(handSignedChunked(key, payload, mutate)).read());
      assertEquals(404, c.write(headRequest(key)).read(true).status(), "the next request");
    }
    assertNothingStored(key);
  }

  /** Where the first chunk's data ends (its CRLF follows). */
  static int dataEnd(String body) {
    return body.indexOf("\r\n") + 2 + 100;
  }

  @Test
  void awsChunkedSignedHereIsStored() {
    byte[] payload = random("chunked-here".hashCode(), 100);
    RawHttp.Response r = once(handSignedChunked("chunked-here", payload, b -> b), false);
    assertEquals(200, r.status(), r.toString());
    assertStored("chunked-here", payload);
  }

  @Test
  void awsChunkedWithABadHexSize() {
    brokenChunked(
        "badhex",
        b -> {
          assertTrue(b.startsWith("64;chunk-signature="), b);
          return "zz" + b.substring(2);
        },
        "InvalidRequest",
        400);
  }

  @Test
  void awsChunkedWithoutTheCrlfAfterData() {
    brokenChunked(
        "nocrlf",
        b -> b.substring(0, dataEnd(b)) + b.substring(dataEnd(b) + 2),
        "InvalidRequest",
        400);
  }

  @Test
  void awsChunkedWithAChunkLongerThanDeclared() {
    brokenChunked(
        "toolong",
        b -> b.substring(0, dataEnd(b)) + "EXTRA" + b.substring(dataEnd(b)),
        "InvalidRequest",
        400);
  }

  @Test
  void awsChunkedWithoutTheFinalChunk() {
    brokenChunked(
        "nofinal",
        b -> {
          assertTrue(b.substring(dataEnd(b) + 2).startsWith("0;chunk-signature="), b);
          return b.substring(0, dataEnd(b) + 2);
        },
        "IncompleteBody",
        400);
  }

  @Test
  void awsChunkedWithABadChunkSignature() {
    brokenChunked(
        "badsig",
        b -> {
          int sig = b.indexOf("chunk-signature=") + "chunk-signature=".length();
          return b.substring(0, sig) + (b.charAt(sig) == '0' ? '1' : '0') + b.substring(sig + 1);
        },
        "SignatureDoesNotMatch",
        403);
  }

  @Test
  void awsChunkedAsTheSdkSendsItIsStored() {
    byte[] payload = random(5, 100);
    SdkSigning.Wire w = chunked("chunked-ok", payload);
    assertTrue(w.headers().get("x-amz-content-sha256").startsWith("STREAMING-"), w.toString());
    RawHttp.Response r = once(RawHttp.bytes(w, w.body().length, w.body()), false);
    assertEquals(200, r.status(), r.toString());
    assertStored("chunked-ok", payload);
  }

  // ---- headers

  @Test
  void headerSectionOverTheLimit() {
    try (RawHttp c = new RawHttp(port)) {
      SdkSigning.Wire w = sign("GET", "/raw/big-headers", "", null);
      RawHttp.Response r =
          expectError(
              "RequestHeaderSectionTooLarge",
              400,
              true,
              () -> c.write(RawHttp.bytes(w, -1, null, "x-padding", "p".repeat(20_000))).read());
      assertTrue(r.closes(), r.toString());
      assertTrue(c.closedByPeer());
    }
    assertNothingStored("big-headers"); // and the node serves the next connection
  }

  @Test
  void expectContinueWithFailedAuthenticationGetsTheErrorAndNoContinue() {
    byte[] data = random(11, 2000);
    SdkSigning.Wire w =
        RawHttp.sign(port, "PUT", "/raw/expect", "", data, false, "not-the-secret", CLOCK);
    try (RawHttp c = new RawHttp(port)) {
      byte[] head = RawHttp.bytes(w, -1, null, "Expect", "100-continue");
      RawHttp.Response r =
          expectError("SignatureDoesNotMatch", 403, true, () -> c.write(head).read());
      assertTrue(r.closes(), "the unread body cannot be skipped: " + r);
      assertTrue(c.closedByPeer());
    }
    assertNothingStored("expect");
    // with a good signature the same request gets 100 Continue, then its answer
    SdkSigning.Wire good = sign("PUT", "/raw/expect", "", data);
    try (RawHttp c = new RawHttp(port)) {
      c.write(RawHttp.bytes(good, -1, null, "Expect", "100-continue"));
      assertEquals(100, c.read().status());
      assertEquals(200, c.write(data).read().status());
    }
    assertStored("expect", data);
  }

  // ---- authentication and header checks

  @Test
  void requestTimeTooSkewed() {
    byte[] data = utf8("skewed");
    SdkSigning.Wire w =
        RawHttp.sign(
            port,
            "PUT",
            "/raw/skewed",
            "",
            data,
            false,
            GatewayFixture.SECRET,
            Clock.offset(CLOCK, Duration.ofMinutes(20)));
    expectError("RequestTimeTooSkewed", 403, true, () -> once(RawHttp.bytes(w, -1, data), false));
    assertNothingStored("skewed");
  }

  static String md5(byte[] b) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(b));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void malformedContentMd5() {
    byte[] data = utf8("md5 body");
    SdkSigning.Wire w = sign("PUT", "/raw/md5-invalid", "", data, "Content-MD5", "not*base64");
    try (RawHttp c = new RawHttp(port)) {
      expectError("InvalidDigest", 400, false, () -> c.write(RawHttp.bytes(w, -1, data)).read());
      assertEquals(404, c.write(headRequest("md5-invalid")).read(true).status());
    }
    // valid base64, but not 16 bytes
    SdkSigning.Wire shortMd5 = sign("PUT", "/raw/md5-invalid", "", data, "Content-MD5", "AAAA");
    expectError("InvalidDigest", 400, false, () -> once(RawHttp.bytes(shortMd5, -1, data), false));
    assertNothingStored("md5-invalid");
  }

  @Test
  void wrongContentMd5() {
    byte[] previous = utf8("the version before");
    assertEquals(200, put("md5-bad", previous).status());
    byte[] data = utf8("md5 body");
    SdkSigning.Wire w =
        sign("PUT", "/raw/md5-bad", "", data, "Content-MD5", md5(utf8("other body")));
    expectError("BadDigest", 400, false, () -> once(RawHttp.bytes(w, -1, data), false));
    assertStored("md5-bad", previous);
    // the right MD5 is accepted
    SdkSigning.Wire ok = sign("PUT", "/raw/md5-bad", "", data, "Content-MD5", md5(data));
    assertEquals(200, once(RawHttp.bytes(ok, -1, data), false).status());
    assertStored("md5-bad", data);
  }

  @Test
  void metadataTooLarge() {
    byte[] data = utf8("meta");
    SdkSigning.Wire w = sign("PUT", "/raw/meta", "", data, "x-amz-meta-big", "v".repeat(2100));
    expectError("MetadataTooLarge", 400, false, () -> once(RawHttp.bytes(w, -1, data), false));
    assertNothingStored("meta");
    // exactly 2 KiB of name and value is allowed
    SdkSigning.Wire ok = sign("PUT", "/raw/meta", "", data, "x-amz-meta-m", "v".repeat(2048 - 1));
    assertEquals(200, once(RawHttp.bytes(ok, -1, data), false).status());
  }

  @Test
  void keyTooLong() {
    String key = "k".repeat(1025);
    byte[] data = utf8("long");
    SdkSigning.Wire w = sign("PUT", "/raw/" + key, "", data);
    expectError("KeyTooLongError", 400, false, () -> once(RawHttp.bytes(w, -1, data), false));
    // 1024 bytes is the limit, and fine
    assertEquals(200, put("k".repeat(1024), data).status());
    assertEquals(
        java.util.List.of(key.substring(1)),
        fx.store.list(BUCKET, io.aquifer.storage.ListQuery.prefix("kkkk")).objects().stream()
            .map(io.aquifer.storage.ObjectInfo::key)
            .toList());
  }

  @Test
  void invalidUtf8InAKey() {
    byte[] data = utf8("bad utf-8");
    for (String path : new String[] {"/raw/bad%FF", "/raw/%C3", "/raw/%ED%A0%80-surrogate"}) {
      SdkSigning.Wire w = sign("PUT", path, "", data);
      expectError("InvalidURI", 400, true, () -> once(RawHttp.bytes(w, -1, data), false));
    }
    assertNull(
        fx.store.list(BUCKET, io.aquifer.storage.ListQuery.prefix("bad")).objects().stream()
            .findAny()
            .orElse(null));
  }

  // ---- XML bodies

  static final String ENTITY_BOMB =
      "<?xml version=\"1.0\"?>\n"
          + "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
          + "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
          + "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n";

  @Test
  void completeMultipartUploadWithADtdIsMalformedXml() {
    SdkSigning.Wire create = sign("POST", "/raw/mp", "uploads", new byte[0]);
    RawHttp.Response created = once(RawHttp.bytes(create, -1, new byte[0]), false);
    assertEquals(200, created.status(), created.toString());
    String t = created.text();
    String uploadId = t.substring(t.indexOf("<UploadId>") + 10, t.indexOf("</UploadId>"));
    byte[] part = random(12, 1000);
    SdkSigning.Wire up = sign("PUT", "/raw/mp", "partNumber=1&uploadId=" + uploadId, part);
    RawHttp.Response uploaded = once(RawHttp.bytes(up, -1, part), false);
    assertEquals(200, uploaded.status(), uploaded.toString());
    String etag = uploaded.headers().get("etag");
    for (String xml :
        new String[] {
          ENTITY_BOMB
              + "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&lol3;</ETag>"
              + "</Part></CompleteMultipartUpload>",
          "<?xml version=\"1.0\"?><!DOCTYPE c SYSTEM \"file:///etc/passwd\">"
              + "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"
              + etag
              + "</ETag></Part></CompleteMultipartUpload>",
        }) {
      byte[] body = utf8(xml);
      SdkSigning.Wire w = sign("POST", "/raw/mp", "uploadId=" + uploadId, body);
      expectError("MalformedXML", 400, false, () -> once(RawHttp.bytes(w, -1, body), false));
      assertNothingStored("mp");
    }
    // the upload is intact: the same parts without a DTD complete it
    byte[] body =
        utf8(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"
                + etag
                + "</ETag></Part></CompleteMultipartUpload>");
    SdkSigning.Wire w = sign("POST", "/raw/mp", "uploadId=" + uploadId, body);
    RawHttp.Response done = once(RawHttp.bytes(w, -1, body), false);
    assertEquals(200, done.status(), done.toString());
    assertStored("mp", part);
  }

  @Test
  void deleteObjectsWithAnEntityExpansionIsMalformedXml() {
    byte[] kept = utf8("kept");
    assertEquals(200, put("keep-me", kept).status());
    byte[] body =
        utf8(
            ENTITY_BOMB
                + "<Delete><Object><Key>keep-me</Key></Object><Object><Key>&lol3;</Key></Object>"
                + "</Delete>");
    SdkSigning.Wire w = sign("POST", "/raw", "delete", body, "Content-MD5", md5(body));
    expectError("MalformedXML", 400, false, () -> once(RawHttp.bytes(w, -1, body), false));
    assertStored("keep-me", kept);
  }

  // ---- routing

  @Test
  void unknownSubResourceIsNotImplemented() {
    for (String[] req :
        new String[][] {
          {"GET", "/raw", "acl"}, {"PUT", "/raw", "cors"}, {"GET", "/raw/k", "acl"}
        }) {
      SdkSigning.Wire w = sign(req[0], req[1], req[2], req[0].equals("PUT") ? new byte[0] : null);
      byte[] bytes = RawHttp.bytes(w, -1, req[0].equals("PUT") ? new byte[0] : null);
      expectError("NotImplemented", 501, false, () -> once(bytes, false));
    }
  }

  @Test
  void wrongMethodIsMethodNotAllowed() {
    for (String[] req :
        new String[][] {
          {"PATCH", "/raw/k"}, {"POST", "/raw/k"}, {"POST", "/"}, {"PATCH", "/raw"}
        }) {
      SdkSigning.Wire w = sign(req[0], req[1], "", null);
      RawHttp.Response r =
          expectError(
              "MethodNotAllowed", 405, false, () -> once(RawHttp.bytes(w, -1, null), false));
      assertNotEquals(null, r.headers().get("x-amz-request-id"));
    }
    assertNothingStored("k");
  }

  @Test
  void requestsAreCountedByOperationAndStatus() {
    Map<String, Long> before = fx.gateway.errorCounts();
    assertEquals(200, put("counted", utf8("x")).status());
    assertEquals(200, get("counted").status());
    assertEquals(before, fx.gateway.errorCounts(), "successes are not errors");
  }
}
