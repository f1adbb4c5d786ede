package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.SdkSigning;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The gateway's Micrometer meters move as requests, errors and bytes go through it. */
class GatewayMetricsTest {
  @TempDir Path dir;
  MeterRegistry registry;
  GatewayFixture fx;
  S3Client s3;

  @BeforeEach
  void start() {
    registry = new SimpleMeterRegistry();
    fx = new GatewayFixture(dir, GatewayConfig.DEFAULT.withListen("127.0.0.1", 0), registry);
    s3 = fx.signedPayloadClient(); // no aws-chunked framing: body bytes are the object's bytes
    fx.store.createBucket("metrics");
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  double requests(String op, int status) {
    Counter c =
        registry
            .find("aquifer.s3.requests")
            .tags("op", op, "status", Integer.toString(status))
            .counter();
    return c == null ? 0 : c.count();
  }

  long timed(String op) {
    Timer t = registry.find("aquifer.s3.request").tag("op", op).timer();
    return t == null ? 0 : t.count();
  }

  double counter(String name, String code) {
    Counter c = registry.find(name).tag("code", code).counter();
    return c == null ? 0 : c.count();
  }

  double received() {
    return registry.get("aquifer.s3.received.bytes").counter().count();
  }

  double sent() {
    return registry.get("aquifer.s3.sent.bytes").counter().count();
  }

  double inflight() {
    return registry.get("aquifer.s3.inflight.requests").gauge().value();
  }

  @Test
  void operationsAreCountedAndTimedByOpAndStatus() {
    byte[] data = new byte[12_345];
    new Random(7).nextBytes(data);
    s3.putObject(b -> b.bucket("metrics").key("k"), RequestBody.fromBytes(data));
    s3.getObjectAsBytes(b -> b.bucket("metrics").key("k"));
    s3.headObject(b -> b.bucket("metrics").key("k"));
    s3.listObjectsV2(b -> b.bucket("metrics"));
    s3.listObjects(b -> b.bucket("metrics"));
    s3.deleteObject(b -> b.bucket("metrics").key("k"));
    assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b.bucket("metrics").key("k")));
    assertThrows(S3Exception.class, () -> s3.headBucket(b -> b.bucket("no-such-bucket")));

