package io.aquifer.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the S3 gateway.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param region the region clients sign for
 * @param virtualHostDomains domains under which {@code bucket.domain} names a bucket
 *     (virtual-host-style addressing); path-style always works
 * @param maxConnections connections beyond this are refused
 * @param idleTimeout a connection with no request and no traffic for this long is closed; a request
 *     whose body stalls for this long fails with RequestTimeout
 * @param headerTimeout a request's headers must arrive within this time of its first byte
 * @param maxHeaderBytes largest request header section
 * @param tlsCertificate PEM certificate chain for HTTPS, or null for plain HTTP
 * @param tlsKey PEM PKCS#8 private key for HTTPS, or null
 * @param drainTimeout how long {@link S3Gateway#close()} waits for requests in flight
 */
public record GatewayConfig(
    String host,
    int port,
    String region,
    List<String> virtualHostDomains,
    int maxConnections,
    Duration idleTimeout,
    Duration headerTimeout,
    int maxHeaderBytes,
    Path tlsCertificate,
    Path tlsKey,
    Duration drainTimeout) {

  /** Defaults for a laptop: 127.0.0.1:9000, us-east-1, plain HTTP. */
  public static final GatewayConfig DEFAULT =
      new GatewayConfig(
          "127.0.0.1",
          9000,
          "us-east-1",
          List.of(),
          1024,
          Duration.ofSeconds(60),
          Duration.ofSeconds(30),
          16 * 1024,
          null,
          null,
          Duration.ofSeconds(30));

  /** Checks the values. */
  public GatewayConfig {
    virtualHostDomains = List.copyOf(virtualHostDomains);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("gateway port must be 0 to 65535: " + port);
    }
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("gateway region must not be empty");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
    }
    if (maxHeaderBytes < 1024) {
      throw new IllegalArgumentException("maxHeaderBytes must be at least 1024: " + maxHeaderBytes);
    }
    if ((tlsCertificate == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both a certificate and a key");
    }
  }

  /** A copy listening on another address. */
  public GatewayConfig withListen(String newHost, int newPort) {
    return new GatewayConfig(
        newHost,
        newPort,
        region,
        virtualHostDomains,
        maxConnections,
        idleTimeout,
        headerTimeout,
        maxHeaderBytes,
        tlsCertificate,
        tlsKey,
        drainTimeout);
  }

  /** A copy with other timeouts. */
  public GatewayConfig withTimeouts(Duration idle, Duration header) {
    return new GatewayConfig(
        host,
        port,
        region,
        virtualHostDomains,
        maxConnections,
        idle,
        header,
        maxHeaderBytes,
        tlsCertificate,
        tlsKey,
        drainTimeout);
  }

  /** A copy with virtual-host-style domains. */
  public GatewayConfig withVirtualHostDomains(List<String> domains) {
    return new GatewayConfig(
        host,
        port,
        region,
        domains,
        maxConnections,
        idleTimeout,
        headerTimeout,
        maxHeaderBytes,
        tlsCertificate,
        tlsKey,
        drainTimeout);
  }

  /** A copy serving HTTPS with the given PEM files. */
  public GatewayConfig withTls(Path certificate, Path key) {
    return new GatewayConfig(
        host,
        port,
        region,
        virtualHostDomains,
        maxConnections,
        idleTimeout,
        headerTimeout,
        maxHeaderBytes,
        certificate,
        key,
        drainTimeout);
  }
}
