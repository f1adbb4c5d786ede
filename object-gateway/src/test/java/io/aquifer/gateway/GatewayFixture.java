package io.aquifer.gateway;

import io.aquifer.gateway.auth.CredentialStore;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.StorageConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** A real store on temporary drives, a gateway on a loopback port, and SDK clients for it. */
final class GatewayFixture implements AutoCloseable {
  static final String ACCESS = "AKIAAQUIFERTEST00001";
  static final String SECRET = "aquifer/test/secret/key/0123456789abcdef";

  final ObjectStore store;
  final S3Gateway gateway;
  final URI endpoint;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  GatewayFixture(Path dir) {
    this(dir, GatewayConfig.DEFAULT.withListen("127.0.0.1", 0));
  }

  GatewayFixture(Path dir, GatewayConfig config) {
    this(dir, config, new SimpleMeterRegistry());
  }

  GatewayFixture(Path dir, GatewayConfig config, MeterRegistry registry) {
    this(dir, config, registry, c -> c);
  }

  /** With the store's settings changed by {@code storage} from the defaults. */
  GatewayFixture(
      Path dir,
      GatewayConfig config,
      MeterRegistry registry,
      java.util.function.UnaryOperator<StorageConfig> storage) {
    List<Path> drives = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      drives.add(dir.resolve("drive" + i));
    }
    store = ObjectStores.open(storage.apply(StorageConfig.defaults(dir.resolve("index"), drives)));
    CredentialStore creds = key -> Optional.ofNullable(Map.of(ACCESS, SECRET).get(key));
    gateway = S3Gateway.start(config, store, creds, Clock.systemUTC(), registry);
    endpoint =
        URI.create(
            (config.tlsCertificate() == null ? "http" : "https")
                + "://127.0.0.1:"
                + gateway.address().getPort());
  }

  StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET));
  }

  S3Client client() {
    return client(b -> {});
  }

  S3Client client(
      java.util.function.Consumer<software.amazon.awssdk.services.s3.S3ClientBuilder> c) {
    var b =
        S3Client.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .credentialsProvider(credentials())
            .forcePathStyle(true);
    c.accept(b);
    S3Client client = b.build();
    closeables.add(client);
    return client;
  }

  S3Client signedPayloadClient() {
    return client(
        b ->
            b.serviceConfiguration(
                S3Configuration.builder().chunkedEncodingEnabled(false).build()));
  }

  S3AsyncClient asyncClient() {
    S3AsyncClient client =
        S3AsyncClient.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .credentialsProvider(credentials())
            .forcePathStyle(true)
            .httpClient(NettyNioAsyncHttpClient.create())
            .build();
    closeables.add(client);
    return client;
  }

  S3Presigner presigner() {
    S3Presigner p =
        S3Presigner.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .credentialsProvider(credentials())
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .build();
    closeables.add(p);
    return p;
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeables.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    gateway.close();
    store.close();
  }
}
