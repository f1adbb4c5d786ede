package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour every {@link Transport} implementation must have. Subclasses say how to open one
 * and with which allocator; each test gets a fresh counting allocator, and {@link
 * BufferLeakExtension} fails it if any buffer is still allocated once its transports are closed.
 */
@ExtendWith(BufferLeakExtension.class)
abstract class TransportContractTest implements BufferLeakExtension.Counted {

  static final int FRAME = 64 << 10;
  static final int WINDOW = 256 << 10;

  private final CountingAllocator allocator = newAllocator();
  private final List<Transport> opened = new ArrayList<>();

  /** The allocator this permutation runs with. */
  abstract CountingAllocator newAllocator();

  /** Opens the implementation under test. */
  abstract Transport open(TransportConfig config, TransportOptions options);

  @Override
  public CountingAllocator allocator() {
    return allocator;
  }

  TransportConfig config() {
    return TransportConfig.defaults()
        .withKind(TransportConfig.Kind.TCP, false)
        .withSizes(FRAME, WINDOW, 64L << 20);
  }

  TransportOptions options() {
    return TransportOptions.defaults().withAllocator(allocator.allocator());
  }

  Transport transport(TransportConfig config, TransportOptions options) {
    Transport transport = open(config, options);
    opened.add(transport);
    return transport;
  }

