package io.aquifer.gateway;

import io.aquifer.gateway.auth.CredentialStore;
import io.aquifer.gateway.auth.SigV4Verifier;
import io.aquifer.gateway.auth.UserDirectory;
import io.aquifer.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The S3 gateway: an HTTP/1.1 server on Netty (epoll where available) that serves the S3 API over
 * an {@link ObjectStore}. Each request runs on its own virtual thread, so storage calls may block;
 * socket I/O stays on the event loops. The exception: a GET or HEAD whose object the store can
 * answer from memory ({@link ObjectStore#tryGetCached}) is answered on the event loop, with no
 * blocking call ({@link S3Handler#tryOnEventLoop}).
 */
public final class S3Gateway implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(S3Gateway.class.getName());

  /** The access log's logger name. */
  public static final String ACCESS_LOGGER = "io.aquifer.gateway.access";

  private static final System.Logger ACCESS = System.getLogger(ACCESS_LOGGER);

  /** The largest socket read (a large body's reads grow up to it). */
  static final int READ_MAX = 512 * 1024;

  private final GatewayConfig config;
  private final S3Handler handler;
  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong requestCounter = new AtomicLong();
  private final String idPrefix;
  private final GatewayMetrics metrics;
  private volatile boolean closing;

  /**
   * Whether GET and HEAD hits of the small-object cache are answered on the event loop; tests turn
   * it off to get the normal path's answer to the same request.
   */
  volatile boolean eventLoopAnswers = true;

  private S3Gateway(
      GatewayConfig config,
      ObjectStore store,
      CredentialStore credentials,
      UserDirectory users,
      Clock clock,
      MeterRegistry registry)
      throws InterruptedException {
    this.config = config;
    this.idPrefix = String.format("%08X", ThreadLocalRandom.current().nextInt());
    this.metrics = new GatewayMetrics(registry, inFlight, connections);
    SigV4Verifier verifier = new SigV4Verifier(credentials, config.region(), clock);
    this.handler = new S3Handler(store, verifier, users, config, clock, metrics);
    SslContext ssl = sslContext(config);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.group = new MultiThreadIoEventLoopGroup(0, io);
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // Netty's default first read is 2 KiB: a small PUT's head and body then arrive in
            // two reads, and the handler started after the first one waits for the second. At
            // 16 KiB (never under 8 KiB) a 4 KiB PUT comes in one read, first request or not. A
            // large body's reads grow up to 512 KiB: each read costs a wake-up of the event loop,
            // a recv, an ACK and a hand-off to the handler, whatever its size.
            .childOption(
                ChannelOption.RECVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(8 * 1024, 16 * 1024, READ_MAX))
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (closing || connections.incrementAndGet() > config.maxConnections()) {
                      if (!closing) {
                        connections.decrementAndGet();
                      }
                      ch.close();
                      return;
                    }
                    ChannelPipeline p = ch.pipeline();
                    if (ssl != null) {
                      p.addLast(ssl.newHandler(ch.alloc()));
                    }
                    p.addLast(
                        new IdleStateHandler(
                            0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                    HttpConnection connection = new HttpConnection(S3Gateway.this);
                    p.addLast(connection.headerClock());
                    p.addLast(new HttpServerCodec(8192, config.maxHeaderBytes(), 1 << 20));
                    p.addLast(connection);
                  }
                });
    try {
      this.serverChannel = b.bind(config.host(), config.port()).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    LOG.log(
        System.Logger.Level.INFO,
        "S3 gateway listening on {0} ({1}, {2})",
        serverChannel.localAddress(),
        ssl == null ? "http" : "https",
        epoll ? "epoll" : "nio");
  }

  /**
   * Starts a gateway whose meters live in a registry of its own (read them through {@link
   * #errorCounts()} and {@link #malformedCounts()}).
   *
   * @throws IllegalStateException when the address cannot be bound or TLS files cannot be read
   */
  public static S3Gateway start(
      GatewayConfig config, ObjectStore store, CredentialStore credentials, Clock clock) {
    return start(config, store, credentials, clock, new SimpleMeterRegistry());
  }

  /**
   * Starts a gateway that registers its meters in {@code registry}: {@code aquifer.s3.requests}
   * (tags {@code op}, {@code status}), {@code aquifer.s3.request} (timer, tag {@code op}), {@code
   * aquifer.s3.received.bytes}, {@code aquifer.s3.sent.bytes}, {@code
   * aquifer.s3.inflight.requests}, {@code aquifer.s3.connections}, {@code
   * aquifer.s3.eventloop.requests}, {@code aquifer.s3.errors} and {@code
   * aquifer.s3.malformed.requests} (tag {@code code}).
   *
   * @throws IllegalStateException when the address cannot be bound or TLS files cannot be read
   */
  public static S3Gateway start(
      GatewayConfig config,
      ObjectStore store,
      CredentialStore credentials,
      Clock clock,
      MeterRegistry registry) {
    return start(config, store, credentials, UserDirectory.SINGLE_TENANT, clock, registry);
  }

  /**
   * Starts a gateway serving several users: {@code users} maps each access key to its user; each
   * user owns the buckets it creates, sees only those in ListBuckets, and gets AccessDenied on
   * other users' buckets (administrators excepted). Meters as for {@link #start(GatewayConfig,
   * ObjectStore, CredentialStore, Clock, MeterRegistry)}.
   *
   * @throws IllegalStateException when the address cannot be bound or TLS files cannot be read
   */
  public static S3Gateway start(
      GatewayConfig config,
      ObjectStore store,
      CredentialStore credentials,
      UserDirectory users,
      Clock clock,
      MeterRegistry registry) {
    try {
      return new S3Gateway(config, store, credentials, users, clock, registry);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding the S3 gateway", e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot start the S3 gateway on " + config.host() + ":" + config.port() + ": " + e, e);
    }
  }

  private static SslContext sslContext(GatewayConfig config) {
    if (config.tlsCertificate() == null) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(config.tlsCertificate().toFile(), config.tlsKey().toFile())
          .build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot load TLS certificate or key: " + e.getMessage(), e);
    }
  }

  /** The bound address (with the chosen port when the config asked for port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Requests being handled now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Malformed requests rejected before reaching an operation, by S3 error code. */
  public Map<String, Long> malformedCounts() {
    return metrics.malformedCounts();
  }

  /** Requests answered with an error, by S3 error code. */
  public Map<String, Long> errorCounts() {
    return metrics.errorCounts();
  }

  /**
   * Stops accepting connections, waits up to the drain timeout for requests in flight, then closes
   * every connection. Does not close the store.
   */
  @Override
  public void close() {
    closing = true;
    serverChannel.close().syncUninterruptibly();
    long deadline = System.nanoTime() + config.drainTimeout().toNanos();
    synchronized (inFlight) {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          inFlight.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  // ---- for HttpConnection

  String nextRequestId() {
    return requestId(idPrefix, requestCounter.incrementAndGet());
  }

  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

  /**
   * {@code prefix} followed by {@code n} in uppercase hex, at least 8 digits (what {@code
   * String.format("%08X", n)} gives, for positive {@code n}, without parsing a format).
   */
  static String requestId(String prefix, long n) {
    int digits = Math.max(8, (64 - Long.numberOfLeadingZeros(n) + 3) / 4);
    char[] out = new char[prefix.length() + digits];
    prefix.getChars(0, prefix.length(), out, 0);
    for (int i = out.length - 1; i >= prefix.length(); i--) {
      out[i] = UPPER_HEX[(int) (n & 0xf)];
      n >>>= 4;
    }
    return new String(out);
  }

  long idleNanos() {
    return config.idleTimeout().toNanos();
  }

  long headerNanos() {
    return config.headerTimeout().toNanos();
  }

  void connectionClosed() {
    connections.decrementAndGet();
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  void log(System.Logger.Level level, String message) {
    LOG.log(level, message);
  }

  /**
   * One line per request on the logger {@code io.aquifer.gateway.access} at DEBUG level, so it is
   * off unless that logger is switched on.
   */
  private static void access(Exchange ex, long nanos) {
    ACCESS.log(
        System.Logger.Level.DEBUG,
        String.format(
            "access id=%s op=%s status=%d method=%s uri=\"%s\" user=%s remote=%s ms=%.2f",
            ex.requestId,
            ex.op == null ? "Unknown" : ex.op.s3Name(),
            ex.status(),
            ex.request.method(),
            ex.request.uri().replace("\"", "%22"),
            ex.user == null ? "-" : ex.user,
            ex.channel.remoteAddress(),
            nanos / 1e6));
  }

  /**
   * Runs the exchange on a virtual thread; then {@code done} gets it and a callback to run once its
   * response is out of the process (written to the socket, or dropped with a closed connection):
   * only then does the request stop counting as in flight, so a stopping gateway never closes a
   * connection with its last response still queued.
   */
  void handle(Exchange ex, BiConsumer<Exchange, Runnable> done) {
    inFlight.incrementAndGet();
    Thread.ofVirtual()
        .name("s3-" + ex.requestId)
        .start(
            () -> {
              try {
                handler.handle(ex);
              } finally {
                long nanos = System.nanoTime() - ex.startNanos;
                metrics.request(ex.op, ex.status(), nanos);
                if (ACCESS.isLoggable(System.Logger.Level.DEBUG)) {
                  access(ex, nanos);
                }
                done.accept(ex, this::settled);
              }
            });
  }

  /**
   * Answers the exchange on the calling event loop when the store can serve it from memory ({@link
   * S3Handler#tryOnEventLoop}), recording the same metrics and access log line as {@link #handle};
   * the response is left pending in the exchange for the caller to write, and {@code settled} must
   * run once it is out. False (nothing recorded, nothing to write) means: call {@link #handle}.
   */
  boolean tryOnEventLoop(Exchange ex) {
    if (closing || !eventLoopAnswers) {
      return false;
    }
    inFlight.incrementAndGet();
    if (!handler.tryOnEventLoop(ex)) {
      settled();
      return false;
    }
    long nanos = System.nanoTime() - ex.startNanos;
    metrics.request(ex.op, ex.status(), nanos);
    metrics.eventLoopAnswered.increment();
    if (ACCESS.isLoggable(System.Logger.Level.DEBUG)) {
      access(ex, nanos);
    }
    return true;
  }

  /** The callback that ends a request's count in flight once its response is out. */
  Runnable settledCallback() {
    return this::settled;
  }

  /** A request's response is out: it no longer holds up {@link #close()}. */
  private void settled() {
    if (inFlight.decrementAndGet() == 0) {
      synchronized (inFlight) {
        inFlight.notifyAll();
      }
    }
  }
}
