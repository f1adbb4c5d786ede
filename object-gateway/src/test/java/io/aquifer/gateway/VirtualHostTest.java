package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.SdkSigning;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Virtual-host-style addressing ({@code bucket.s3.test}) for a gateway configured with the domain
 * {@code s3.test}: the SDK in its default (virtual-host) style, with a resolver that sends every
 * {@code *.s3.test} name to loopback, and raw requests naming the bucket only in {@code Host}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VirtualHostTest {
  static final String DOMAIN = "s3.test";

  @TempDir static Path dir;
  GatewayFixture fx;
  int port;
  final ConcurrentLinkedQueue<String> resolved = new ConcurrentLinkedQueue<>();

  @BeforeAll
  void start() {
    fx =
        new GatewayFixture(
            dir,
            GatewayConfig.DEFAULT
                .withListen("127.0.0.1", 0)
                .withVirtualHostDomains(List.of(DOMAIN)));
    port = fx.gateway.address().getPort();
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  @SuppressWarnings("deprecation") // ApacheHttpClient is the SDK's default sync client still
  S3Client virtualHostClient() {
    return fx.client(
        b ->
            b.endpointOverride(URI.create("http://" + DOMAIN + ":" + port))
                .forcePathStyle(false)
                .region(Region.US_EAST_1)
                .httpClient(
                    ApacheHttpClient.builder()
                        .dnsResolver(
                            host -> {
                              resolved.add(host);
                              if (!host.endsWith("." + DOMAIN) && !host.equals(DOMAIN)) {
                                throw new java.net.UnknownHostException(host);
                              }
                              return new InetAddress[] {InetAddress.getLoopbackAddress()};
                            })
                        .build()));
  }

  @Test
  void theSdkInVirtualHostStylePutsGetsAndLists() {
    S3Client s3 = virtualHostClient();
    s3.createBucket(b -> b.bucket("vhost-bucket"));
    byte[] data = "virtual host".getBytes(StandardCharsets.UTF_8);
    for (String key : List.of("k", "dir/file.txt", "a//b", "/leading")) {
      s3.putObject(b -> b.bucket("vhost-bucket").key(key), RequestBody.fromBytes(data));
      assertArrayEquals(
          data, s3.getObjectAsBytes(b -> b.bucket("vhost-bucket").key(key)).asByteArray());
      assertEquals(data.length, fx.store.head("vhost-bucket", key).size(), key);
    }
    assertEquals(
        List.of("/leading", "a//b", "dir/file.txt", "k"),
        s3.listObjectsV2(b -> b.bucket("vhost-bucket")).contents().stream()
            .map(S3Object::key)
            .toList());
    assertEquals(
        List.of("dir/"),
        s3
            .listObjects(b -> b.bucket("vhost-bucket").prefix("d").delimiter("/"))
            .commonPrefixes()
            .stream()
            .map(p -> p.prefix())
            .toList());
    assertTrue(
        resolved.contains("vhost-bucket." + DOMAIN),
        "the SDK named the bucket in the host: " + resolved);
    // path style keeps working on the same gateway
    assertArrayEquals(
        data, fx.client().getObjectAsBytes(b -> b.bucket("vhost-bucket").key("k")).asByteArray());
  }

  /** A signed raw request; {@code query} values are plain (the SDK encodes them). */
  RawHttp.Response raw(String method, String host, String path, String query, byte[] body) {
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(method))
            .protocol("http")
            .host(host)
            .port(port)
            .encodedPath(path);
    if (!query.isEmpty()) {
      for (String p : query.split("&")) {
        int eq = p.indexOf('=');
        b.appendRawQueryParameter(p.substring(0, eq), p.substring(eq + 1));
      }
    }
    if (body != null) {
      b.putHeader("Content-Length", Integer.toString(body.length));
    }
    SdkSigning.Wire w =
        SdkSigning.sign(
            b.build(),
            body,
            GatewayFixture.ACCESS,
            GatewayFixture.SECRET,
            Clock.systemUTC(),
            true,
            false,
            null);
    try (RawHttp c = new RawHttp(port)) {
      return c.write(RawHttp.bytes(w, -1, body)).read(method.equals("HEAD"));
    }
  }

  @Test
  void rawRequestsNameTheBucketInTheHostHeader() {
    fx.store.createBucket("rawhost");
    String host = "rawhost." + DOMAIN;
    byte[] data = "named by host".getBytes(StandardCharsets.UTF_8);
    RawHttp.Response put = raw("PUT", host, "/x/y.txt", "", data);
    assertEquals(200, put.status(), put.toString());
    assertEquals(data.length, fx.store.head("rawhost", "x/y.txt").size());
    RawHttp.Response get = raw("GET", host, "/x/y.txt", "", null);
    assertEquals(200, get.status(), get.toString());
    assertArrayEquals(data, get.body());
    RawHttp.Response list = raw("GET", host, "/", "list-type=2&prefix=x/", null);
    assertEquals(200, list.status(), list.toString());
    assertTrue(list.text().contains("<Key>x/y.txt</Key>"), list.text());
    assertTrue(list.text().contains("<Name>rawhost</Name>"), list.text());
    // the domain itself names no bucket: a service request
    RawHttp.Response buckets = raw("GET", DOMAIN, "/", "", null);
    assertEquals(200, buckets.status(), buckets.toString());
    assertTrue(buckets.text().contains("<Name>rawhost</Name>"), buckets.text());
    // a host under no configured domain is path style: "/x/y.txt" is bucket "x"
    RawHttp.Response other = raw("GET", "rawhost.elsewhere.test", "/x/y.txt", "", null);
    assertEquals(404, other.status(), other.toString());
    assertEquals("NoSuchBucket", other.code(), other.toString());
    // a missing bucket named by host
    RawHttp.Response missing = raw("HEAD", "no-such." + DOMAIN, "/k", "", null);
    assertEquals(404, missing.status(), missing.toString());
  }
}
