package io.aquifer.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link Transport}, validated once here. Every value has a default that works on a
 * laptop ({@link #defaults()}); a {@code null} object field takes its default.
 *
 * @param kind which implementation to use: {@link Kind#AUTO} picks RDMA where it is present
 * @param fallbackToTcp with {@link Kind#RDMA}, use TCP instead of failing where RDMA is absent
 * @param bindAddress where {@link Transport#listen(RequestHandler)} listens (port 0: any free one)
 * @param connectAddress where {@link Transport#connect()} connects; {@code null} when unset
 * @param maxFrameBytes the largest frame this side accepts or sends, its 28-byte frame header
 *     included; a unary message (header plus payload) must fit in one frame
 * @param windowBytes per-connection credit: frame bytes a peer may send before this side has
 *     consumed them; at least {@code maxFrameBytes}
 * @param bufferPoolBytes memory budget for receive windows: each connection reserves {@code
 *     windowBytes} of it while open, so at most {@code bufferPoolBytes / windowBytes} connections
 *     are open at once (the RDMA implementation registers this much memory at start)
 * @param requestTimeout how long a request waits for its response unless the call says otherwise
 * @param connectTimeout how long a connect (TCP handshake plus hello exchange) may take
 * @param checksums offer CRC32C of header and payload on every frame (used when both sides offer
 *     it)
 */
public record TransportConfig(
    Kind kind,
    boolean fallbackToTcp,
    InetSocketAddress bindAddress,
    InetSocketAddress connectAddress,
    int maxFrameBytes,
    int windowBytes,
    long bufferPoolBytes,
    Duration requestTimeout,
    Duration connectTimeout,
    boolean checksums) {

  /** Which implementation a transport uses. */
  public enum Kind {
    /** RDMA where libdisni and an RDMA device are present, otherwise TCP. */
    AUTO,
    /** TCP on Netty. */
    TCP,
    /** RDMA verbs; an error where absent unless {@code fallbackToTcp}. */
    RDMA
  }

  /** Bytes of the fixed frame header (see docs/pfs-protocol.md). */
  public static final int FRAME_HEADER_BYTES = 28;

  static final int MIN_FRAME_BYTES = 4096;
  static final int MAX_FRAME_BYTES = 64 << 20;

  public TransportConfig {
    kind = kind == null ? Kind.AUTO : kind;
    bindAddress = bindAddress == null ? new InetSocketAddress("127.0.0.1", 0) : bindAddress;
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(30) : requestTimeout;
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
    if (maxFrameBytes < MIN_FRAME_BYTES || maxFrameBytes > MAX_FRAME_BYTES) {
      throw new IllegalArgumentException(
          "transport maxFrameBytes must be in ["
              + MIN_FRAME_BYTES
              + ", "
              + MAX_FRAME_BYTES
              + "], got "
              + maxFrameBytes);
    }
    if (windowBytes < maxFrameBytes) {
      throw new IllegalArgumentException(
          "transport windowBytes ("
              + windowBytes
              + ") must be at least maxFrameBytes ("
              + maxFrameBytes
              + ") so that any frame can be sent");
    }
    if (bufferPoolBytes < windowBytes) {
      throw new IllegalArgumentException(
          "transport bufferPoolBytes ("
              + bufferPoolBytes
              + ") must hold at least one window ("
              + windowBytes
              + ")");
    }
    requirePositive("requestTimeout", requestTimeout);
    requirePositive("connectTimeout", connectTimeout);
    if (fallbackToTcp && kind == Kind.TCP) {
      throw new IllegalArgumentException("transport fallbackToTcp only applies to kind RDMA");
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("transport " + name + " must be positive, got " + value);
    }
  }

  /**
   * AUTO, no fallback, loopback on any port, no connect address, 1 MiB frames, an 8 MiB window, a
   * 256 MiB pool, 30 s requests, 5 s connects, checksums on.
   */
  public static TransportConfig defaults() {
    return new TransportConfig(
        Kind.AUTO, false, null, null, 1 << 20, 8 << 20, 256L << 20, null, null, true);
  }

  /** This config with another kind and fallback. */
  public TransportConfig withKind(Kind newKind, boolean newFallbackToTcp) {
    return new TransportConfig(
        Objects.requireNonNull(newKind, "kind"),
        newFallbackToTcp,
        bindAddress,
        connectAddress,
        maxFrameBytes,
        windowBytes,
        bufferPoolBytes,
        requestTimeout,
        connectTimeout,
        checksums);
  }

  /** This config with other frame, window and pool sizes. */
  public TransportConfig withSizes(int newMaxFrameBytes, int newWindowBytes, long newPoolBytes) {
    return new TransportConfig(
        kind,
        fallbackToTcp,
        bindAddress,
        connectAddress,
        newMaxFrameBytes,
        newWindowBytes,
        newPoolBytes,
        requestTimeout,
        connectTimeout,
        checksums);
  }

  /** This config with another connect address. */
  public TransportConfig withConnectAddress(InetSocketAddress address) {
    return new TransportConfig(
        kind,
        fallbackToTcp,
        bindAddress,
        address,
        maxFrameBytes,
        windowBytes,
        bufferPoolBytes,
        requestTimeout,
        connectTimeout,
        checksums);
  }

  /** This config with another default request timeout. */
  public TransportConfig withRequestTimeout(Duration timeout) {
    return new TransportConfig(
        kind,
        fallbackToTcp,
        bindAddress,
        connectAddress,
        maxFrameBytes,
        windowBytes,
        bufferPoolBytes,
        timeout,
        connectTimeout,
        checksums);
  }

  /** This config with checksums offered or not. */
  public TransportConfig withChecksums(boolean offer) {
    return new TransportConfig(
        kind,
        fallbackToTcp,
        bindAddress,
        connectAddress,
        maxFrameBytes,
        windowBytes,
        bufferPoolBytes,
        requestTimeout,
        connectTimeout,
        offer);
  }
}
