package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.CredentialStore;
import io.aquifer.gateway.auth.SdkSigning;
import io.aquifer.gateway.auth.UserDirectory;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.WriteCondition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Tagging;

/**
 * GET and HEAD answered on the event loop from the small-object cache: the same status, headers and
 * body as the normal path for every form the event loop takes, every other form and every error
 * left to the normal path, and a GET after any acknowledged change of the key sees the change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class EventLoopGetTest {
  static final String BUCKET = "evloop";
  static final Clock CLOCK = Clock.systemUTC();

  @TempDir static Path dir;
  GatewayFixture fx;
  SimpleMeterRegistry registry;
  S3Client s3;
  int port;

  @BeforeAll
  void start() {
    registry = new SimpleMeterRegistry();
    fx =
        new GatewayFixture(
            dir.resolve("main"), GatewayConfig.DEFAULT.withListen("127.0.0.1", 0), registry);
    port = fx.gateway.address().getPort();
    fx.store.createBucket(BUCKET);
    s3 = fx.client();
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  static byte[] random(int seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  long answeredOnEventLoop() {
    return (long) registry.get("aquifer.s3.eventloop.requests").counter().count();
  }

  ObjectInfo store(String key, byte[] data) {
    return fx.store.put(
        BUCKET,
        key,
        data,
        new PutOptions(
            "application/x-test",
            Map.of("color", "blue"),
            Map.of("cache-control", "max-age=60", "x-amz-tagging", "a=1&b=2"),
            WriteCondition.none()));
  }

  byte[] request(String method, String path, String query, String... signedHeaders) {
    SdkSigning.Wire w =
        RawHttp.sign(
            port, method, path, query, null, false, GatewayFixture.SECRET, CLOCK, signedHeaders);
    return RawHttp.bytes(w, -1, null);
  }

  RawHttp.Response once(byte[] request, boolean head) {
    try (RawHttp c = new RawHttp(port)) {
      return c.write(request).read(head);
    }
  }

  /** Sends the request twice, first on the normal path, then with event-loop answers allowed. */
  RawHttp.Response[] bothPaths(String method, String key, String query, String... headers) {
    boolean head = method.equals("HEAD");
    String path = "/" + BUCKET + "/" + key;
    fx.gateway.eventLoopAnswers = false;
    long before = answeredOnEventLoop();
    RawHttp.Response normal;
    try {
      normal = once(request(method, path, query, headers), head);
    } finally {
      fx.gateway.eventLoopAnswers = true;
    }
    assertEquals(before, answeredOnEventLoop());
    RawHttp.Response fast = once(request(method, path, query, headers), head);
    return new RawHttp.Response[] {normal, fast, null};
  }

  /** The event loop answers, exactly as the normal path does. */
  RawHttp.Response assertSameOnTheEventLoop(
      String method, String key, String query, String... headers) {
    long before = answeredOnEventLoop();
    RawHttp.Response[] r = bothPaths(method, key, query, headers);
    assertEquals(before + 1, answeredOnEventLoop(), "answered on the event loop: " + r[1]);
    assertEquals(r[0].status(), r[1].status());
    assertEquals(GetPathTest.stable(r[0]), GetPathTest.stable(r[1]), method + " " + query);
    assertArrayEquals(r[0].body(), r[1].body());
    return r[1];
  }

  /** The event loop leaves the request to the normal path, which answers as it always does. */
  RawHttp.Response assertLeftToTheNormalPath(
      String method, String key, String query, String... headers) {
    long before = answeredOnEventLoop();
    RawHttp.Response[] r = bothPaths(method, key, query, headers);
    assertEquals(before, answeredOnEventLoop(), "not answered on the event loop: " + r[1]);
    assertEquals(r[0].status(), r[1].status());
    assertEquals(GetPathTest.stable(r[0]), GetPathTest.stable(r[1]));
    assertEquals(withoutRequestId(r[0]), withoutRequestId(r[1]), "the body");
    return r[1];
  }

  /** The body as text with the response's request id (in error documents) taken out. */
  static String withoutRequestId(RawHttp.Response r) {
    String id = r.headers().get("x-amz-request-id");
    String body = new String(r.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
    return id == null ? body : body.replace(id, "ID");
  }

  /** Reads the key once so that its data is cached. */
  void warm(String key) {
    once(request("GET", "/" + BUCKET + "/" + key, ""), false);
  }

  @Test
  void hitsAreAnsweredOnTheEventLoopExactlyAsTheNormalPathAnswers() {
    byte[] data = random(1, 4096);
    ObjectInfo info = store("same", data);
    String etag = "\"" + info.etag() + "\"";
    warm("same");
    RawHttp.Response whole = assertSameOnTheEventLoop("GET", "same", "");
    assertEquals(200, whole.status());
    assertArrayEquals(data, whole.body());
    assertEquals("max-age=60", whole.headers().get("cache-control"));
    assertEquals("2", whole.headers().get("x-amz-tagging-count"));
    assertEquals("blue", whole.headers().get("x-amz-meta-color"));
    assertEquals(
        "4096", assertSameOnTheEventLoop("HEAD", "same", "").headers().get("content-length"));
    RawHttp.Response range = assertSameOnTheEventLoop("GET", "same", "", "Range", "bytes=10-99");
    assertEquals(206, range.status());
    assertArrayEquals(Arrays.copyOfRange(data, 10, 100), range.body());
    assertEquals("bytes 10-99/4096", range.headers().get("content-range"));
    assertArrayEquals(
        Arrays.copyOfRange(data, 4046, 4096),
        assertSameOnTheEventLoop("GET", "same", "", "Range", "bytes=-50").body());
    assertEquals(206, assertSameOnTheEventLoop("HEAD", "same", "", "Range", "bytes=0-0").status());
    assertEquals(304, assertSameOnTheEventLoop("GET", "same", "", "If-None-Match", etag).status());
    assertEquals(
        304,
        assertSameOnTheEventLoop(
                "GET", "same", "", "If-Modified-Since", HttpDates.format(info.modified()))
            .status());
    assertEquals(200, assertSameOnTheEventLoop("GET", "same", "", "If-Match", etag).status());
    assertEquals(
        200, assertSameOnTheEventLoop("GET", "same", "", "If-None-Match", "\"other\"").status());
    RawHttp.Response over =
        assertSameOnTheEventLoop(
            "GET",
            "same",
            "response-content-type=text/plain&response-cache-control=no-store&x-id=GetObject");
    assertEquals("text/plain", over.headers().get("content-type"));
    assertEquals("no-store", over.headers().get("cache-control"));
    assertSameOnTheEventLoop("GET", "same", "", "x-amz-checksum-mode", "ENABLED");
  }

  @Test
  void errorsAndOtherFormsAreLeftToTheNormalPath() {
    byte[] data = random(2, 3000);
    store("other", data);
    warm("other");
    assertEquals(
        412, assertLeftToTheNormalPath("GET", "other", "", "If-Match", "\"nope\"").status());
    RawHttp.Response unsatisfiable =
        assertLeftToTheNormalPath("GET", "other", "", "Range", "bytes=5000-");
    assertEquals(416, unsatisfiable.status());
    assertEquals("bytes */3000", unsatisfiable.headers().get("content-range"));
    assertEquals(200, assertLeftToTheNormalPath("GET", "other", "partNumber=1").status());
    assertEquals(200, assertLeftToTheNormalPath("GET", "other", "versionId=null").status());
    assertEquals(200, assertLeftToTheNormalPath("GET", "other", "tagging").status());
    assertEquals(404, assertLeftToTheNormalPath("GET", "missing-key", "").status());
    // a bad signature on a cached object: the normal path answers 403
    long before = answeredOnEventLoop();
    SdkSigning.Wire w =
        RawHttp.sign(port, "GET", "/" + BUCKET + "/other", "", null, false, "wrong-secret", CLOCK);
    RawHttp.Response denied = once(RawHttp.bytes(w, -1, null), false);
    assertEquals(403, denied.status());
    assertEquals("SignatureDoesNotMatch", denied.code());
    // a GET that carries a body
    SdkSigning.Wire withBody =
        RawHttp.sign(
            port,
            "GET",
            "/" + BUCKET + "/other",
            "",
            new byte[] {1, 2, 3},
            false,
            GatewayFixture.SECRET,
            CLOCK);
    RawHttp.Response r = once(RawHttp.bytes(withBody, -1, new byte[] {1, 2, 3}), false);
    assertEquals(200, r.status());
    assertArrayEquals(data, r.body());
    assertEquals(before, answeredOnEventLoop());
  }

  @Test
  void anotherUsersBucketIsDeniedAsOnTheNormalPath() throws Exception {
    fx.store.createBucket("bobs", "bob");
    fx.store.put("bobs", "k", random(3, 100), PutOptions.DEFAULT);
    fx.store.get("bobs", "k").close(); // cached
    CredentialStore creds =
        key -> Optional.ofNullable(Map.of(GatewayFixture.ACCESS, GatewayFixture.SECRET).get(key));
    UserDirectory alice =
        new UserDirectory() {
          @Override
          public String userOf(String accessKey) {
            return "alice";
          }

          @Override
          public boolean isAdmin(String user) {
            return false;
          }
        };
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (S3Gateway g =
        S3Gateway.start(
            GatewayConfig.DEFAULT.withListen("127.0.0.1", 0), fx.store, creds, alice, CLOCK, reg)) {
      int p = g.address().getPort();
      SdkSigning.Wire w =
          RawHttp.sign(p, "GET", "/bobs/k", "", null, false, GatewayFixture.SECRET, CLOCK);
      RawHttp.Response r;
      try (RawHttp c = new RawHttp(p)) {
        r = c.write(RawHttp.bytes(w, -1, null)).read(false);
      }
      assertEquals(403, r.status());
      assertEquals("AccessDenied", r.code());
      assertEquals(0, reg.get("aquifer.s3.eventloop.requests").counter().count());
    }
  }

  @Test
  void pipelinedRequestsStayInOrderAcrossBothPaths() {
    byte[][] bodies = new byte[8][];
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    for (int i = 0; i < bodies.length; i++) {
      // small (cached after the first round) and large (always the normal path) interleaved
      bodies[i] = random(200 + i, i % 3 == 2 ? 300_000 + i : 1000 + i);
      store("pipe-" + i, bodies[i]);
    }
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < bodies.length; i++) {
        requests.writeBytes(request("GET", "/" + BUCKET + "/pipe-" + i, ""));
      }
      requests.writeBytes(request("GET", "/" + BUCKET + "/pipe-missing", ""));
    }
    long before = answeredOnEventLoop();
    try (RawHttp c = new RawHttp(port)) {
      c.write(requests.toByteArray());
      for (int round = 0; round < 3; round++) {
        for (byte[] body : bodies) {
          RawHttp.Response r = c.read();
          assertEquals(200, r.status(), r.toString());
          assertArrayEquals(body, r.body());
        }
        assertEquals("NoSuchKey", c.read().code());
      }
    }
    assertTrue(answeredOnEventLoop() > before, "later rounds are answered on the event loop");
  }

  // ---- coherence: a GET after an acknowledged change sees it

  byte[] getBytes(String bucket, String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  /** GETs the key until it is answered on the event loop (the data is cached), checking bytes. */
  void assertCachedHit(String bucket, String key, byte[] want) {
    assertArrayEquals(want, getBytes(bucket, key));
    long before = answeredOnEventLoop();
    assertArrayEquals(want, getBytes(bucket, key));
    assertEquals(before + 1, answeredOnEventLoop(), key + " is answered from the cache");
  }

  @Test
  void everyAcknowledgedChangeIsSeenByTheNextGet() {
    String key = "coherent";
    byte[] v1 = random(10, 4096);
    s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(v1));
    assertCachedHit(BUCKET, key, v1);

    byte[] v2 = random(11, 4096);
    s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(v2));
    assertArrayEquals(v2, getBytes(BUCKET, key), "overwrite");
    assertCachedHit(BUCKET, key, v2);

    s3.putObjectTagging(
        b ->
            b.bucket(BUCKET)
                .key(key)
                .tagging(
                    Tagging.builder().tagSet(Tag.builder().key("t").value("1").build()).build()));
    assertEquals(
        1, s3.getObject(b -> b.bucket(BUCKET).key(key)).response().tagCount(), "attribute change");
    assertCachedHit(BUCKET, key, v2);

    byte[] src = random(12, 2000);
    s3.putObject(b -> b.bucket(BUCKET).key("copy-src"), RequestBody.fromBytes(src));
    s3.copyObject(
        b ->
            b.sourceBucket(BUCKET)
                .sourceKey("copy-src")
                .destinationBucket(BUCKET)
                .destinationKey(key));
    assertArrayEquals(src, getBytes(BUCKET, key), "copy onto the key");
    assertCachedHit(BUCKET, key, src);

    byte[] renamed = random(13, 1500);
    s3.putObject(b -> b.bucket(BUCKET).key("rename-src"), RequestBody.fromBytes(renamed));
    assertCachedHit(BUCKET, "rename-src", renamed);
    fx.store.rename(BUCKET, "rename-src", key, true); // what the file service's rename calls
    assertArrayEquals(renamed, getBytes(BUCKET, key), "rename onto the key");
    assertCachedHit(BUCKET, key, renamed);
    assertThrowsNoSuchKey(BUCKET, "rename-src");

    String upload = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
    byte[] part = random(14, 6 << 20);
    String etag =
        s3.uploadPart(
                b -> b.bucket(BUCKET).key(key).uploadId(upload).partNumber(1),
                RequestBody.fromBytes(part))
            .eTag();
    s3.completeMultipartUpload(
        b ->
            b.bucket(BUCKET)
                .key(key)
                .uploadId(upload)
                .multipartUpload(
                    CompletedMultipartUpload.builder()
                        .parts(
                            software.amazon.awssdk.services.s3.model.CompletedPart.builder()
                                .partNumber(1)
                                .eTag(etag)
                                .build())
                        .build()));
    assertArrayEquals(part, getBytes(BUCKET, key), "multipart complete onto the key");

    byte[] v3 = random(15, 4096);
    s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(v3));
    assertCachedHit(BUCKET, key, v3);
    s3.deleteObject(b -> b.bucket(BUCKET).key(key));
    assertThrowsNoSuchKey(BUCKET, key);
  }

  void assertThrowsNoSuchKey(String bucket, String key) {
    try {
      getBytes(bucket, key);
      throw new AssertionError(key + " still answers");
    } catch (NoSuchKeyException e) {
      assertEquals(404, e.statusCode());
    }
  }

  @Test
  void aDeletedAndRecreatedBucketNeverAnswersItsOldObjects() {
    String bucket = "recreated";
    s3.createBucket(b -> b.bucket(bucket));
    byte[] old = random(20, 4096);
    s3.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromBytes(old));
    assertCachedHit(bucket, "k", old);
    s3.deleteObject(b -> b.bucket(bucket).key("k"));
    s3.deleteBucket(b -> b.bucket(bucket));
    s3.createBucket(b -> b.bucket(bucket));
    assertThrowsNoSuchKey(bucket, "k");
    byte[] fresh = random(21, 4096);
    s3.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromBytes(fresh));
    assertArrayEquals(fresh, getBytes(bucket, "k"));
    assertCachedHit(bucket, "k", fresh);
  }

  @Test
  void concurrentReadersNeverSeeAVersionOlderThanTheLastAcknowledgedPut() throws Exception {
    String key = "racing";
    s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(version(0)));
    AtomicLong acked = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    long before = answeredOnEventLoop();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        S3Client client = fx.client();
        readers.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    long floor = acked.get();
                    byte[] got =
                        client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
                    long seen = ByteBuffer.wrap(got).getLong(0);
                    assertTrue(seen >= floor, "saw " + seen + " after " + floor + " was acked");
                  }
                  return null;
                }));
      }
      for (long v = 1; v <= 150; v++) {
        byte[] body = version(v);
        s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(body));
        acked.set(v);
      }
      stop.set(true);
      for (Future<?> f : readers) {
        f.get();
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    assertTrue(answeredOnEventLoop() > before, "some GETs were answered from the cache");
  }

  static byte[] version(long v) {
    byte[] b = random((int) v, 2048);
    ByteBuffer.wrap(b).putLong(0, v);
    return b;
  }

  @Test
  void aDisabledCacheAnswersEverythingOnTheNormalPath() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GatewayFixture off =
        new GatewayFixture(
            dir.resolve("off"),
            GatewayConfig.DEFAULT.withListen("127.0.0.1", 0),
            reg,
            c -> c.withSmallCacheBytes(0))) {
      off.store.createBucket(BUCKET);
      S3Client c = off.client();
      byte[] data = random(30, 4096);
      c.putObject(b -> b.bucket(BUCKET).key("k"), RequestBody.fromBytes(data));
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(data, c.getObjectAsBytes(b -> b.bucket(BUCKET).key("k")).asByteArray());
      }
      assertEquals(0, reg.get("aquifer.s3.eventloop.requests").counter().count());
      assertNull(off.store.tryGetCached(BUCKET, "k"));
    }
  }

  @Test
  void aCachedObjectTooLargeToSendWholeIsStreamedByTheNormalPath() {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    try (GatewayFixture big =
        new GatewayFixture(
            dir.resolve("bigpacked"),
            GatewayConfig.DEFAULT.withListen("127.0.0.1", 0),
            reg,
            c -> c.withPacking(4L << 20, 64L << 20))) {
      big.store.createBucket(BUCKET);
      S3Client c = big.client();
      byte[] small = random(40, 4096);
      byte[] large = random(41, ObjectOps.WHOLE_MAX + 12345);
      c.putObject(b -> b.bucket(BUCKET).key("small"), RequestBody.fromBytes(small));
      c.putObject(b -> b.bucket(BUCKET).key("large"), RequestBody.fromBytes(large));
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(
            large, c.getObjectAsBytes(b -> b.bucket(BUCKET).key("large")).asByteArray());
      }
      // packed and cached, but streamed: streaming may wait for writability, never on the loop
      assertTrue(big.store.tryGetCached(BUCKET, "large") != null);
      assertEquals(0, reg.get("aquifer.s3.eventloop.requests").counter().count());
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(
            small, c.getObjectAsBytes(b -> b.bucket(BUCKET).key("small")).asByteArray());
      }
      assertEquals(1, reg.get("aquifer.s3.eventloop.requests").counter().count());
    }
  }
}
