package io.aquifer.bench.s3;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's HTTP client: one event loop group (epoll where available), pooled direct
 * buffers, and one PUT payload buffer of random bytes that every PUT body is cut from. Connections
 * ({@link #connect}) are kept alive and carry one request at a time.
 */
final class Client implements AutoCloseable {
  /** Largest payload buffer; bodies above it are sent as repeated chunks of it. */
  static final int MAX_CHUNK = 1 << 20;

  /** The seed of the PUT payload's random bytes. */
  static final long PAYLOAD_SEED = 0x5eed;

  final SigV4Signer signer;
  final Clock clock;
  final EventLoopGroup group;
  final Class<? extends Channel> channelType;
  final boolean epoll;
  private final ByteBuf payload;

  /**
   * @param objectSize the size of PUT bodies; the payload buffer holds min(size, 1 MiB) bytes
   * @param threads event loop threads
   */
  Client(SigV4Signer signer, Clock clock, long objectSize, int threads) {
    this.signer = signer;
    this.clock = clock;
    this.epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    this.group = new MultiThreadIoEventLoopGroup(threads, io);
    this.payload = randomBuffer((int) Math.min(objectSize, MAX_CHUNK));
  }

  /** A pooled direct buffer of {@code n} random bytes; the caller releases it. */
  static ByteBuf randomBuffer(int n) {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(n, n);
    SplittableRandom rnd = new SplittableRandom(PAYLOAD_SEED);
    while (b.writableBytes() >= 8) {
      b.writeLong(rnd.nextLong());
    }
    while (b.isWritable()) {
      b.writeByte(rnd.nextInt());
    }
    return b;
  }

  /** The buffer PUT bodies are cut from; borrowed, owned by this client. */
  ByteBuf payload() {
    return payload;
  }

  /**
   * A connection to {@code address} that connects on its first request.
   *
   * @param hostHeader the Host header (and the signed host), e.g. {@code 127.0.0.1:9000}
   */
  Connection connect(InetSocketAddress address, String hostHeader) {
    return new Connection(this, group.next(), address, hostHeader);
  }

  Bootstrap bootstrap() {
    return new Bootstrap()
        .channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        // large bodies arrive in reads of up to 1 MiB: fewer syscalls and decoder passes per byte
        .option(
            ChannelOption.RECVBUF_ALLOCATOR,
            new AdaptiveRecvByteBufAllocator(512, 16384, MAX_CHUNK))
        .option(
            ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024));
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    payload.release();
  }
}
