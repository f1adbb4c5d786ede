package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/** The precise error of each way authentication can fail, and the anonymous cases. */
class SigV4VerifierTest {
  static final Instant NOW = Instant.parse("2025-06-07T08:09:10Z");
  static final String AK = "AKTEST";
  static final String SECRET = "s3cr3t/+key";
  static final CredentialStore STORE = ak -> ak.equals(AK) ? Optional.of(SECRET) : Optional.empty();
  static final String CREDENTIAL = AK + "/20250607/us-east-1/s3/aws4_request";
  static final String EMPTY = AwsDocExamplesTest.EMPTY_SHA256;

  static SigV4Verifier verifier(Instant now) {
    return new SigV4Verifier(STORE, "us-east-1", Clock.fixed(now, ZoneOffset.UTC));
  }

  static SdkSigning.Wire signed(Instant signedAt, String path, String query) {
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.GET)
            .protocol("https")
            .host("localhost")
            .port(9000)
            .encodedPath(path);
    if (!query.isEmpty()) {
      for (String p : query.split("&")) {
        int eq = p.indexOf('=');
        b.appendRawQueryParameter(
            eq < 0 ? p : p.substring(0, eq), eq < 0 ? null : p.substring(eq + 1));
      }
    }
    return SdkSigning.sign(
        b.build(),
        new byte[0],
        AK,
        SECRET,
        Clock.fixed(signedAt, ZoneOffset.UTC),
        true,
        false,
        null);
  }

  static S3Exception fails(SigV4Verifier v, SdkSigning.Wire w) {
    return assertThrows(
        S3Exception.class, () -> v.verify(w.method(), w.rawPath(), w.rawQuery(), w.headers()));
  }

  static S3Exception fails(String path, String query, HttpHeaders h) {
    return assertThrows(S3Exception.class, () -> verifier(NOW).verify("GET", path, query, h));
  }

  static HttpHeaders withAuthorization(String authorization) {
    return AwsDocExamplesTest.headers(
        "Host",
        "localhost",
        "x-amz-date",
        "20250607T080910Z",
        "x-amz-content-sha256",
        EMPTY,
        "Authorization",
        authorization);
  }

  static String auth(String credential, String signedHeaders) {
    return "AWS4-HMAC-SHA256 Credential="
        + credential
        + ", SignedHeaders="
        + signedHeaders
        + ", Signature="
        + "0".repeat(64);
  }

  @Test
  void aSignedRequestPasses() {
    SdkSigning.Wire w = signed(NOW, "/bucket/key", "list-type=2&prefix=a%2Fb");
    Principal p = verifier(NOW).verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    assertEquals(AK, p.accessKey());
    assertEquals(PayloadMode.SIGNED, p.mode());
    assertEquals(EMPTY, p.payloadSha256());
  }

  // ------------------------------------------------------------------ anonymous

  @Test
  void anonymousRequests() {
    Principal p = verifier(NOW).verify("GET", "/b/k", "", AwsDocExamplesTest.headers("Host", "h"));
    assertTrue(p.anonymous());
    assertEquals(PayloadMode.UNSIGNED, p.mode());
    assertNull(p.accessKey());
    p =
        verifier(NOW)
            .verify(
                "PUT",
                "/b/k",
                "",
                AwsDocExamplesTest.headers("x-amz-content-sha256", EMPTY.toUpperCase()));
    assertEquals(PayloadMode.SIGNED, p.mode());
    assertEquals(EMPTY, p.payloadSha256());
    p =
        verifier(NOW)
            .verify(
                "PUT",
                "/b/k",
                "",
                AwsDocExamplesTest.headers(
                    "x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
    assertEquals(PayloadMode.STREAMING_UNSIGNED_TRAILER, p.mode());
    assertNull(p.chunkSigner());
    S3Exception e =
        fails(
            "/b/k",
            "",
            AwsDocExamplesTest.headers(
                "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    e = fails("/b/k", "", AwsDocExamplesTest.headers("x-amz-content-sha256", "abc"));
    assertEquals(S3Error.INVALID_ARGUMENT, e.error());
  }

  // ------------------------------------------------------------------ mechanisms

  @Test
  void headerAndQueryAuthTogetherIsInvalidArgument() {
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () ->
                verifier(NOW)
                    .verify("GET", "/b/k", AwsDocExamplesTest.PRESIGNED_QUERY, w.headers()));
    assertEquals(S3Error.INVALID_ARGUMENT, e.error());
    assertTrue(e.getMessage().startsWith("Only one auth mechanism allowed"));
  }

  @Test
  void signatureVersion2IsRefused() {
    S3Exception e =
        fails("/b/k", "", AwsDocExamplesTest.headers("Authorization", "AWS AKTEST:c2lnbmF0dXJl"));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    assertTrue(e.getMessage().contains("Please use AWS4-HMAC-SHA256"), e.getMessage());
    e =
        fails(
            "/b/k",
            "AWSAccessKeyId=AKTEST&Expires=1700000000&Signature=abc%3D",
            AwsDocExamplesTest.headers("Host", "h"));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    e =
        fails(
            "/b/k",
            "",
            AwsDocExamplesTest.headers(
                "Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x, SignedHeaders=host"));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    e = fails("/b/k", "", AwsDocExamplesTest.headers("Authorization", "Bearer abc"));
    assertEquals(S3Error.INVALID_ARGUMENT, e.error());
  }

  // ------------------------------------------------------------------ malformed header

  @ParameterizedTest
  @ValueSource(
      strings = {
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS4-HMAC-SHA256 Credential=" + CREDENTIAL + ", SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=" + CREDENTIAL + ", Signature=00",
        "AWS4-HMAC-SHA256 Credential=" + CREDENTIAL + ", SignedHeaders=host, Signature",
        "AWS4-HMAC-SHA256 Credential=" + CREDENTIAL + ", SignedHeaders=host, Signature=0, Foo=1",
        "AWS4-HMAC-SHA256 Credential="
            + CREDENTIAL
            + ", Credential="
            + CREDENTIAL
            + ", SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/20250607/us-east-1/s3, SignedHeaders=host,"
            + " Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/20250607/us-east-1/s3/aws4_request/x,"
            + " SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=/20250607/us-east-1/s3/aws4_request, SignedHeaders=host,"
            + " Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/2025067/us-east-1/s3/aws4_request,"
            + " SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/20250231/us-east-1/s3/aws4_request,"
            + " SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/20250607/us-east-1/s3/aws4_reques,"
            + " SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKTEST/20250607/us-east-1/iam/aws4_request,"
            + " SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential="
            + CREDENTIAL
            + ", SignedHeaders=host;;x-amz-date,"
            + " Signature=00",
      })
  void malformedAuthorizationHeaders(String authorization) {
    S3Exception e = fails("/b/k", "", withAuthorization(authorization));
    assertEquals(S3Error.AUTHORIZATION_HEADER_MALFORMED, e.error(), e.getMessage());
  }

  @Test
  void wrongRegionNamesBoth() {
    S3Exception e =
        fails(
            "/b/k",
            "",
            withAuthorization(
                auth("AKTEST/20250607/eu-west-3/s3/aws4_request", "host;x-amz-date")));
    assertEquals(S3Error.AUTHORIZATION_HEADER_MALFORMED, e.error());
    assertEquals(
        "The authorization header is malformed; the region 'eu-west-3' is wrong;"
            + " expecting 'us-east-1'",
        e.getMessage());
  }

  @Test
  void scopeDateMustBeTheRequestDate() {
    S3Exception e =
        fails(
            "/b/k",
            "",
            withAuthorization(auth("AKTEST/20250606/us-east-1/s3/aws4_request", "host")));
    assertEquals(S3Error.AUTHORIZATION_HEADER_MALFORMED, e.error());
    assertTrue(e.getMessage().contains("Date is not the same as X-Amz-Date"), e.getMessage());
  }

  @Test
  void hostMustBeSigned() {
    S3Exception e = fails("/b/k", "", withAuthorization(auth(CREDENTIAL, "x-amz-date")));
    assertEquals(S3Error.AUTHORIZATION_HEADER_MALFORMED, e.error());
    assertTrue(e.getMessage().contains("'host'"), e.getMessage());
  }

  // ------------------------------------------------------------------ dates

  @Test
  void requestDates() {
    String a = auth(CREDENTIAL, "host;x-amz-content-sha256;x-amz-date");
    HttpHeaders noDate =
        AwsDocExamplesTest.headers(
            "Host", "localhost", "x-amz-content-sha256", EMPTY, "Authorization", a);
    assertEquals(S3Error.ACCESS_DENIED, fails("/b/k", "", noDate).error());
    HttpHeaders badDate =
        AwsDocExamplesTest.headers(
            "Host",
            "localhost",
            "x-amz-date",
            "2025-06-07T08:09:10Z",
            "x-amz-content-sha256",
            EMPTY,
            "Authorization",
            a);
    S3Exception e = fails("/b/k", "", badDate);
    assertEquals(S3Error.ACCESS_DENIED, e.error());
    assertEquals("AWS authentication requires a valid Date or x-amz-date header", e.getMessage());
    // with only a Date header, the signature check is reached (and fails, signature is zeros)
    HttpHeaders httpDate =
        AwsDocExamplesTest.headers(
            "Host",
            "localhost",
            "Date",
            "Sat, 07 Jun 2025 08:09:10 GMT",
            "x-amz-content-sha256",
            EMPTY,
            "Authorization",
            auth(CREDENTIAL, "date;host;x-amz-content-sha256"));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/k", "", httpDate).error());
  }

  @Test
  void clockSkewOfMoreThanFifteenMinutesEitherWay() {
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    Duration fifteen = Duration.ofMinutes(15);
    verifier(NOW.plus(fifteen)).verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    verifier(NOW.minus(fifteen)).verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    assertEquals(
        S3Error.REQUEST_TIME_TOO_SKEWED,
        fails(verifier(NOW.plus(fifteen).plusSeconds(1)), w).error());
    assertEquals(
        S3Error.REQUEST_TIME_TOO_SKEWED,
        fails(verifier(NOW.minus(fifteen).minusSeconds(1)), w).error());
  }

  // ------------------------------------------------------------------ payload hash

  @Test
  void contentSha256IsRequiredAndChecked() {
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    HttpHeaders h = SdkOracleTest.copy(w.headers());
    h.remove("x-amz-content-sha256");
    S3Exception e = fails("/b/k", "", h);
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    assertEquals("Missing required header for this request: x-amz-content-sha256", e.getMessage());
    for (String bad : new String[] {"abc", EMPTY + "0", "UNSIGNED_PAYLOAD", "STREAMING-PAYLOAD"}) {
      h.set("x-amz-content-sha256", bad);
      assertEquals(S3Error.INVALID_ARGUMENT, fails("/b/k", "", h).error(), bad);
    }
    h.set("x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD");
    assertEquals(S3Error.NOT_IMPLEMENTED, fails("/b/k", "", h).error());
  }

  @Test
  void streamingPrincipalsCarryTheirSigner() {
    SdkHttpRequest r =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.PUT)
            .protocol("https")
            .host("localhost")
            .encodedPath("/b/k")
            .putHeader("Content-Length", "5")
            .build();
    SdkSigning.Wire w =
        SdkSigning.sign(
            r, new byte[5], AK, SECRET, Clock.fixed(NOW, ZoneOffset.UTC), true, true, null);
    Principal p = verifier(NOW).verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    assertEquals(PayloadMode.STREAMING_SIGNED, p.mode());
    assertNotNull(p.chunkSigner());
    String authorization = w.headers().get("Authorization");
    assertEquals(
        authorization.substring(authorization.length() - 64), p.chunkSigner().seedSignature());
    assertEquals("20250607/us-east-1/s3/aws4_request", p.chunkSigner().scope());
    assertTrue(p.chunkSigner().toString().contains("20250607"));
  }

  // ------------------------------------------------------------------ keys and signatures

  @Test
  void unknownAccessKey() {
    S3Exception e =
        fails(
            "/b/k",
            "",
            withAuthorization(
                auth(
                    "NOBODY/20250607/us-east-1/s3/aws4_request",
                    "host;x-amz-content-sha256;x-amz-date")));
    assertEquals(S3Error.INVALID_ACCESS_KEY_ID, e.error());
  }

  @Test
  void wrongSignatureAndWrongSecret() {
    SdkSigning.Wire w = signed(NOW, "/b/k", "a=1");
    HttpHeaders h = SdkOracleTest.copy(w.headers());
    String a = h.get("Authorization");
    h.set("Authorization", a.substring(0, a.length() - 1) + (a.endsWith("0") ? "1" : "0"));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/k", "a=1", h).error());
    h.set("Authorization", a.substring(0, a.length() - 2));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/k", "a=1", h).error());
    h.set("Authorization", a.toUpperCase().replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256"));
    SigV4Verifier other =
        new SigV4Verifier(
            ak -> Optional.of("another"), "us-east-1", Clock.fixed(NOW, ZoneOffset.UTC));
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails(other, w).error());
  }

  @Test
  void malformedPercentEncodingOfASignedRequest() {
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    assertEquals(S3Error.INVALID_ARGUMENT, fails("/b/k%2", "", w.headers()).error());
    assertEquals(S3Error.INVALID_ARGUMENT, fails("/b/k", "a=%zz", w.headers()).error());
  }

  @Test
  void pathsAreNotNormalized() {
    for (String path : new String[] {"/b//k", "/b/./k", "/b/../k", "/b/k/", "/b/k%2F"}) {
      SdkSigning.Wire w = signed(NOW, path, "");
      verifier(NOW).verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
      assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/k", "", w.headers()).error());
    }
  }

  @Test
  void anEscapedSlashMaySignAsASlash() {
    // The SDK's Apache client signs "/b/a//k" and sends "/b/a/%2Fk" (it would collapse "//")
    for (String[] signedAndSent :
        new String[][] {
          {"/b/a//k", "/b/a/%2Fk"},
          {"/b//lead", "/b/%2Flead"},
          {"/b/a///k", "/b/a/%2F/k"},
          {"/b/a//k", "/b/a/%2fk"},
          {"/b/a%2Fk", "/b/a%2Fk"}
        }) {
      SdkSigning.Wire w = signed(NOW, signedAndSent[0], "");
      verifier(NOW).verify("GET", signedAndSent[1], "", w.headers());
    }
    // only the escaped slash may change: other bytes still count
    SdkSigning.Wire w = signed(NOW, "/b/a//k", "");
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/a/%2Fj", "", w.headers()).error());
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/a/k", "", w.headers()).error());
  }

  @Test
  void theWireEncodingDoesNotMatterOnlyTheBytes() {
    // signed in the canonical form, sent with other escapes of the same bytes
    SdkSigning.Wire w = signed(NOW, "/b/~%2A%20%24", "");
    for (String wire : new String[] {"/b/%7E%2a%20$", "/b/~*%20%24", "/b/%7e%2A%20%24"}) {
      verifier(NOW).verify("GET", wire, "", w.headers());
    }
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails("/b/~*+$", "", w.headers()).error());
  }

  @Test
  void signingKeysAreCachedPerSecret() {
    AtomicInteger lookups = new AtomicInteger();
    String[] secret = {SECRET};
    SigV4Verifier v =
        new SigV4Verifier(
            ak -> {
              lookups.incrementAndGet();
              return Optional.of(secret[0]);
            },
            "us-east-1",
            Clock.fixed(NOW, ZoneOffset.UTC));
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    for (int i = 0; i < 3; i++) {
      v.verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    }
    assertEquals(3, lookups.get());
    // a rotated secret is not served from the cache
    secret[0] = "rotated";
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails(v, w).error());
  }

  @Test
  void aRemovedKeyIsRefusedAfterItsSigningKeyWasCached() {
    String[] secret = {SECRET};
    SigV4Verifier v =
        new SigV4Verifier(
            ak -> Optional.ofNullable(secret[0]), "us-east-1", Clock.fixed(NOW, ZoneOffset.UTC));
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    v.verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
    secret[0] = null;
    assertEquals(S3Error.INVALID_ACCESS_KEY_ID, fails(v, w).error());
    // and the secret back again is accepted again
    secret[0] = SECRET;
    v.verify(w.method(), w.rawPath(), w.rawQuery(), w.headers());
  }

  @Test
  void theSigningKeyCacheIsBounded() {
    int[] n = {0};
    SigV4Verifier v =
        new SigV4Verifier(
            ak -> Optional.of("secret-" + n[0]++), "us-east-1", Clock.fixed(NOW, ZoneOffset.UTC));
    SdkSigning.Wire w = signed(NOW, "/b/k", "");
    for (int i = 0; i < SigV4Verifier.KEY_CACHE_LIMIT + 10; i++) {
      // each look-up names another secret: a new cache entry, and a signature that does not match
      assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, fails(v, w).error());
      assertTrue(v.cachedSigningKeys() <= SigV4Verifier.KEY_CACHE_LIMIT);
    }
    assertTrue(v.cachedSigningKeys() > 0);
  }

  // ------------------------------------------------------------------ presigned URLs

  static final String Q = AwsDocExamplesTest.PRESIGNED_QUERY;
  static final Instant DOC = AwsDocExamplesTest.EXAMPLE_TIME;

  static S3Exception presignedFails(Instant now, String query) {
    return assertThrows(
        S3Exception.class,
        () ->
            AwsDocExamplesTest.verifier(now)
                .verify(
                    "GET",
                    "/test.txt",
                    query,
                    AwsDocExamplesTest.headers("Host", "examplebucket.s3.amazonaws.com")));
  }

  @Test
  void presignedParameterErrors() {
    S3Error error = S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR;
    assertEquals(error, presignedFails(DOC, Q.replace("&X-Amz-Date=20130524T000000Z", "")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("&X-Amz-SignedHeaders=host", "")).error());
    assertEquals(
        error, presignedFails(DOC, Q.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256&", "")).error());
    assertEquals(
        error, presignedFails(DOC, Q.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("86400", "0")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("86400", "604801")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("86400", "-5")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("86400", "1e3")).error());
    assertEquals(error, presignedFails(DOC, Q.replace("20130524T000000Z", "20130524")).error());
    assertEquals(error, presignedFails(DOC, Q + "&X-Amz-Date=20130524T000000Z").error());
    assertEquals(
        error, presignedFails(DOC, Q.replace("SignedHeaders=host", "SignedHeaders=x")).error());
    S3Exception e = presignedFails(DOC, Q.replace("us-east-1", "us-west-2"));
    assertEquals(error, e.error());
    assertTrue(e.getMessage().contains("the region 'us-west-2' is wrong; expecting 'us-east-1'"));
    e = presignedFails(DOC, Q.replace("X-Amz-Date=20130524", "X-Amz-Date=20130525"));
    assertEquals(error, e.error());
  }

  @Test
  void presignedTimes() {
    S3Exception e = presignedFails(DOC.minusSeconds(15 * 60 + 1), Q);
    assertEquals(S3Error.ACCESS_DENIED, e.error());
    assertEquals("Request is not valid yet", e.getMessage());
    AwsDocExamplesTest.verifier(DOC.minusSeconds(15 * 60))
        .verify(
            "GET",
            "/test.txt",
            Q,
            AwsDocExamplesTest.headers("Host", "examplebucket.s3.amazonaws.com"));
    assertEquals(S3Error.ACCESS_DENIED, presignedFails(DOC.plus(Duration.ofDays(2)), Q).error());
  }

  @Test
  void presignedSignatureAndKey() {
    assertEquals(
        S3Error.SIGNATURE_DOES_NOT_MATCH,
        presignedFails(DOC, Q.replace("X-Amz-Signature=aee", "X-Amz-Signature=aef")).error());
    assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, presignedFails(DOC, Q + "&extra=1").error());
    assertEquals(
        S3Error.INVALID_ACCESS_KEY_ID,
        presignedFails(DOC, Q.replace("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLF")).error());
  }
}
