package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * The gateway serving HTTPS with a self-signed certificate made in the test, driven by the AWS SDK
 * (Apache and Netty clients) trusting that certificate; a client that does not trust it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {
  @TempDir static Path dir;
  X509Bundle cert;
  GatewayFixture fx;

  @BeforeAll
  void start() throws Exception {
    cert =
        new CertificateBuilder()
            .subject("CN=localhost")
            .addSanDnsName("localhost")
            .addSanIpAddress("127.0.0.1")
            .setIsCertificateAuthority(true)
            .addExtendedKeyUsageServerAuth()
            .ecp256()
            .buildSelfSigned();
    Path certFile = Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePathPEM());
    Path keyFile = Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM());
    fx =
        new GatewayFixture(
            dir.resolve("node"),
            GatewayConfig.DEFAULT.withListen("127.0.0.1", 0).withTls(certFile, keyFile));
    assertEquals("https", fx.endpoint.getScheme());
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  TrustManager[] trust() {
    return cert.toTrustManagerFactory().getTrustManagers();
  }

  static byte[] random(int seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  @SuppressWarnings("deprecation") // ApacheHttpClient is the SDK's default sync client still
  void putAndGetOverHttpsWithTheApacheClient() {
    S3Client s3 =
        fx.client(
            b ->
                b.httpClient(
                    ApacheHttpClient.builder().tlsTrustManagersProvider(this::trust).build()));
    s3.createBucket(b -> b.bucket("tls-sync"));
    byte[] data = random(1, 3 << 20);
    s3.putObject(
        b -> b.bucket("tls-sync").key("a//b").metadata(Map.of("via", "https")),
        RequestBody.fromBytes(data));
    var got = s3.getObjectAsBytes(b -> b.bucket("tls-sync").key("a//b"));
    assertArrayEquals(data, got.asByteArray());
    assertEquals("https", got.response().metadata().get("via"));
    // over https the SDK sends an unsigned streaming payload with a trailing checksum
    s3.putObject(
        b -> b.bucket("tls-sync").key("sum").checksumAlgorithm(ChecksumAlgorithm.CRC32_C),
        RequestBody.fromString("checked"));
    assertEquals(
        "checked",
        new String(
            s3.getObjectAsBytes(b -> b.bucket("tls-sync").key("sum")).asByteArray(),
            StandardCharsets.UTF_8));
    assertEquals(
        java.util.List.of("a//b", "sum"),
        s3.listObjectsV2(b -> b.bucket("tls-sync")).contents().stream()
            .map(software.amazon.awssdk.services.s3.model.S3Object::key)
            .toList());
  }

  @Test
  void putAndGetOverHttpsWithTheNettyClient() {
    try (S3AsyncClient s3 =
        S3AsyncClient.builder()
            .endpointOverride(fx.endpoint)
            .region(Region.US_EAST_1)
            .credentialsProvider(fx.credentials())
            .forcePathStyle(true)
            .httpClient(
                NettyNioAsyncHttpClient.builder().tlsTrustManagersProvider(this::trust).build())
            .build()) {
      s3.createBucket(b -> b.bucket("tls-async")).join();
      byte[] data = random(2, 1 << 20);
      s3.putObject(b -> b.bucket("tls-async").key("k"), AsyncRequestBody.fromBytes(data)).join();
      byte[] got =
          s3.getObject(b -> b.bucket("tls-async").key("k"), AsyncResponseTransformer.toBytes())
              .join()
              .asByteArray();
      assertArrayEquals(data, got);
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateFails() {
    S3Client untrusting = fx.client(); // the JDK's default trust store
    SdkClientException e = assertThrows(SdkClientException.class, () -> untrusting.listBuckets());
    assertTrue(
        e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("ssl")
            || e.getCause() instanceof javax.net.ssl.SSLException,
        e.toString());
  }
}