  /** A server with {@code handler} and a client connected to it. */
  Connection connect(RequestHandler handler) {
    Transport server = transport(config(), options());
    Transport client = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(handler));
    return Await.get(client.connect(listener.address()));
  }

  @AfterEach
  void closeTransports() {
    for (Transport transport : opened.reversed()) {
      transport.close();
    }
  }

  ByteBuf text(String s) {
    return ByteBufUtil.writeUtf8(allocator.allocator(), s);
  }

  static String text(ByteBuf buf) {
    return buf.toString(StandardCharsets.UTF_8);
  }

  /** Answers "re:" + the request header, with the request's payload as its payload. */
  static final RequestHandler ECHO =
      request -> {
        ByteBuf header =
            ByteBufUtil.writeUtf8(request.header().alloc(), "re:" + text(request.header()));
        request.header().release();
        return CompletableFuture.completedFuture(Reply.ok(header, request.payload()));
      };

  static Response.Ok ok(Response response) {
    return assertInstanceOf(Response.Ok.class, response, () -> "got " + response);
  }

  // ------------------------------------------------------------------ request/response

  @Test
  void requestAndResponseRoundTrip() {
    Connection connection = connect(ECHO);
    assertEquals(Wire.MAX_VERSION, connection.protocolVersion());
    try (Response.Ok reply = ok(Await.get(connection.request(text("hello"), text("payload"))))) {
      assertEquals("re:hello", text(reply.message().header()));
      assertEquals("payload", text(reply.message().payload()));
    }
    try (Response.Ok reply = ok(Await.get(connection.request(text("no payload"), null)))) {
      assertEquals("re:no payload", text(reply.message().header()));
      assertEquals(0, reply.message().payload().readableBytes());
    }
  }

  @Test
  void roundTripWithoutChecksums() {
    Transport server = transport(config().withChecksums(false), options());
    Transport client = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(ECHO));
    Connection connection = Await.get(client.connect(listener.address()));
    try (Response.Ok reply = ok(Await.get(connection.request(text("plain"), text("bytes"))))) {
      assertEquals("bytes", text(reply.message().payload()));
    }
  }

  @Test
  void manyConcurrentRequestsOnOneConnection() throws Exception {
    Connection connection = connect(ECHO);
    int threads = 16;
    int perThread = 64;
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        executor.submit(
            () -> {
              List<CompletableFuture<Response>> calls = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                String id = thread + "/" + i;
                calls.add(connection.request(text(id), text("body " + id + "x".repeat(i * 97))));
              }
              for (int i = 0; i < perThread; i++) {
                String id = thread + "/" + i;
                try (Response.Ok reply = ok(calls.get(i).join())) {
                  if (!text(reply.message().header()).equals("re:" + id)
                      || !text(reply.message().payload())
                          .equals("body " + id + "x".repeat(i * 97))) {
                    wrong.add(id);
                  }
                }
              }
              return null;
            });
      }
      executor.shutdown();
      assertTrue(executor.awaitTermination(Await.BOUND_SECONDS, TimeUnit.SECONDS));
    }
    assertTrue(wrong.isEmpty(), () -> "mismatched replies: " + wrong);
    assertTrue(connection.flow().maxOutstandingBytes() <= WINDOW);
  }

  @Test
  void eachConnectionGetsItsOwnHandler() {
    ConcurrentLinkedQueue<Connection> accepted = new ConcurrentLinkedQueue<>();
    RequestHandler perConnection =
        new RequestHandler() {
          @Override
          public CompletableFuture<Reply> onRequest(Message request) {
            request.close();
            return CompletableFuture.completedFuture(Reply.error(1000, "listener handler"));
          }

          @Override
          public RequestHandler forConnection(Connection connection) {
            accepted.add(connection);
            AtomicLong seen = new AtomicLong();
            return request -> {
              request.close();
              ByteBuf h = text("n=" + seen.incrementAndGet());
              return CompletableFuture.completedFuture(Reply.ok(h, null));
            };
          }
        };
    Transport server = transport(config(), options());
    Transport client = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(perConnection));
    Connection a = Await.get(client.connect(listener.address()));
    Connection b = Await.get(client.connect(listener.address()));
    for (String want : new String[] {"n=1", "n=2"}) {
      try (Response.Ok reply = ok(Await.get(a.request(text("x"), null)))) {
        assertEquals(want, text(reply.message().header()));
      }
    }
    try (Response.Ok reply = ok(Await.get(b.request(text("x"), null)))) {
      assertEquals("n=1", text(reply.message().header()));
    }
    assertEquals(2, accepted.size());
    Connection serverSideOfA = accepted.peek();
    a.close();
    Await.get(serverSideOfA.closeFuture());
  }

  // ------------------------------------------------------------------ streams

  /**
   * The bytes of a test stream repeat with a prime period, so a frame lost, repeated or reordered
   * (frames are a power of two minus the frame header) shows as a mismatch. Bulk reads and writes
   * only: paranoid leak detection records every single-byte access.
   */
  static final int PERIOD = 65521;

  static final byte[] PATTERN = new byte[2 * PERIOD];

  static {
    java.util.Random random = new java.util.Random(42);
    byte[] one = new byte[PERIOD];
    random.nextBytes(one);
    System.arraycopy(one, 0, PATTERN, 0, PERIOD);
    System.arraycopy(one, 0, PATTERN, PERIOD, PERIOD);
  }

  ByteBuf patternChunk(long offset, int length) {
    ByteBuf chunk = allocator.allocator().directBuffer(length);
    long at = offset;
    while (chunk.writerIndex() < length) {
      int n = Math.min(PERIOD, length - chunk.writerIndex());
      chunk.writeBytes(PATTERN, (int) (at % PERIOD), n);
      at += n;
    }
    return chunk;
  }

  /** Whether {@code chunk} holds the pattern from {@code offset}; reads without moving it. */
  static boolean matchesPattern(ByteBuf chunk, long offset) {
    byte[] scratch = new byte[Math.min(PERIOD, Math.max(1, chunk.readableBytes()))];
    int index = chunk.readerIndex();
    long at = offset;
    while (index < chunk.writerIndex()) {
      int n = Math.min(scratch.length, chunk.writerIndex() - index);
      chunk.getBytes(index, scratch, 0, n);
      int from = (int) (at % PERIOD);
      if (!java.util.Arrays.equals(scratch, 0, n, PATTERN, from, from + n)) {
        return false;
      }
      index += n;
      at += n;
    }
    return true;
  }

  /** Checks each chunk against the pattern, asks for the next one, replies with the count. */
  static final class VerifyingReceiver implements InboundStream.ChunkListener {
    final InboundStream stream;
    final CompletableFuture<Reply> reply = new CompletableFuture<>();
    final CountDownLatch firstChunk = new CountDownLatch(1);
    final AtomicReference<TransportError> error = new AtomicReference<>();
    final CountDownLatch ended = new CountDownLatch(1);
    long received;
    long mismatchAt = -1;

    VerifyingReceiver(InboundStream stream) {
      this.stream = stream;
    }

    @Override
    public void onChunk(ByteBuf chunk) {
      try {
        if (mismatchAt < 0 && !matchesPattern(chunk, received)) {
          mismatchAt = received;
        }
        received += chunk.readableBytes();
      } finally {
        chunk.release();
      }
      firstChunk.countDown();
      stream.request(1);
    }

    @Override
    public void onEnd() {
      reply.complete(
          Reply.ok(
              ByteBufUtil.writeUtf8(
                  io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, received + "/" + mismatchAt),
              null));
      ended.countDown();
    }

    @Override
    public void onError(TransportError e) {
      error.set(e);
      reply.complete(Reply.error(TransportError.RemoteError.FIRST_APP_CODE, e.describe()));
      ended.countDown();
    }
  }

  @Test
  void largeStreamedPayloadArrivesByteExact() {
    AtomicReference<VerifyingReceiver> receiver = new AtomicReference<>();
    Connection connection =
        connect(
            new RequestHandler() {
              @Override
              public CompletableFuture<Reply> onRequest(Message request) {
                request.close();
                return CompletableFuture.completedFuture(Reply.error(500, "unary"));
              }

              @Override
              public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
                header.close();
                VerifyingReceiver verify = new VerifyingReceiver(stream);
                receiver.set(verify);
                stream.subscribe(verify);
                stream.request(4);
                return verify.reply;
              }
            });
    long total = 64L << 20;
    int chunk = 1 << 20; // larger than a frame: the transport splits it
    OutboundStream stream = connection.openStream(text("put"));
    for (long offset = 0; offset < total; offset += chunk) {
      Await.get(stream.write(patternChunk(offset, chunk)));
    }
    try (Response.Ok reply = ok(Await.get(stream.end()))) {
      assertEquals(total + "/-1", text(reply.message().header()));
    }
    assertTrue(connection.flow().maxOutstandingBytes() <= WINDOW);
  }

  @Test
  void oddSizedWritesOverSmallFramesArriveInOrder() {
    TransportConfig small = config().withSizes(4096, 16 << 10, 16L << 20);
    Transport server = transport(small, options());
    Transport client = transport(small, options());
    Transport.Listener listener =
        Await.get(
            server.listen(
                new RequestHandler() {
                  @Override
                  public CompletableFuture<Reply> onRequest(Message request) {
                    request.close();
                    return CompletableFuture.completedFuture(Reply.error(500, "unary"));
                  }

                  @Override
                  public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
                    header.close();
                    VerifyingReceiver verify = new VerifyingReceiver(stream);
                    stream.subscribe(verify);
                    stream.request(1);
                    return verify.reply;
                  }
                }));
    Connection connection = Await.get(client.connect(listener.address()));
    OutboundStream stream = connection.openStream(text("put"));
    long offset = 0;
    for (int i = 0; i < 40; i++) {
      int size = 100_003 + i; // not a multiple of a frame's room
      Await.get(stream.write(patternChunk(offset, size)));
      offset += size;
    }
    try (Response.Ok reply = ok(Await.get(stream.end()))) {
      assertEquals(offset + "/-1", text(reply.message().header()));
    }
    assertTrue(connection.flow().maxOutstandingBytes() <= 16 << 10);
  }

  @Test
  void aReceiverThatDoesNotConsumeStopsTheSenderWithinTheWindow() {
    CompletableFuture<InboundStream> opened = new CompletableFuture<>();
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    CompletableFuture<Connection.FlowStats> blocked = new CompletableFuture<>();
    AtomicLong delivered = new AtomicLong();
    Transport server = transport(config(), options());
    Transport client =
        transport(
            config(),
            options()
                .withProbe(
                    new TransportProbe() {
                      @Override
                      public void sendBlocked(Connection.FlowStats flow) {
                        blocked.complete(flow);
                      }
                    }));
    Transport.Listener listener =
        Await.get(
            server.listen(
                new RequestHandler() {
                  @Override
                  public CompletableFuture<Reply> onRequest(Message request) {
                    request.close();
                    return CompletableFuture.completedFuture(Reply.error(500, "unary"));
                  }

                  @Override
                  public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
                    header.close();
                    stream.subscribe(
                        new InboundStream.ChunkListener() {
                          @Override
                          public void onChunk(ByteBuf chunk) {
                            delivered.addAndGet(chunk.readableBytes());
                            chunk.release();
                          }

                          @Override
                          public void onEnd() {
                            reply.complete(
                                Reply.ok(
                                    ByteBufUtil.writeUtf8(
                                        io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
                                        Long.toString(delivered.get())),
                                    null));
                          }

                          @Override
                          public void onError(TransportError error) {
                            reply.complete(Reply.error(500, error.describe()));
                          }
                        });
                    opened.complete(stream); // asks for nothing yet
                    return reply;
                  }
                }));
    Connection connection = Await.get(client.connect(listener.address()));
    int chunk = FRAME - Wire.HEADER_BYTES;
    int chunks = 4 * WINDOW / chunk;
    OutboundStream stream = connection.openStream(text("put"));
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      writes.add(stream.write(patternChunk((long) i * chunk, chunk)));
    }
    InboundStream inbound = Await.get(opened);
    Connection.FlowStats stalled = Await.get(blocked); // the next frame did not fit the window
    assertTrue(stalled.queuedFrames() > 0, () -> "blocked with nothing queued: " + stalled);
    assertTrue(stalled.outstandingBytes() + FRAME > WINDOW, () -> "blocked early: " + stalled);
    assertTrue(stalled.outstandingBytes() <= WINDOW, () -> "stalled at " + stalled);
    assertTrue(stalled.maxOutstandingBytes() <= WINDOW, () -> "peaked at " + stalled);
    assertEquals(0, delivered.get());
    assertFalse(writes.getLast().isDone(), "the last write went out with no credit");
    long sent = writes.stream().filter(CompletableFuture::isDone).count();
    assertTrue(sent * FRAME <= WINDOW, () -> sent + " chunks of " + FRAME + " went out");

    inbound.request(Integer.MAX_VALUE);
    writes.forEach(Await::get);
    try (Response.Ok done = ok(Await.get(stream.end()))) {
      assertEquals(Long.toString((long) chunks * chunk), text(done.message().header()));
    }
    assertTrue(connection.flow().maxOutstandingBytes() <= WINDOW);
  }

  @Test
  void connectionLossMidStreamIsSeenByBothSides() {
    CompletableFuture<VerifyingReceiver> receiving = new CompletableFuture<>();
    Connection connection =
        connect(
            new RequestHandler() {
              @Override
              public CompletableFuture<Reply> onRequest(Message request) {
                request.close();
                return CompletableFuture.completedFuture(Reply.error(500, "unary"));
              }

              @Override
              public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
                header.close();
                VerifyingReceiver verify = new VerifyingReceiver(stream);
                stream.subscribe(verify);
                stream.request(1);
                receiving.complete(verify);
                return verify.reply;
              }
            });
    OutboundStream stream = connection.openStream(text("put"));
    Await.get(stream.write(patternChunk(0, 1000)));
    VerifyingReceiver receiver = Await.get(receiving);
    await(receiver.firstChunk);

    connection.close();

    Response response = Await.get(stream.response());
    assertInstanceOf(TransportError.ConnectionLost.class, response);
    await(receiver.ended);
    assertInstanceOf(TransportError.ConnectionLost.class, receiver.error.get());
    CompletableFuture<Void> late = stream.write(patternChunk(1000, 1000));
    Await.get(late); // dropped and released at once
    assertInstanceOf(
        TransportError.ConnectionLost.class, Await.get(connection.request(text("after"), null)));
  }

  @Test
  void serverGoingAwayEndsTheClientsCalls() {
    CompletableFuture<Message> held = new CompletableFuture<>();
    Transport server = transport(config(), options());
    Transport client = transport(config(), options());
    Transport.Listener listener =
        Await.get(
            server.listen(
                request -> {
                  held.complete(request);
                  return new CompletableFuture<>(); // never answers
                }));
    Connection connection = Await.get(client.connect(listener.address()));
    CompletableFuture<Response> pending = connection.request(text("wait"), text("forever"));
    Await.get(held).close();

    server.close();

    assertInstanceOf(TransportError.ConnectionLost.class, Await.get(pending));
    assertInstanceOf(TransportError.ConnectionLost.class, Await.get(connection.closeFuture()));
  }

  // ------------------------------------------------------------------ errors

  @Test
  void aRequestWithoutAResponseTimesOut() {
    CompletableFuture<Reply> never = new CompletableFuture<>();
    CompletableFuture<Message> held = new CompletableFuture<>();
    Connection connection =
        connect(
            request -> {
              if (held.complete(request)) {
                return never;
              }
              return ECHO.onRequest(request);
            });
    Response response = Await.get(connection.request(text("slow"), null, Duration.ofMillis(50)));
    assertEquals(new TransportError.Timeout(Duration.ofMillis(50)), response);

    // the late reply is discarded (and released) by the transport; the connection still works
    Await.get(held).close();
    never.complete(Reply.ok(text("late"), text("late payload")));
    try (Response.Ok next = ok(Await.get(connection.request(text("next"), null)))) {
      assertEquals("re:next", text(next.message().header()));
    }
  }

  @Test
  void aRemoteErrorComesBackAsAValue() {
    Connection connection =
        connect(
            request -> {
              String what = text(request.header());
              request.close();
              return switch (what) {
                case "missing" ->
                    CompletableFuture.completedFuture(Reply.error(404, "no such thing"));
                case "throw" -> throw new IllegalStateException("handler bug");
                default -> CompletableFuture.failedFuture(new RuntimeException("async bug"));
              };
            });
    assertEquals(
        new TransportError.RemoteError(404, "no such thing"),
        Await.get(connection.request(text("missing"), null)));
    TransportError.RemoteError thrown =
        assertInstanceOf(
            TransportError.RemoteError.class, Await.get(connection.request(text("throw"), null)));
    assertEquals(TransportError.RemoteError.HANDLER_FAILED, thrown.code());
    TransportError.RemoteError failed =
        assertInstanceOf(
            TransportError.RemoteError.class, Await.get(connection.request(text("fail"), null)));
    assertEquals(TransportError.RemoteError.HANDLER_FAILED, failed.code());
  }

  @Test
  void aStreamToAHandlerWithoutStreamsIsRefused() {
    Connection connection = connect(ECHO);
    OutboundStream stream = connection.openStream(text("put"));
    Await.get(stream.write(patternChunk(0, 100)));
    Response response = Await.get(stream.end());
    TransportError.RemoteError error = assertInstanceOf(TransportError.RemoteError.class, response);
    assertEquals(TransportError.RemoteError.NOT_SUPPORTED, error.code());
    try (Response.Ok still = ok(Await.get(connection.request(text("x"), null)))) {
      assertEquals("re:x", text(still.message().header()));
    }
  }

  @Test
  void anOversizedFrameIsRefusedBeforeSending() {
    Connection connection = connect(ECHO);
    ByteBuf big = allocator.allocator().directBuffer(FRAME).writeZero(FRAME);
    Response response = Await.get(connection.request(text("big"), big));
    TransportError.FrameTooLarge error =
        assertInstanceOf(TransportError.FrameTooLarge.class, response);
    assertFalse(error.remote());
    assertEquals(FRAME, error.limitBytes());
    try (Response.Ok still = ok(Await.get(connection.request(text("small"), null)))) {
      assertEquals("re:small", text(still.message().header()));
    }
  }

  @Test
  void anOversizedFrameIsRejectedByTheReceiver() {
    Transport server = transport(config(), options());
    Transport client =
        transport(
            config().withSizes(4 * FRAME, WINDOW, 64L << 20),
            options().withIgnorePeerFrameLimit(true));
    Transport.Listener listener = Await.get(server.listen(ECHO));
    Connection connection = Await.get(client.connect(listener.address()));
    ByteBuf big = allocator.allocator().directBuffer(2 * FRAME).writeZero(2 * FRAME);
    Response response = Await.get(connection.request(text("big"), big));
    TransportError.FrameTooLarge error =
        assertInstanceOf(TransportError.FrameTooLarge.class, response);
    assertTrue(error.remote());
    assertEquals(FRAME, error.limitBytes());
    assertEquals(2L * FRAME + Wire.HEADER_BYTES + 3, error.frameBytes());
    assertInstanceOf(TransportError.ConnectionLost.class, Await.get(connection.closeFuture()));
  }

  @Test
  void aVersionMismatchIsRejectedAtHello() {
    Transport server = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(ECHO));
    Transport future = transport(config(), options().withVersions(7, 9));
    Throwable failure = Await.failure(future.connect(listener.address()));
    TransportException exception = assertInstanceOf(TransportException.class, failure);
    assertEquals(
        new TransportError.VersionMismatch(7, 9, Wire.MIN_VERSION, Wire.MAX_VERSION),
        exception.error());

    // the server is unharmed
    Connection connection = Await.get(transport(config(), options()).connect(listener.address()));
    try (Response.Ok reply = ok(Await.get(connection.request(text("still here"), null)))) {
      assertEquals("re:still here", text(reply.message().header()));
    }
  }

  @Test
  void aCommonVersionIsAgreedAtHello() {
    Transport server = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(ECHO));
    Connection connection =
        Await.get(transport(config(), options().withVersions(1, 5)).connect(listener.address()));
    assertEquals(1, connection.protocolVersion());
  }

  @Test
  void connectingToNothingFailsWithConnectionLost() {
    Transport server = transport(config(), options());
    Transport.Listener listener = Await.get(server.listen(ECHO));
    java.net.InetSocketAddress address = listener.address();
    listener.close();
    Throwable failure = Await.failure(transport(config(), options()).connect(address));
    TransportException exception = assertInstanceOf(TransportException.class, failure);
    assertInstanceOf(TransportError.ConnectionLost.class, exception.error());
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(Await.BOUND_SECONDS, TimeUnit.SECONDS), "latch still closed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
