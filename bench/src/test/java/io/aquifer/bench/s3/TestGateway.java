package io.aquifer.bench.s3;

import io.aquifer.gateway.GatewayConfig;
import io.aquifer.gateway.S3Gateway;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.StorageConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A real object store on temporary drive directories and a real S3 gateway on loopback. */
final class TestGateway implements AutoCloseable {
  static final String ACCESS = "AKIAAQUIFERBENCH0001";
  static final String SECRET = "aquifer/bench/secret/key/0123456789abcdef";

  final ObjectStore store;
  final S3Gateway gateway;
  final String endpoint;

  TestGateway(Path dir, int drives, int port) {
    List<Path> d = new ArrayList<>();
    for (int i = 0; i < drives; i++) {
      d.add(dir.resolve("drive" + i));
    }
    store = ObjectStores.open(StorageConfig.defaults(dir.resolve("index"), d));
    gateway =
        S3Gateway.start(
            GatewayConfig.DEFAULT.withListen("127.0.0.1", port),
            store,
            key -> key.equals(ACCESS) ? Optional.of(SECRET) : Optional.empty(),
            Clock.systemUTC());
    endpoint = "http://127.0.0.1:" + gateway.address().getPort();
  }

  @Override
  public void close() {
    gateway.close();
    store.close();
  }
}
