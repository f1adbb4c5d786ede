package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.SdkSigning;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.WriteCondition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GET path over a raw socket: a whole object read with one store call answers exactly what the
 * conditional and ranged path answers (status, headers, body), for packed and striped objects and
 * at the sizes where the response changes from one write to a stream; missing and invalid buckets
 * are NoSuchBucket on every path; a response on a connection that closes arrives whole; pipelined
 * GETs are answered in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GetPathTest {
  static final String BUCKET = "getpath";
  static final Clock CLOCK = Clock.systemUTC();
  static final int CHUNK = 256 * 1024;

  @TempDir static Path dir;
  GatewayFixture fx;
  SimpleMeterRegistry registry;
  int port;

  @BeforeAll
  void start() {
    registry = new SimpleMeterRegistry();
    fx =
        new GatewayFixture(
            dir.resolve("main"), GatewayConfig.DEFAULT.withListen("127.0.0.1", 0), registry);
    port = fx.gateway.address().getPort();
    fx.store.createBucket(BUCKET);
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

  ObjectInfo store(String key, byte[] data) {
    return fx.store.put(
        BUCKET,
        key,
        data,
        new PutOptions(
            "application/x-test", Map.of("color", "blue"), Map.of(), WriteCondition.none()));
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

  RawHttp.Response get(String key, String... signedHeaders) {
    return once(request("GET", "/" + BUCKET + "/" + key, "", signedHeaders), false);
  }

  /** The headers that must not differ between two answers for the same object. */
  static Map<String, String> stable(RawHttp.Response r) {
    Map<String, String> h = new java.util.TreeMap<>(r.headers());
    h.remove("date");
    h.remove("x-amz-request-id");
    h.remove("x-amz-id-2");
    return h;
  }

  @Test
  void wholeObjectsAtEverySizeMatchTheRangedPath() {
    int[] sizes = {0, 1, 4096, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, (3 << 20) + 5};
    for (int size : sizes) {
      String key = "size-" + size;
      byte[] data = random(size, size);
      ObjectInfo info = store(key, data);
      RawHttp.Response whole = get(key);
      assertEquals(200, whole.status(), whole.toString());
      assertArrayEquals(data, whole.body(), "size " + size);
      assertEquals(Integer.toString(size), whole.headers().get("content-length"));
      assertEquals("\"" + info.etag() + "\"", whole.headers().get("etag"));
      assertEquals("application/x-test", whole.headers().get("content-type"));
      assertEquals("blue", whole.headers().get("x-amz-meta-color"));
      assertEquals(HttpDates.format(info.modified()), whole.headers().get("last-modified"));
      assertEquals(
          info.modified().getEpochSecond(),
          ZonedDateTime.parse(whole.headers().get("last-modified"), Exchange.HTTP_DATE)
              .toEpochSecond());
      assertEquals("bytes", whole.headers().get("accept-ranges"));
      assertEquals("STANDARD", whole.headers().get("x-amz-storage-class"));
      assertEquals("Aquifer", whole.headers().get("server"));
      assertNotNull(whole.headers().get("x-amz-request-id"));
      assertEquals(whole.headers().get("x-amz-request-id"), whole.headers().get("x-amz-id-2"));
      assertNotNull(whole.headers().get("date"));
      ZonedDateTime.parse(whole.headers().get("date"), Exchange.HTTP_DATE);
      // the same object through the conditional path (If-None-Match that does not match)
      RawHttp.Response conditional = get(key, "If-None-Match", "\"not-the-etag\"");
      assertEquals(200, conditional.status(), conditional.toString());
      assertArrayEquals(data, conditional.body());
      assertEquals(stable(whole), stable(conditional), "size " + size);
      if (size > 1) {
        RawHttp.Response range = get(key, "Range", "bytes=1-");
        assertEquals(206, range.status(), range.toString());
        assertArrayEquals(Arrays.copyOfRange(data, 1, size), range.body());
      }
    }
  }

  double sentFromFiles() {
    return registry.get("aquifer.s3.sent.file.bytes").counter().count();
  }

  @Test
  void wholeBlocksGoOutFromTheirShardFilesAndACorruptOneIsReconstructed() throws Exception {
    byte[] data = random(77, (5 << 20) + 333);
    store("spans", data);
    double before = sentFromFiles();
    RawHttp.Response r = get("spans");
    assertEquals(200, r.status(), r.toString());
    assertArrayEquals(data, r.body());
    // 2+2 of 1 MiB blocks: every block but the last stripe's goes out with sendfile
    assertTrue(sentFromFiles() - before >= 4 << 20, () -> "from files: " + sentFromFiles());
    RawHttp.Response aligned = get("spans", "Range", "bytes=2097152-4194303");
    assertEquals(206, aligned.status(), aligned.toString());
    assertArrayEquals(Arrays.copyOfRange(data, 2 << 20, 4 << 20), aligned.body());
    // a byte flipped in a block of each data shard: those blocks are reconstructed, never sent
    List<Path> shards;
    try (var files = java.nio.file.Files.walk(dir.resolve("main"))) {
      shards =
          files
              .filter(p -> p.toString().matches(".*/[0-9a-f]{32}\\.[01]"))
              .filter(p -> p.toFile().length() > (2 << 20))
              .toList();
    }
    assertEquals(2, shards.size(), shards::toString);
    for (Path shard : shards) {
      try (var ch =
          java.nio.channels.FileChannel.open(
              shard,
              java.nio.file.StandardOpenOption.READ,
              java.nio.file.StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
        long at = (1 << 20) + 50_000;
        ch.read(one, at);
        one.put(0, (byte) (one.get(0) ^ 0x5a)).flip();
        ch.write(one, at);
      }
    }
    long failures = fx.store.stats().checksumFailures();
    RawHttp.Response healed = get("spans");
    assertEquals(200, healed.status(), healed.toString());
    assertArrayEquals(data, healed.body());
    assertTrue(fx.store.stats().checksumFailures() > failures);
  }

  @Test
  void headerValuesGoInAsAsciiStringsOnlyWhenTheyAreAscii() {
    assertEquals(io.netty.util.AsciiString.class, ObjectOps.ascii("text/plain").getClass());
    assertEquals("text/plain", ObjectOps.ascii("text/plain").toString());
    String latin = "text/plain; name=caf\u00e9";
    assertSame(latin, ObjectOps.ascii(latin));
    String wide = "\u65e5\u672c";
    assertSame(wide, ObjectOps.ascii(wide));
    assertEquals("", ObjectOps.ascii("").toString());
  }

  @Test
  void conditionsAreStillEvaluated() {
    ObjectInfo info = store("cond", random(7, 5000));
    String etag = "\"" + info.etag() + "\"";
    RawHttp.Response notModified = get("cond", "If-None-Match", etag);
    assertEquals(304, notModified.status(), notModified.toString());
    assertEquals(etag, notModified.headers().get("etag"));
    RawHttp.Response failed = get("cond", "If-Match", "\"other\"");
    assertEquals(412, failed.status(), failed.toString());
    assertEquals("PreconditionFailed", failed.code());
    assertEquals(200, get("cond", "If-Match", etag).status());
    assertEquals(304, get("cond", "If-Modified-Since", HttpDates.format(info.modified())).status());
  }

  @Test
  void missingAndInvalidBucketsAreNoSuchBucketOnEveryPath() {
    for (String bucket : new String[] {"no-such-bucket", "Bad_Bucket", "ab"}) {
      String path = "/" + bucket + "/k";
      String[][] variants = {{}, {"Range", "bytes=0-1"}, {"If-None-Match", "\"x\""}};
      for (String[] h : variants) {
        RawHttp.Response r = once(request("GET", path, "", h), false);
        assertEquals(404, r.status(), bucket + " " + Arrays.toString(h) + ": " + r);
        assertEquals("NoSuchBucket", r.code(), r.toString());
        assertTrue(r.text().contains("The specified bucket does not exist: " + bucket), r.text());
        RawHttp.Response head = once(request("HEAD", path, "", h), true);
        assertEquals(404, head.status(), head.toString());
      }
      RawHttp.Response both =
          once(request("GET", path, "partNumber=1", "Range", "bytes=0-1"), false);
      assertEquals("NoSuchBucket", both.code(), both.toString());
    }
    RawHttp.Response key = get("no-such-key");
    assertEquals(404, key.status());
    assertEquals("NoSuchKey", key.code(), key.toString());
  }

  @Test
  void aResponseOnAClosingConnectionArrivesWhole() {
    for (int size : new int[] {CHUNK, CHUNK + 1}) {
      byte[] data = random(size + 3, size);
      store("closing-" + size, data);
      SdkSigning.Wire w =
          RawHttp.sign(
              port,
              "GET",
              "/" + BUCKET + "/closing-" + size,
              "",
              null,
              false,
              GatewayFixture.SECRET,
              CLOCK);
      try (RawHttp c = new RawHttp(port)) {
        c.write(RawHttp.bytes(w, -1, null, "Connection", "close"));
        RawHttp.Response r = c.read();
        assertEquals(200, r.status());
        assertTrue(r.closes(), r.headers().toString());
        assertArrayEquals(data, r.body());
        assertTrue(c.closedByPeer());
      }
    }
  }

  @Test
  void pipelinedGetsAreAnsweredInOrder() {
    byte[][] bodies = new byte[6][];
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = random(100 + i, i % 2 == 0 ? 4096 + i : CHUNK + i);
      store("pipe-" + i, bodies[i]);
      requests.writeBytes(request("GET", "/" + BUCKET + "/pipe-" + i, ""));
    }
    requests.writeBytes(request("GET", "/" + BUCKET + "/pipe-missing", ""));
    try (RawHttp c = new RawHttp(port)) {
      c.write(requests.toByteArray());
      for (byte[] body : bodies) {
        RawHttp.Response r = c.read();
        assertEquals(200, r.status(), r.toString());
        assertArrayEquals(body, r.body());
      }
      assertEquals("NoSuchKey", c.read().code());
    }
  }

  @Test
  void errorsOnRequestsWithoutABodyKeepTheConnection() {
    // the handler may answer before the event loop has seen the end of the (empty) body; the
    // connection must stay open all the same
    try (RawHttp c = new RawHttp(port)) {
      for (int i = 0; i < 50; i++) {
        boolean head = i % 2 == 0;
        c.write(request(head ? "HEAD" : "GET", "/" + BUCKET + "/missing-" + i, ""));
        RawHttp.Response r = c.read(head);
        assertNotNull(r, "response " + i);
        assertEquals(404, r.status(), r.toString());
        assertTrue(!r.closes(), r.toString());
      }
    }
  }
}
