package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * One TCP connection, client or server side: the frame decoder, the hello exchange, request ids,
 * send credit and its queue, receive accounting and credit return, and inbound streams. All state
 * is confined to the channel's event loop; public methods hop onto it.
 *
 * <p>Buffer ownership: a decoded frame's header and payload are retained slices of the read buffer,
 * owned by {@link #onFrame} until handed to the application (a {@link Message}, a chunk) or
 * released. Buffers given to the public methods are consumed: queued, then written (Netty releases
 * them) or released on failure.
 */
final class TcpConnection extends ByteToMessageDecoder implements Connection {
  private static final System.Logger LOG = System.getLogger(TcpConnection.class.getName());

  private final TcpTransport transport;
  private final TransportConfig config;
  private final TransportOptions options;
  private RequestHandler handler; // server side only: the listener's, then this connection's
  private final CompletableFuture<Connection> connected; // client side only
  private final CompletableFuture<TransportError.ConnectionLost> closeFuture =
      new CompletableFuture<>();
  private final CRC32C crc = new CRC32C();

  private ChannelHandlerContext ctx;
  private boolean helloDone;
  private volatile int version;
  private boolean checksums;
  private long sendLimit;
  private volatile long peerWindow;
  private ScheduledFuture<?> helloTimeout;

  // send side
  private long credit;
  private volatile long outstanding;
  private volatile long maxOutstanding;
  private volatile int queuedFrames;
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final Map<Long, Call> calls = new HashMap<>();
  private long nextId = 1;

  // receive side
  private long held;
  private long creditToReturn;
  private boolean creditFlushScheduled;
  private final Map<Long, InStream> inbound = new HashMap<>();

  private boolean closed;

  private TcpConnection(
      TcpTransport transport, RequestHandler handler, CompletableFuture<Connection> connected) {
    this.transport = transport;
    this.config = transport.config();
    this.options = transport.options();
    this.handler = handler;
    this.connected = connected;
  }

  static TcpConnection server(TcpTransport transport, RequestHandler handler) {
    return new TcpConnection(transport, handler, null);
  }

  static TcpConnection client(TcpTransport transport, CompletableFuture<Connection> connected) {
    return new TcpConnection(transport, null, connected);
  }

  private boolean isClient() {
    return connected != null;
  }

  // ---------------------------------------------------------------- public API (any thread)

  @Override
  public CompletableFuture<Response> request(ByteBuf header, ByteBuf payload, Duration timeout) {
    ByteBuf body = payload == null ? Unpooled.EMPTY_BUFFER : payload;
    Duration after = timeout == null ? config.requestTimeout() : timeout;
    CompletableFuture<Response> result = new CompletableFuture<>();
    onLoop(
        () -> {
          if (closed) {
            release(header, body);
            result.complete(lostReason());
            return;
          }
          long size = (long) Wire.HEADER_BYTES + header.readableBytes() + body.readableBytes();
          if (size > sendLimit && !options.ignorePeerFrameLimit()) {
            release(header, body);
            result.complete(new TransportError.FrameTooLarge(size, sendLimit, false));
            return;
          }
          long id = nextId++;
          Call call = new Call(result, null);
          call.timeout =
              ctx.executor()
                  .schedule(
                      () -> {
                        if (calls.remove(id) != null) {
                          result.complete(new TransportError.Timeout(after));
                        }
                      },
                      after.toNanos(),
                      TimeUnit.NANOSECONDS);
          calls.put(id, call);
          enqueue(new Outgoing(Wire.TYPE_REQUEST, Wire.FLAG_END, id, header, body, null));
        });
    return result;
  }

  @Override
  public OutboundStream openStream(ByteBuf header) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    OutStream stream = new OutStream(result);
    onLoop(
        () -> {
          if (closed) {
            header.release();
            result.complete(lostReason());
            return;
          }
          long size = (long) Wire.HEADER_BYTES + header.readableBytes();
          if (size > sendLimit && !options.ignorePeerFrameLimit()) {
            header.release();
            result.complete(new TransportError.FrameTooLarge(size, sendLimit, false));
            return;
          }
          stream.id = nextId++;
          calls.put(stream.id, new Call(result, stream));
          enqueue(
              new Outgoing(
                  Wire.TYPE_REQUEST,
                  Wire.FLAG_STREAM,
                  stream.id,
                  header,
                  Unpooled.EMPTY_BUFFER,
                  null));
        });
    return stream;
  }

  @Override
  public FlowStats flow() {
    return new FlowStats(peerWindow, outstanding, maxOutstanding, queuedFrames);
  }

  @Override
  public SocketAddress remoteAddress() {
    return ctx.channel().remoteAddress();
  }

  @Override
  public int protocolVersion() {
    return version;
  }

  @Override
  public CompletableFuture<TransportError.ConnectionLost> closeFuture() {
    return closeFuture;
  }

  @Override
  public void close() {
    onLoop(() -> fail("closed by this side", true));
  }

  private void onLoop(Runnable task) {
    if (ctx.executor().inEventLoop()) {
      task.run();
      return;
    }
    try {
      ctx.executor().execute(task);
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // The transport has stopped its I/O threads, and this connection was closed before they
      // stopped: the task only releases what it was given and completes its future.
      task.run();
    }
  }

  // ---------------------------------------------------------------- channel events

  @Override
  public void handlerAdded(ChannelHandlerContext context) {
    this.ctx = context;
    if (!isClient()) {
      try {
        handler = java.util.Objects.requireNonNull(handler.forConnection(this), "no handler");
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "transport: refused a connection: handler " + e);
        context.close();
      }
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext context) throws Exception {
    helloTimeout =
        context
            .executor()
            .schedule(
                () -> {
                  if (!helloDone && !closed) {
                    fail(
                        "no hello within " + config.connectTimeout().toMillis() + " ms",
                        true,
                        new TransportError.Timeout(config.connectTimeout()));
                  }
                },
                config.connectTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    if (isClient()) {
      Wire.Hello hello =
          new Wire.Hello(
              options.minVersion(),
              options.maxVersion(),
              0,
              offeredFeatures(),
              config.maxFrameBytes(),
              config.windowBytes());
      writeControl(Wire.TYPE_HELLO, options.maxVersion(), 0, hello.encode(context.alloc()));
      context.flush();
    }
    super.channelActive(context);
  }

  @Override
  public void channelInactive(ChannelHandlerContext context) throws Exception {
    try {
      super.channelInactive(context);
    } finally {
      fail("closed by the peer", false);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
    fail(String.valueOf(cause.getMessage() == null ? cause : cause.getMessage()), true);
  }

  @Override
  protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
    while (!closed && in.readableBytes() >= Wire.HEADER_BYTES) {
      int i = in.readerIndex();
      if (in.getInt(i) != Wire.MAGIC) {
        violation("bad magic 0x" + Integer.toHexString(in.getInt(i)));
        break;
      }
      int frameVersion = in.getUnsignedByte(i + 4);
      int type = in.getUnsignedByte(i + 5);
      int flags = in.getUnsignedShort(i + 6);
      long id = in.getLong(i + 8);
      long headerLength = in.getUnsignedInt(i + 16);
      long payloadLength = in.getUnsignedInt(i + 20);
      int checksum = in.getInt(i + 24);
      long total = Wire.HEADER_BYTES + headerLength + payloadLength;
      if (total > config.maxFrameBytes()) {
        rejectOversized(id, total);
        break;
      }
      if (in.readableBytes() < total) {
        break;
      }
      ByteBuf header = slice(in, i + Wire.HEADER_BYTES, (int) headerLength);
      ByteBuf payload = slice(in, i + Wire.HEADER_BYTES + (int) headerLength, (int) payloadLength);
      in.skipBytes((int) total);
      onFrame(frameVersion, type, flags, id, header, payload, (int) total, checksum);
    }
    if (closed) {
      in.skipBytes(in.readableBytes());
    }
  }

  private static ByteBuf slice(ByteBuf in, int index, int length) {
    return length == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(index, length);
  }

  // ---------------------------------------------------------------- receive path

  /** Consumes {@code header} and {@code payload}. */
  private void onFrame(
      int frameVersion,
      int type,
      int flags,
      long id,
      ByteBuf header,
      ByteBuf payload,
      int frameBytes,
      int checksum) {
    if ((flags & Wire.FLAG_CRC) != 0 && Wire.crc32c(crc, header, payload) != checksum) {
      release(header, payload);
      violation("CRC32C mismatch in a frame of type " + type);
      return;
    }
    if (!helloDone) {
      onHelloPhase(type, header, payload);
      return;
    }
    if (frameVersion != version) {
      release(header, payload);
      violation("frame version " + frameVersion + " after agreeing " + version);
      return;
    }
    if (Wire.flowControlled(type)) {
      held += frameBytes;
      if (held > config.windowBytes()) {
        release(header, payload);
        violation("the peer sent beyond its credit");
        return;
      }
    }
    switch (type) {
      case Wire.TYPE_REQUEST -> {
        if (isClient()) {
          release(header, payload);
          violation("a request sent to the client side");
        } else {
          onRequest(flags, id, header, payload, frameBytes);
        }
      }
      case Wire.TYPE_RESPONSE -> {
        onResponse(id, header, payload, frameBytes);
      }
      case Wire.TYPE_DATA -> {
        header.release();
        onData(flags, id, payload, frameBytes);
      }
      case Wire.TYPE_CREDIT -> {
        long granted = header.readableBytes() >= 8 ? header.getLong(header.readerIndex()) : -1;
        release(header, payload);
        onCredit(granted);
      }
      case Wire.TYPE_ERROR -> {
        Wire.ErrorBody body = Wire.ErrorBody.decode(header);
        release(header, payload);
        onError(id, body);
      }
      default -> {
        release(header, payload);
        violation("unexpected frame type " + type);
      }
    }
  }

  private void onHelloPhase(int type, ByteBuf header, ByteBuf payload) {
    Wire.Hello hello = type == Wire.TYPE_HELLO ? Wire.Hello.decode(header) : null;
    Wire.ErrorBody error = type == Wire.TYPE_ERROR ? Wire.ErrorBody.decode(header) : null;
    release(header, payload);
    if (error != null && isClient()) {
      onError(0, error);
      return;
    }
    if (hello == null) {
      violation("expected a hello, got frame type " + type);
      return;
    }
    if (isClient()) {
      int chosen = hello.chosenVersion();
      if (chosen < options.minVersion() || chosen > options.maxVersion()) {
        violation("the server chose version " + chosen);
        return;
      }
      agree(chosen, hello);
      connected.complete(this);
      return;
    }
    int low = Math.max(hello.minVersion(), options.minVersion());
    int high = Math.min(hello.maxVersion(), options.maxVersion());
    if (low > high) {
      TransportError.VersionMismatch mismatch =
          new TransportError.VersionMismatch(
              options.minVersion(), options.maxVersion(), hello.minVersion(), hello.maxVersion());
      LOG.log(
          System.Logger.Level.INFO,
          "transport rejected {0}: {1}",
          ctx.channel().remoteAddress(),
          mismatch.describe());
      sendError(
          0,
          new Wire.ErrorBody(
              Wire.ERR_VERSION_MISMATCH,
              0,
              options.minVersion(),
              options.maxVersion(),
              mismatch.describe()));
      fail(mismatch.describe(), false);
      closeAfterFlush();
      return;
    }
    agree(high, hello);
    Wire.Hello answer =
        new Wire.Hello(
            options.minVersion(),
            options.maxVersion(),
            high,
            checksums ? Wire.FEATURE_CRC32C : 0,
            config.maxFrameBytes(),
            config.windowBytes());
    writeControl(Wire.TYPE_HELLO, options.maxVersion(), 0, answer.encode(ctx.alloc()));
    ctx.flush();
  }

  private void agree(int chosen, Wire.Hello peer) {
    helloDone = true;
    if (helloTimeout != null) {
      helloTimeout.cancel(false);
    }
    version = chosen;
    checksums = (peer.features() & offeredFeatures() & Wire.FEATURE_CRC32C) != 0;
    peerWindow = peer.windowBytes();
    credit = peerWindow;
    sendLimit = Math.min(config.maxFrameBytes(), Math.min(peer.maxFrameBytes(), peerWindow));
  }

  private long offeredFeatures() {
    return config.checksums() ? Wire.FEATURE_CRC32C : 0;
  }

  private void onRequest(int flags, long id, ByteBuf header, ByteBuf payload, int frameBytes) {
    CompletableFuture<Reply> reply;
    if ((flags & Wire.FLAG_STREAM) != 0) {
      payload.release();
      InStream stream = new InStream(id);
      inbound.put(id, stream);
      consume(frameBytes);
      reply = invoke(() -> handler.onStream(new Message(header, Unpooled.EMPTY_BUFFER), stream));
      reply.whenComplete((r, e) -> onLoop(() -> sendReply(id, r, e, 0, stream)));
    } else {
      reply = invoke(() -> handler.onRequest(new Message(header, payload)));
      reply.whenComplete((r, e) -> onLoop(() -> sendReply(id, r, e, frameBytes, null)));
    }
  }

  private static CompletableFuture<Reply> invoke(
      java.util.function.Supplier<CompletableFuture<Reply>> call) {
    try {
      CompletableFuture<Reply> reply = call.get();
      return reply == null
          ? CompletableFuture.failedFuture(new NullPointerException("handler returned null"))
          : reply;
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void sendReply(long id, Reply reply, Throwable failure, int creditBytes, InStream in) {
    consume(creditBytes);
    if (in != null) {
      in.discard();
    }
    if (closed) {
      if (reply instanceof Reply.Ok ok) {
        release(ok.header(), ok.payload() == null ? Unpooled.EMPTY_BUFFER : ok.payload());
      }
      return;
    }
    if (failure != null || reply == null) {
      String why = failure == null ? "handler completed with no reply" : String.valueOf(failure);
      LOG.log(
          System.Logger.Level.WARNING,
          "transport request {0}: handler failed: {1}",
          Long.toString(id),
          why);
      sendError(
          id,
          new Wire.ErrorBody(
              Wire.ERR_REMOTE, TransportError.RemoteError.HANDLER_FAILED, 0, 0, why));
      ctx.flush();
      return;
    }
    switch (reply) {
      case Reply.Ok ok -> {
        ByteBuf body = ok.payload() == null ? Unpooled.EMPTY_BUFFER : ok.payload();
        long size = (long) Wire.HEADER_BYTES + ok.header().readableBytes() + body.readableBytes();
        if (size > sendLimit) {
          release(ok.header(), body);
          sendError(
              id,
              new Wire.ErrorBody(
                  Wire.ERR_REMOTE,
                  TransportError.RemoteError.REPLY_TOO_LARGE,
                  size,
                  sendLimit,
                  "reply of " + size + " bytes exceeds the frame limit of " + sendLimit));
          ctx.flush();
        } else {
          enqueue(new Outgoing(Wire.TYPE_RESPONSE, Wire.FLAG_END, id, ok.header(), body, null));
        }
      }
      case Reply.Error error -> {
        sendError(id, new Wire.ErrorBody(Wire.ERR_REMOTE, error.code(), 0, 0, error.message()));
        ctx.flush();
      }
    }
  }

  private void onResponse(long id, ByteBuf header, ByteBuf payload, int frameBytes) {
    consume(frameBytes);
    Call call = isClient() ? calls.remove(id) : null;
    if (call == null) {
      release(header, payload); // timed out already, or not ours
      return;
    }
    call.finish(new Response.Ok(new Message(header, payload)));
  }

  private void onData(int flags, long id, ByteBuf payload, int frameBytes) {
    InStream stream = isClient() ? null : inbound.get(id);
    if (stream == null) {
      payload.release();
      consume(frameBytes);
      return;
    }
    stream.onData(payload, frameBytes, (flags & Wire.FLAG_END) != 0);
  }

  private void onCredit(long granted) {
    if (granted < 0 || granted > peerWindow - credit) {
      violation("a credit of " + granted + " bytes exceeds what was sent");
      return;
    }
    credit += granted;
    outstanding = peerWindow - credit;
    pump();
  }

  private void onError(long id, Wire.ErrorBody body) {
    if (body == null) {
      violation("a short error frame");
      return;
    }
    TransportError error =
        switch (body.kind()) {
          case Wire.ERR_FRAME_TOO_LARGE ->
              new TransportError.FrameTooLarge(body.arg0(), body.arg1(), true);
          case Wire.ERR_VERSION_MISMATCH ->
              new TransportError.VersionMismatch(
                  options.minVersion(), options.maxVersion(), (int) body.arg0(), (int) body.arg1());
          case Wire.ERR_REMOTE -> new TransportError.RemoteError(body.code(), body.message());
          default -> new TransportError.ConnectionLost("peer reported: " + body.message());
        };
    if (id == 0) {
      fail("peer reported: " + error.describe(), true, error);
      return;
    }
    Call call = calls.remove(id);
    if (call != null) {
      call.finish(error);
    }
  }

  // ---------------------------------------------------------------- receive credit

  /** The application has consumed {@code bytes} of received frames: return them as credit. */
  private void consume(long bytes) {
    if (bytes == 0) {
      return;
    }
    held -= bytes;
    creditToReturn += bytes;
    if (!creditFlushScheduled && !closed) {
      creditFlushScheduled = true;
      ctx.executor().execute(this::flushCredit);
    }
  }

  private void flushCredit() {
    creditFlushScheduled = false;
    if (closed || creditToReturn == 0) {
      return;
    }
    ByteBuf body = ctx.alloc().ioBuffer(8).writeLong(creditToReturn);
    creditToReturn = 0;
    writeControl(Wire.TYPE_CREDIT, version, 0, body);
    ctx.flush();
  }

  // ---------------------------------------------------------------- send path

  private void enqueue(Outgoing frame) {
    queue.add(frame);
    pump();
  }

  /** Writes queued frames while credit lasts, then completes their write futures. */
  private void pump() {
    List<CompletableFuture<Void>> written = null;
    boolean wrote = false;
    while (!closed && !queue.isEmpty()) {
      Outgoing next = queue.peek();
      long size = next.size();
      if (size > credit) {
        queuedFrames = queue.size();
        if (options.probe() != TransportProbe.NONE) {
          options.probe().sendBlocked(flow());
        }
        break;
      }
      queue.poll();
      credit -= size;
      long now = peerWindow - credit;
      outstanding = now;
      if (now > maxOutstanding) {
        maxOutstanding = now;
      }
      writeFrame(next.type(), next.flags(), next.id(), next.header(), next.payload());
      wrote = true;
      if (next.written() != null) {
        if (written == null) {
          written = new ArrayList<>();
        }
        written.add(next.written());
      }
    }
    queuedFrames = queue.size();
    if (wrote) {
      ctx.flush();
    }
    if (written != null) {
      written.forEach(f -> f.complete(null));
    }
  }

  /** Writes one frame; consumes {@code header} and {@code payload}. */
  private void writeFrame(int type, int flags, long id, ByteBuf header, ByteBuf payload) {
    ctx.write(
        Wire.prefix(ctx.alloc(), version, type, flags, id, header, payload, checksums ? crc : null),
        ctx.voidPromise());
    writeSection(header);
    writeSection(payload);
  }

  private void writeSection(ByteBuf section) {
    if (section.readableBytes() == 0) {
      section.release();
    } else {
      ctx.write(section, ctx.voidPromise());
    }
  }

  /** Writes a control frame (not flow controlled); consumes {@code header}. */
  private void writeControl(int type, int frameVersion, long id, ByteBuf header) {
    ctx.write(
        Wire.prefix(ctx.alloc(), frameVersion, type, 0, id, header, Unpooled.EMPTY_BUFFER, null),
        ctx.voidPromise());
    writeSection(header);
  }

  private void sendError(long id, Wire.ErrorBody body) {
    writeControl(
        Wire.TYPE_ERROR, helloDone ? version : options.maxVersion(), id, body.encode(ctx.alloc()));
  }

  private void rejectOversized(long id, long total) {
    TransportError.FrameTooLarge error =
        new TransportError.FrameTooLarge(total, config.maxFrameBytes(), true);
    LOG.log(
        System.Logger.Level.WARNING,
        "transport {0}: request {1}: frame of {2} bytes exceeds this side''s limit of {3}; closing",
        ctx.channel().remoteAddress(),
        Long.toString(id),
        Long.toString(total),
        Integer.toString(config.maxFrameBytes()));
    sendError(
        id,
        new Wire.ErrorBody(
            Wire.ERR_FRAME_TOO_LARGE, 0, total, config.maxFrameBytes(), error.describe()));
    fail("frame too large: " + error.describe(), false);
    closeAfterFlush();
  }

  /** The peer broke the protocol: log it once and close. */
  private void violation(String what) {
    LOG.log(
        System.Logger.Level.WARNING,
        "transport {0}: protocol violation, closing: {1}",
        ctx.channel().remoteAddress(),
        what);
    fail("protocol violation: " + what, true);
  }

  private void closeAfterFlush() {
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  // ---------------------------------------------------------------- ending

  private TransportError.ConnectionLost lostReason() {
    TransportError.ConnectionLost lost = closeFuture.getNow(null);
    return lost == null ? new TransportError.ConnectionLost("closed") : lost;
  }

  /**
   * Ends the connection once: every pending call, stream and queued frame ends with {@link
   * TransportError.ConnectionLost}, queued buffers are released, the window returns to the pool.
   */
  private void fail(String reason, boolean closeChannel) {
    fail(reason, closeChannel, null);
  }

  /** As {@link #fail(String, boolean)}; a connect still pending fails with {@code connectError}. */
  private void fail(String reason, boolean closeChannel, TransportError connectError) {
    if (closed) {
      return;
    }
    closed = true;
    TransportError.ConnectionLost lost = new TransportError.ConnectionLost(reason);
    if (helloTimeout != null) {
      helloTimeout.cancel(false);
    }
    transport.connectionClosed(this); // first: whoever sees the outcome sees the window returned
    options.probe().connectionClosed(lost);
    closeFuture.complete(lost);
    if (isClient() && !connected.isDone()) {
      connected.completeExceptionally(
          new TransportException(connectError == null ? lost : connectError));
    }
    List<CompletableFuture<Void>> written = new ArrayList<>();
    for (Outgoing frame; (frame = queue.poll()) != null; ) {
      release(frame.header(), frame.payload());
      if (frame.written() != null) {
        written.add(frame.written());
      }
    }
    queuedFrames = 0;
    List<Call> pending = new ArrayList<>(calls.values());
    calls.clear();
    List<InStream> streams = new ArrayList<>(inbound.values());
    inbound.clear();
    if (closeChannel) {
      ctx.close();
    }
    written.forEach(f -> f.complete(null));
    pending.forEach(call -> call.finish(lost));
    streams.forEach(stream -> stream.fail(lost));
  }

  private static void release(ByteBuf header, ByteBuf payload) {
    try {
      header.release();
    } finally {
      payload.release();
    }
  }

  // ---------------------------------------------------------------- parts

  /** A frame waiting for credit; owns its buffers. */
  private record Outgoing(
      int type,
      int flags,
      long id,
      ByteBuf header,
      ByteBuf payload,
      CompletableFuture<Void> written) {
    long size() {
      return (long) Wire.HEADER_BYTES + header.readableBytes() + payload.readableBytes();
    }
  }

  /** A request waiting for its response (client side). */
  private static final class Call {
    final CompletableFuture<Response> future;
    final OutStream stream;
    ScheduledFuture<?> timeout;

    Call(CompletableFuture<Response> future, OutStream stream) {
      this.future = future;
      this.stream = stream;
    }

    void finish(Response response) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      if (!future.complete(response) && response instanceof Response.Ok ok) {
        ok.close();
      }
    }
  }

  /** The sending end of a streamed request. */
  private final class OutStream implements OutboundStream {
    private final CompletableFuture<Response> response;
    private volatile boolean ended;
    private long id; // set on the event loop before any chunk is queued

    OutStream(CompletableFuture<Response> response) {
      this.response = response;
    }

    @Override
    public CompletableFuture<Void> write(ByteBuf chunk) {
      if (ended) {
        chunk.release();
        throw new IllegalStateException("stream already ended");
      }
      CompletableFuture<Void> written = new CompletableFuture<>();
      onLoop(
          () -> {
            if (closed || response.isDone()) {
              chunk.release();
              written.complete(null);
              return;
            }
            long room = sendLimit - Wire.HEADER_BYTES;
            while (chunk.readableBytes() > room) {
              queue.add(
                  new Outgoing(
                      Wire.TYPE_DATA,
                      0,
                      id,
                      Unpooled.EMPTY_BUFFER,
                      chunk.readRetainedSlice((int) room),
                      null));
            }
            enqueue(new Outgoing(Wire.TYPE_DATA, 0, id, Unpooled.EMPTY_BUFFER, chunk, written));
          });
      return written;
    }

    @Override
    public CompletableFuture<Response> end() {
      if (!ended) {
        ended = true;
        onLoop(
            () -> {
              if (!closed && !response.isDone()) {
                enqueue(
                    new Outgoing(
                        Wire.TYPE_DATA,
                        Wire.FLAG_END,
                        id,
                        Unpooled.EMPTY_BUFFER,
                        Unpooled.EMPTY_BUFFER,
                        null));
              }
            });
      }
      return response;
    }

    @Override
    public CompletableFuture<Response> response() {
      return response;
    }
  }

  /** A received chunk waiting for demand, with the frame bytes to credit on delivery. */
  private record Chunk(ByteBuf data, int frameBytes) {}

  /** The receiving end of a streamed request (server side). */
  private final class InStream implements InboundStream {
    private final long id;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    private final java.util.concurrent.atomic.AtomicBoolean subscribed =
        new java.util.concurrent.atomic.AtomicBoolean();
    private InboundStream.ChunkListener listener;
    private boolean draining;
    private long demand;
    private boolean ended;
    private boolean done;
    private boolean discarding;
    private TransportError failure;

    InStream(long id) {
      this.id = id;
    }

    @Override
    public void subscribe(InboundStream.ChunkListener newListener) {
      java.util.Objects.requireNonNull(newListener, "listener");
      if (!subscribed.compareAndSet(false, true)) {
        throw new IllegalStateException("stream " + id + " already has a listener");
      }
      onLoop(
          () -> {
            listener = newListener;
            if (failure != null) {
              newListener.onError(failure);
            } else {
              drain();
            }
          });
    }

    @Override
    public void request(int more) {
      if (more <= 0) {
        throw new IllegalArgumentException("request a positive number of chunks, got " + more);
      }
      onLoop(
          () -> {
            demand += more;
            drain();
          });
    }

    void onData(ByteBuf payload, int frameBytes, boolean end) {
      if (end) {
        ended = true;
      }
      if (discarding || done) {
        payload.release();
        consume(frameBytes);
      } else if (end && payload.readableBytes() == 0) {
        payload.release();
        consume(frameBytes);
      } else {
        chunks.add(new Chunk(payload, frameBytes));
      }
      if (ended && discarding) {
        inbound.remove(id);
      }
      drain();
    }

    private void drain() {
      if (draining) {
        return; // a listener asked for more from inside onChunk: the loop below goes on
      }
      draining = true;
      try {
        drainOnce();
      } finally {
        draining = false;
      }
    }

    private void drainOnce() {
      while (!done && listener != null && demand > 0 && !chunks.isEmpty()) {
        Chunk next = chunks.poll();
        demand--;
        consume(next.frameBytes());
        try {
          listener.onChunk(next.data());
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "transport stream " + id + ": listener threw", e);
        }
      }
      if (!done && ended && chunks.isEmpty() && listener != null && !discarding) {
        done = true;
        inbound.remove(id);
        listener.onEnd();
      }
    }

    /** The handler replied: drop what is left and what still comes. */
    void discard() {
      discarding = true;
      for (Chunk next; (next = chunks.poll()) != null; ) {
        next.data().release();
        consume(next.frameBytes());
      }
      if (ended || done) {
        inbound.remove(id);
      }
    }

    void fail(TransportError error) {
      for (Chunk next; (next = chunks.poll()) != null; ) {
        next.data().release();
      }
      if (done || discarding) {
        return;
      }
      done = true;
      failure = error;
      if (listener != null) {
        listener.onError(error);
      }
    }
  }
}