    Await.equal("PutObject 200", 1.0, () -> requests("PutObject", 200));
    Await.equal("GetObject 200", 1.0, () -> requests("GetObject", 200));
    Await.equal("HeadObject 200", 1.0, () -> requests("HeadObject", 200));
    Await.equal("ListObjectsV2 200", 1.0, () -> requests("ListObjectsV2", 200));
    Await.equal("ListObjects 200", 1.0, () -> requests("ListObjects", 200));
    Await.equal("DeleteObject 204", 1.0, () -> requests("DeleteObject", 204));
    Await.equal("GetObject 404", 1.0, () -> requests("GetObject", 404));
    Await.equal("HeadBucket 404", 1.0, () -> requests("HeadBucket", 404));
    assertEquals(2, timed("GetObject"));
    assertEquals(1, timed("PutObject"));
    assertEquals(1.0, counter("aquifer.s3.errors", "NoSuchKey"));
    assertEquals(1.0, counter("aquifer.s3.errors", "NoSuchBucket"));
    assertEquals(0.0, counter("aquifer.s3.malformed.requests", "NoSuchKey"));
    assertEquals(1L, fx.gateway.errorCounts().get("NoSuchKey"));
    Await.equal("nothing in flight", 0.0, this::inflight);
  }

  @Test
  void theConnectionsGaugeFollowsSockets() throws Exception {
    Gauge connections = registry.get("aquifer.s3.connections").gauge();
    assertEquals(0.0, connections.value());
    Socket a = new Socket("127.0.0.1", fx.gateway.address().getPort());
    try (Socket b = new Socket("127.0.0.1", fx.gateway.address().getPort())) {
      Await.equal("two connections", 2.0, connections::value);
      a.close();
      Await.equal("one connection", 1.0, connections::value);
      assertTrue(b.isConnected());
    } finally {
      a.close();
    }
    Await.equal("no connections", 0.0, connections::value);
  }

  @Test
  void prometheusRendersTheDocumentedNames() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (GatewayFixture p =
        new GatewayFixture(
            dir.resolve("prometheus"),
            GatewayConfig.DEFAULT.withListen("127.0.0.1", 0),
            prometheus)) {
      p.store.createBucket("prom");
      p.signedPayloadClient()
          .putObject(b -> b.bucket("prom").key("k"), RequestBody.fromString("hello"));
      assertThrows(
          S3Exception.class, () -> p.client().headObject(b -> b.bucket("prom").key("missing")));
      for (String line :
          new String[] {
            "aquifer_s3_requests_total{op=\"HeadObject\",status=\"404\"} 1",
            "aquifer_s3_requests_total{op=\"PutObject\",status=\"200\"} 1",
            "aquifer_s3_request_seconds_count{op=\"PutObject\"} 1",
            "aquifer_s3_received_bytes_total 5",
            "aquifer_s3_errors_total{code=\"NoSuchKey\"} 1",
            "aquifer_s3_inflight_requests 0",
          }) {
        Await.until(line, () -> prometheus.scrape().contains(line));
      }
      String text = prometheus.scrape();
      for (String name :
          new String[] {
            "aquifer_s3_request_seconds_bucket{op=\"PutObject\",le=",
            "aquifer_s3_request_seconds_sum{op=\"PutObject\"}",
            "aquifer_s3_sent_bytes_total ",
            "aquifer_s3_connections ",
          }) {
        assertTrue(text.contains(name), name + " in\n" + text);
      }
    }
  }

  @Test
  void everyOperationHasItsOwnTag() {
    S3Client c = fx.client();
    c.listBuckets();
    c.createBucket(b -> b.bucket("ops"));
    c.headBucket(b -> b.bucket("ops"));
    c.getBucketLocation(b -> b.bucket("ops"));
    c.putObject(b -> b.bucket("ops").key("a"), RequestBody.fromString("a"));
    c.getObjectAsBytes(b -> b.bucket("ops").key("a"));
    c.headObject(b -> b.bucket("ops").key("a"));
    c.copyObject(
        b -> b.sourceBucket("ops").sourceKey("a").destinationBucket("ops").destinationKey("b"));
    c.listObjects(b -> b.bucket("ops"));
    c.listObjectsV2(b -> b.bucket("ops"));
    c.putObjectTagging(
        b ->
            b.bucket("ops")
                .key("a")
                .tagging(
                    t ->
                        t.tagSet(
                            software.amazon.awssdk.services.s3.model.Tag.builder()
                                .key("k")
                                .value("v")
                                .build())));
    c.getObjectTagging(b -> b.bucket("ops").key("a"));
    c.deleteObjectTagging(b -> b.bucket("ops").key("a"));
    String upload = c.createMultipartUpload(b -> b.bucket("ops").key("m")).uploadId();
    String etag =
        c.uploadPart(
                b -> b.bucket("ops").key("m").uploadId(upload).partNumber(1),
                RequestBody.fromString("part"))
            .eTag();
    c.uploadPartCopy(
        b ->
            b.sourceBucket("ops")
                .sourceKey("a")
                .destinationBucket("ops")
                .destinationKey("m")
                .uploadId(upload)
                .partNumber(2));
    c.listParts(b -> b.bucket("ops").key("m").uploadId(upload));
    c.listMultipartUploads(b -> b.bucket("ops"));
    c.abortMultipartUpload(b -> b.bucket("ops").key("m").uploadId(upload));
    String second = c.createMultipartUpload(b -> b.bucket("ops").key("n")).uploadId();
    String e2 =
        c.uploadPart(
                b -> b.bucket("ops").key("n").uploadId(second).partNumber(1),
                RequestBody.fromString("only part"))
            .eTag();
    c.completeMultipartUpload(
        b ->
            b.bucket("ops")
                .key("n")
                .uploadId(second)
                .multipartUpload(
                    u ->
                        u.parts(
                            software.amazon.awssdk.services.s3.model.CompletedPart.builder()
                                .partNumber(1)
                                .eTag(e2)
                                .build())));
    c.deleteObject(b -> b.bucket("ops").key("a"));
    c.deleteObjects(
        b ->
            b.bucket("ops")
                .delete(
                    d ->
                        d.objects(
                            software.amazon.awssdk.services.s3.model.ObjectIdentifier.builder()
                                .key("b")
                                .build(),
                            software.amazon.awssdk.services.s3.model.ObjectIdentifier.builder()
                                .key("n")
                                .build())));
    c.deleteBucket(b -> b.bucket("ops"));
    assertTrue(etag != null);
    java.util.Map<String, Integer> expected = new java.util.LinkedHashMap<>();
    for (String op :
        new String[] {
          "ListBuckets",
          "CreateBucket",
          "HeadBucket",
          "GetBucketLocation",
          "PutObject",
          "GetObject",
          "HeadObject",
          "CopyObject",
          "ListObjects",
          "ListObjectsV2",
          "PutObjectTagging",
          "GetObjectTagging",
          "DeleteObjectTagging",
          "ListParts",
          "ListMultipartUploads",
          "AbortMultipartUpload",
          "UploadPartCopy",
          "CompleteMultipartUpload",
          "DeleteObject",
          "DeleteObjects",
          "DeleteBucket"
        }) {
      expected.put(op, 1);
    }
    expected.put("CreateMultipartUpload", 2);
    expected.put("UploadPart", 2);
    for (var e : expected.entrySet()) {
      int status =
          switch (e.getKey()) {
            case "DeleteObjectTagging", "AbortMultipartUpload", "DeleteObject", "DeleteBucket" ->
                204;
            default -> 200;
          };
      Await.equal(
          e.getKey() + " " + status, (double) e.getValue(), () -> requests(e.getKey(), status));
      assertEquals(e.getValue().longValue(), timed(e.getKey()), e.getKey());
    }
    assertEquals(0, timed("Unknown"));
    assertEquals(java.util.Map.of(), fx.gateway.errorCounts());
  }

  @Test
  void bodyBytesInAndOutMatchWhatWasSent() throws Exception {
    byte[] data = new byte[300_000];
    new Random(8).nextBytes(data);
    s3.putObject(b -> b.bucket("metrics").key("bytes"), RequestBody.fromBytes(data));
    Await.equal("PutObject counted", 1.0, () -> requests("PutObject", 200));
    assertEquals(data.length, received());
    double before = sent();
    s3.getObjectAsBytes(b -> b.bucket("metrics").key("bytes"));
    Await.equal("GetObject counted", 1.0, () -> requests("GetObject", 200));
    assertEquals(data.length, sent() - before);
    before = sent();
    s3.getObjectAsBytes(b -> b.bucket("metrics").key("bytes").range("bytes=10-19"));
    Await.equal("ranged GetObject counted", 1.0, () -> requests("GetObject", 206));
    assertEquals(10, sent() - before);
    before = sent();
    s3.headObject(b -> b.bucket("metrics").key("bytes"));
    Await.equal("HeadObject counted", 1.0, () -> requests("HeadObject", 200));
    assertEquals(0, sent() - before, "HEAD sends no body");

    // an error body counts as sent bytes: fetch it raw to know its exact length
    String url =
        fx.presigner()
            .presignGetObject(
                p ->
                    p.signatureDuration(Duration.ofMinutes(5))
                        .getObjectRequest(b -> b.bucket("metrics").key("missing")))
            .url()
            .toString();
    before = sent();
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(404, r.statusCode());
    Await.equal("GetObject 404 counted", 1.0, () -> requests("GetObject", 404));
    assertEquals(r.body().length, sent() - before);
  }

  @Test
  void failedAuthenticationCountsAsMalformedAndAsAnError() {
    S3Client wrong =
        fx.client(
            b ->
                b.credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(GatewayFixture.ACCESS, "not-the-secret"))));
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () -> wrong.putObject(b -> b.bucket("metrics").key("x"), RequestBody.fromString("x")));
    assertEquals(403, e.statusCode());
    Await.equal(
        "malformed SignatureDoesNotMatch",
        1.0,
        () -> counter("aquifer.s3.malformed.requests", "SignatureDoesNotMatch"));
    assertEquals(1.0, counter("aquifer.s3.errors", "SignatureDoesNotMatch"));
    Await.equal("PutObject 403", 1.0, () -> requests("PutObject", 403));
    assertEquals(1L, fx.gateway.malformedCounts().get("SignatureDoesNotMatch"));
    // an unknown operation is tagged Unknown
    assertThrows(S3Exception.class, () -> s3.getBucketAcl(b -> b.bucket("metrics")));
    Await.equal("Unknown 501", 1.0, () -> requests("Unknown", 501));
    assertEquals(1.0, counter("aquifer.s3.errors", "NotImplemented"));
  }

  /**
   * A small PUT whose head and body arrive in one write: its handler starts once that read is
   * decoded and finds the whole body queued, so it never waits for body bytes; a body sent in a
   * later write than its head does make it wait.
   */
  @Test
  void aBodyThatCameWithItsHeadCostsNoWait() {
    int port = fx.gateway.address().getPort();
    Counter waits = registry.get("aquifer.s3.body.waits").counter();
    Random r = new Random(5);
    try (RawHttp c = new RawHttp(port)) {
      for (int i = 0; i < 50; i++) {
        byte[] data = new byte[4096];
        r.nextBytes(data);
        SdkSigning.Wire w =
            RawHttp.sign(
                port,
                "PUT",
                "/metrics/small" + i,
                "",
                data,
                false,
                GatewayFixture.SECRET,
                java.time.Clock.systemUTC());
        assertEquals(200, c.write(RawHttp.bytes(w, -1, data)).read(false).status());
      }
    }
    assertEquals(0.0, waits.count());

    byte[] data = new byte[4096];
    SdkSigning.Wire w =
        RawHttp.sign(
            port,
            "PUT",
            "/metrics/split",
            "",
            data,
            false,
            GatewayFixture.SECRET,
            java.time.Clock.systemUTC());
    byte[] whole = RawHttp.bytes(w, -1, data);
    byte[] head = java.util.Arrays.copyOf(whole, whole.length - data.length);
    try (RawHttp c = new RawHttp(port)) {
      c.write(head);
      Await.until("the handler waits for the body", () -> waits.count() >= 1.0);
      c.write(data);
      assertEquals(200, c.read(false).status());
    }
    assertTrue(waits.count() >= 1.0);
  }
}
