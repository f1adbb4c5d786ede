package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File regions of a streamed response are queued ahead of the socket up to {@link
 * Exchange#REGIONS_AHEAD} bytes, and no further: a handler keeps several blocks in flight instead
 * of one, and waits, holding no more regions (open files), while they are unsent. The socket is a
 * channel whose last outbound handler holds each write unsent until the test completes it.
 */
class RegionPacingTest {
  static final int MIB = 1 << 20;

  @TempDir Path dir;
  EventLoopGroup group;
  Channel server;
  Channel channel;
  // writes that reached the "socket" and are not sent yet, with their messages
  final ConcurrentLinkedQueue<ChannelPromise> unsent = new ConcurrentLinkedQueue<>();
  final List<DefaultFileRegion> regions = new CopyOnWriteArrayList<>();
  Path file;

  @BeforeEach
  void connect() throws Exception {
    file = dir.resolve("blocks");
    Files.write(file, new byte[12 * MIB]);
    group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    LocalAddress address = new LocalAddress("pacing-" + System.nanoTime());
    server =
        new ServerBootstrap()
            .group(group)
            .channel(LocalServerChannel.class)
            .childHandler(new ChannelInboundHandlerAdapter())
            .bind(address)
            .sync()
            .channel();
    channel =
        new Bootstrap()
            .group(group)
            .channel(LocalChannel.class)
            .handler(
                new ChannelOutboundHandlerAdapter() {
                  @Override
                  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise p) {
                    unsent.add(p);
                  }
                })
            .connect(address)
            .sync()
            .channel();
  }

  @AfterEach
  void close() throws Exception {
    channel.close().sync();
    server.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    for (DefaultFileRegion r : regions) {
      if (r.refCnt() > 0) {
        r.release();
      }
    }
  }

  Exchange exchange() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    return new Exchange(
        channel,
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/b/k"),
        "pacing",
        TimeUnit.MINUTES.toNanos(5),
        new GatewayMetrics(registry, new AtomicInteger(), new AtomicInteger()));
  }

  /** Starts a thread sending {@code count} regions of 1 MiB; counts those sendRegion returned. */
  Thread sender(Exchange ex, int count, AtomicInteger returned, AtomicReference<Throwable> failed) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                for (int i = 0; i < count; i++) {
                  DefaultFileRegion r =
                      new DefaultFileRegion(FileChannel.open(file), (long) i * MIB, MIB);
                  regions.add(r);
                  ex.sendRegion(r);
                  returned.incrementAndGet();
                }
              } catch (Throwable t) {
                failed.set(t);
              }
            });
  }

  static void awaitParked(Thread t) {
    Await.until(
        "the sender waits",
        () -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  /** Completes the oldest unsent write on the event loop, as a socket that sent it would. */
  void sendOne() {
    ChannelPromise p = unsent.poll();
    channel.eventLoop().execute(p::setSuccess);
  }

  @Test
  void regionsAreQueuedAheadUpToTheLimitAndNoFurther() throws Exception {
    int ahead = Exchange.REGIONS_AHEAD / MIB;
    AtomicInteger returned = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = sender(exchange(), ahead + 4, returned, failed);
    Await.until("regions queued", () -> unsent.size() == ahead);
    awaitParked(t);
    // parked with the limit queued: the next region is neither written nor opened yet
    assertEquals(ahead, unsent.size());
    assertEquals(ahead, returned.get());
    assertEquals(ahead + 1, regions.size(), "the one it waits to send is open");
    // each block the socket takes lets exactly one more in
    for (int sent = 1; sent <= 4; sent++) {
      sendOne();
      int expect = ahead + sent;
      Await.until("next region", () -> returned.get() == expect);
      assertTrue(unsent.size() <= ahead, () -> "queued " + unsent.size());
    }
    t.join();
    assertEquals(null, failed.get());
    // the last region's write reaches the channel on the event loop, after sendRegion returned
    Await.until("the last region written", () -> unsent.size() == ahead);
    assertEquals(ahead + 4, regions.size());
  }

  @Test
  void aClientThatClosesMidObjectStopsTheSenderAndItsRegionsAreReleased() throws Exception {
    int ahead = Exchange.REGIONS_AHEAD / MIB;
    AtomicInteger returned = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = sender(exchange(), 12, returned, failed);
    Await.until("regions queued", () -> unsent.size() == ahead);
    awaitParked(t);
    // the connection goes away: its unsent writes fail, as Netty fails them on a closed socket
    channel.close().sync();
    channel
        .eventLoop()
        .submit(
            () -> {
              for (ChannelPromise p; (p = unsent.poll()) != null; ) {
                p.setFailure(new java.nio.channels.ClosedChannelException());
              }
            })
        .sync();
    t.join();
    S3Exception e = assertInstanceOf(S3Exception.class, failed.get());
    assertEquals(S3Error.INCOMPLETE_BODY, e.error());
    assertTrue(returned.get() <= ahead + 1, () -> "sent after the close: " + returned.get());
    // the region it was about to send when it found the connection closed is released too
    DefaultFileRegion last = regions.get(regions.size() - 1);
    assertEquals(0, last.refCnt());
  }
}
