package io.aquifer.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP transport on Netty: epoll where the native library loads, NIO otherwise; frame buffers
 * from the configured allocator (pooled direct by default). Each open connection reserves its
 * receive window from {@link TransportConfig#bufferPoolBytes}; a connection that does not fit is
 * refused.
 */
final class TcpTransport implements Transport {
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  private final TransportConfig config;
  private final TransportOptions options;
  private final boolean epoll;
  private final EventLoopGroup group;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicLong poolFree;

  TcpTransport(TransportConfig config, TransportOptions options) {
    this.config = Objects.requireNonNull(config, "config");
    this.options = Objects.requireNonNull(options, "options");
    this.epoll = !options.nio() && Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(io);
    this.poolFree = new AtomicLong(config.bufferPoolBytes());
  }

  /** Whether the epoll transport is in use (NIO otherwise). */
  boolean epoll() {
    return epoll;
  }

  TransportOptions options() {
    return options;
  }

  @Override
  public TransportConfig.Kind kind() {
    return TransportConfig.Kind.TCP;
  }

  @Override
  public TransportConfig config() {
    return config;
  }

  @Override
  public CompletableFuture<Listener> listen(InetSocketAddress address, RequestHandler handler) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(handler, "handler");
    Class<? extends ServerChannel> channelClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(channelClass)
            .option(ChannelOption.ALLOCATOR, options.allocator())
            .childOption(ChannelOption.ALLOCATOR, options.allocator())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    if (!reserveWindow()) {
                      LOG.log(
                          System.Logger.Level.WARNING,
                          "transport refused {0}: the buffer pool of {1} bytes is taken by open"
                              + " connections",
                          channel.remoteAddress(),
                          Long.toString(config.bufferPoolBytes()));
                      channel.close();
                      return;
                    }
                    channels.add(channel);
                    channel.pipeline().addLast(TcpConnection.server(TcpTransport.this, handler));
                  }
                });
    CompletableFuture<Listener> result = new CompletableFuture<>();
    ChannelFuture bound = bootstrap.bind(address);
    bound.addListener(
        f -> {
          if (f.isSuccess()) {
            Channel channel = bound.channel();
            channels.add(channel);
            result.complete(new TcpListener(channel));
          } else {
            result.completeExceptionally(f.cause());
          }
        });
    return result;
  }

  @Override
  public CompletableFuture<Connection> connect(InetSocketAddress address) {
    Objects.requireNonNull(address, "address");
    CompletableFuture<Connection> result = new CompletableFuture<>();
    if (!reserveWindow()) {
      result.completeExceptionally(
          new TransportException(
              new TransportError.ConnectionLost(
                  "the buffer pool of "
                      + config.bufferPoolBytes()
                      + " bytes is taken by open connections")));
      return result;
    }
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, options.allocator())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    channels.add(channel);
                    channel.pipeline().addLast(TcpConnection.client(TcpTransport.this, result));
                  }
                });
    bootstrap
        .connect(address)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                releaseWindow();
                result.completeExceptionally(
                    new TransportException(
                        new TransportError.ConnectionLost(
                            "cannot connect to " + address + ": " + f.cause().getMessage())));
              }
            });
    return result;
  }

  private boolean reserveWindow() {
    long window = config.windowBytes();
    while (true) {
      long free = poolFree.get();
      if (free < window) {
        return false;
      }
      if (poolFree.compareAndSet(free, free - window)) {
        return true;
      }
    }
  }

  private void releaseWindow() {
    poolFree.addAndGet(config.windowBytes());
  }

  /** A connection has ended: its window returns to the pool. */
  void connectionClosed(TcpConnection connection) {
    releaseWindow();
  }

  /** Bytes of the buffer pool not reserved by open connections (for tests and metrics). */
  long poolFreeBytes() {
    return poolFree.get();
  }

  @Override
  public void close() {
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private record TcpListener(Channel channel) implements Listener {
    @Override
    public InetSocketAddress address() {
      return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
      channel.close().awaitUninterruptibly();
    }
  }
}
