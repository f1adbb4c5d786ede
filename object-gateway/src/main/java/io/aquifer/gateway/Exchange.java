package io.aquifer.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * One HTTP request and its response, seen from the thread that handles it. The event loop feeds
 * body pieces in ({@link #offer}); the handler thread takes them with {@link #nextBodyChunk()},
 * which asks the socket for more only when few bytes are queued, so a slow consumer slows the
 * client instead of filling memory. Responses go out through {@link #send} or the streaming trio
 * {@link #sendHead}, {@link #sendContent}, {@link #sendEnd}, which wait while the channel is not
 * writable.
 */
final class Exchange {
  /** Queued body bytes above which no more reads are requested. */
  private static final int HIGH_WATER = 1 << 20;

  static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  final Channel channel;
  final HttpRequest request;
  final String requestId;
  final long startNanos = System.nanoTime();
  private final long idleNanos;
  private final GatewayMetrics metrics;

  /** The operation the request names; set by the handler once the request is parsed. */
  volatile S3Op op = S3Op.UNKNOWN;

  /** Set by the handler once the request has been authenticated. */
  volatile boolean authenticated;

  /** The authenticated user, for the access log; null before authentication. */
  volatile String user;

  private volatile int status;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private int queuedBytes;
  private boolean bodyEnded;
  private boolean inputClosed;
  // the event loop stopped reading for this exchange because HIGH_WATER bytes were queued; the
  // handler asks for the next read once it has taken the queue under half of that
  private boolean readStopped;
  private boolean continueSent;
  private boolean bodyTaken;

  private boolean responseStarted;
  private boolean responseEnded;

  /**
   * A whole response made by {@link #send} and not yet written: the event loop writes it in the
   * same task that ends the exchange ({@link #takePending}), so a small response costs one hand-off
   * to the event loop instead of two.
   */
  private FullHttpResponse pending;

  private boolean closeAfter;
  private long bodyBytes;

  Exchange(
      Channel channel,
      HttpRequest request,
      String requestId,
      long idleNanos,
      GatewayMetrics metrics) {
    this.channel = channel;
    this.request = request;
    this.requestId = requestId;
    this.idleNanos = idleNanos;
    this.metrics = metrics;
    if (!HttpUtil.isKeepAlive(request)) {
      closeAfter = true;
    }
  }

  HttpMethod method() {
    return request.method();
  }

  HttpHeaders headers() {
    return request.headers();
  }

  // ---- body, event-loop side

  /** Adds a body piece (consumed: the exchange releases it). Called on the event loop. */
  void offer(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    ByteBuf b = content.content();
    lock.lock();
    try {
      if (inputClosed) {
        content.release();
        return;
      }
      if (b.isReadable()) {
        queue.add(b);
        queuedBytes += b.readableBytes();
      } else {
        content.release();
      }
      if (last) {
        bodyEnded = true;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The connection closed or failed: wakes the handler thread. Called on the event loop. */
  void inputClosed() {
    lock.lock();
    try {
      inputClosed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether the event loop should read more for this exchange. Called on the event loop after each
   * read; when it answers no because the queue is full, the handler asks for the next read itself.
   */
  boolean wantsMore() {
    lock.lock();
    try {
      boolean more = !bodyEnded && !inputClosed && queuedBytes < HIGH_WATER;
      if (!more && !bodyEnded && !inputClosed) {
        readStopped = true;
      }
      return more;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the whole request body has arrived (so the connection can carry another request). */
  boolean bodyComplete() {
    lock.lock();
    try {
      return bodyEnded;
    } finally {
      lock.unlock();
    }
  }

  // ---- body, handler side

  /** Sends {@code 100 Continue} if the client asked for it and nothing was sent yet. */
  void continueIfExpected() {
    if (!continueSent && HttpUtil.is100ContinueExpected(request) && !responseStarted) {
      continueSent = true;
      channel.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
  }

  /**
   * The next raw body piece, owned by the caller (release it), or null at the end of the body.
   *
   * @throws S3Exception INCOMPLETE_BODY when the connection closed early, REQUEST_TIMEOUT when the
   *     client stalled for the idle timeout
   */
  ByteBuf nextBodyChunk() {
    continueIfExpected();
    bodyTaken = true;
    lock.lock();
    try {
      long deadline = System.nanoTime() + idleNanos;
      while (queue.isEmpty()) {
        if (bodyEnded) {
          return null;
        }
        if (inputClosed) {
          throw new S3Exception(
              S3Error.INCOMPLETE_BODY,
              "the connection closed after " + bodyBytes + " bytes of the request body");
        }
        readStopped = false;
        channel.read();
        metrics.bodyWaits.increment();
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          closeAfter = true;
          throw new S3Exception(S3Error.REQUEST_TIMEOUT);
        }
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new S3Exception(S3Error.INTERNAL_ERROR, "interrupted");
        }
      }
      ByteBuf b = queue.poll();
      queuedBytes -= b.readableBytes();
      bodyBytes += b.readableBytes();
      metrics.receivedBytes.increment(b.readableBytes());
      // while the event loop reads on by itself (after every read that leaves the queue under
      // HIGH_WATER), asking from this thread would only queue a task on it per piece
      if (readStopped && !bodyEnded && queuedBytes < HIGH_WATER / 2) {
        readStopped = false;
        channel.read();
      }
      return b;
    } finally {
      lock.unlock();
    }
  }

  /** Reads the whole body into one buffer, failing with {@code tooLarge} past {@code limit}. */
  ByteBuf readSmallBody(int limit, S3Error tooLarge) {
    ByteBuf all = channel.alloc().heapBuffer();
    try {
      for (ByteBuf b = nextBodyChunk(); b != null; b = nextBodyChunk()) {
        try {
          if (all.readableBytes() + b.readableBytes() > limit) {
            throw new S3Exception(tooLarge, "the request body is larger than " + limit + " bytes");
          }
          all.writeBytes(b);
        } finally {
          b.release();
        }
      }
      return all;
    } catch (RuntimeException e) {
      all.release();
      throw e;
    }
  }

  /**
   * Prepares the connection for the response when the body was not (fully) read: a client that sent
   * {@code Expect: 100-continue} without getting it sends no body, and any other unread body is
   * either drained (when small) or the connection is closed after the response.
   */
  void settleUnreadBody() {
    if (bodyComplete() || closeAfter) {
      return; // nothing left to read, or the connection closes after the response anyway
    }
    if (HttpUtil.is100ContinueExpected(request) && !continueSent) {
      closeAfter = true;
      return;
    }
    long declared = HttpUtil.getContentLength(request, -1L);
    if (declared < 0 && !HttpUtil.isTransferEncodingChunked(request)) {
      // no body at all: its end is already decoded, and the handler may just have run ahead of it
      declared = 0;
    }
    if (declared >= 0 && declared - bodyBytes <= (4 << 20)) {
      try {
        for (ByteBuf b = nextBodyChunk(); b != null; b = nextBodyChunk()) {
          b.release();
        }
        return;
      } catch (S3Exception e) {
        // fall through and close
      }
    }
    closeAfter = true;
  }

  /** Releases queued pieces. Called once the exchange is over. */
  void releaseBody() {
    lock.lock();
    try {
      inputClosed = true;
      for (ByteBuf b; (b = queue.poll()) != null; ) {
        b.release();
      }
      queuedBytes = 0;
    } finally {
      lock.unlock();
    }
  }

  boolean bodyTaken() {
    return bodyTaken;
  }

  // ---- response

  boolean responseStarted() {
    return responseStarted;
  }

  boolean responseEnded() {
    return responseEnded;
  }

  boolean closeAfter() {
    return closeAfter;
  }

  /** The response's HTTP status, or the status an undelivered error would have had; 0 if none. */
  int status() {
    return status;
  }

  /** Notes the status of an error response that may not be deliverable. */
  void noteStatus(int s) {
    status = s;
  }

  void closeAfterResponse() {
    closeAfter = true;
  }

  private static final AsciiString REQUEST_ID = AsciiString.cached("x-amz-request-id");
  private static final AsciiString ID_2 = AsciiString.cached("x-amz-id-2");
  private static final AsciiString SERVER = AsciiString.cached("Aquifer");

  /**
   * The headers every response carries. Names and values as {@link AsciiString}s: their hashes are
   * kept and the encoder copies their bytes instead of converting each char.
   */
  private void common(HttpHeaders h) {
    AsciiString id = new AsciiString(requestId);
    h.set(REQUEST_ID, id);
    h.set(ID_2, id);
    h.set(HttpHeaderNames.SERVER, SERVER);
    h.set(HttpHeaderNames.DATE, HttpDates.nowAscii());
    if (closeAfter) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  /**
   * Sends a whole response. {@code body} is consumed. For HEAD requests the body is dropped but
   * {@code Content-Length} keeps the value the caller set, or the body's length. The response is
   * written when the handler returns, by the event loop as it ends the exchange; the handler must
   * not write anything after it. {@code headers} become the response's own; the caller must not
   * change them afterwards.
   */
  void send(HttpResponseStatus status, HttpHeaders headers, ByteBuf body) {
    if (responseStarted) {
      body.release();
      throw new IllegalStateException("response already started");
    }
    responseStarted = true;
    responseEnded = true;
    this.status = status.code();
    boolean head = request.method().equals(HttpMethod.HEAD);
    // the caller's headers become the response's (no copy); the caller does not touch them again
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            head ? Unpooled.EMPTY_BUFFER : body,
            headers != null ? headers : new DefaultHttpHeaders(),
            EmptyHttpHeaders.INSTANCE);
    if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    }
    if (head) {
      body.release();
    } else {
      metrics.sentBytes.increment(body.readableBytes());
    }
    common(r.headers());
    try {
      awaitWritable();
    } catch (RuntimeException e) {
      r.release();
      throw e;
    }
    pending = r;
  }

  /**
   * The response {@link #send} left to be written, or null; the caller writes it (it is consumed).
   * Called once, on the event loop, after the handler thread has returned.
   */
  FullHttpResponse takePending() {
    FullHttpResponse r = pending;
    pending = null;
    return r;
  }

  /** Starts a streamed response whose headers must carry {@code Content-Length}. */
  void sendHead(HttpResponseStatus status, HttpHeaders headers) {
    if (responseStarted) {
      throw new IllegalStateException("response already started");
    }
    responseStarted = true;
    this.status = status.code();
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    r.headers().set(headers);
    common(r.headers());
    channel.writeAndFlush(r);
  }

  /** Sends body bytes of a streamed response (consumed), waiting while the channel is full. */
  void sendContent(ByteBuf b) {
    try {
      awaitWritable();
    } catch (RuntimeException e) {
      b.release();
      throw e;
    }
    metrics.sentBytes.increment(b.readableBytes());
    channel.writeAndFlush(new DefaultHttpContent(b));
  }

  /**
   * Bytes of file regions a response keeps queued ahead of the socket. A region costs no memory
   * (its bytes stay in the page cache), so regions are paced by this count, not by the channel's
   * write water marks: with one 1 MiB region at a time, the handler prepared (opened, verified) the
   * next block only once the previous one had left, and the socket idled meanwhile.
   */
  static final int REGIONS_AHEAD = 4 << 20;

  // bytes of this response's regions written and not yet sent; the handler waits on it
  private final AtomicLong regionBytes = new AtomicLong();

  /**
   * Sends body bytes of a streamed response straight from a file (sendfile; the region and its
   * channel are consumed), waiting while {@link #REGIONS_AHEAD} bytes of regions are queued.
   */
  void sendRegion(io.netty.channel.FileRegion region) {
    long n = region.count();
    try {
      if (!channel.isActive()) {
        throw new S3Exception(S3Error.INCOMPLETE_BODY, "the client closed the connection");
      }
      await(
          () -> {
            long queued = regionBytes.get();
            return queued == 0 || queued + n <= REGIONS_AHEAD;
          });
    } catch (RuntimeException e) {
      region.release();
      throw e;
    }
    metrics.sentBytes.increment(n);
    metrics.sentFileBytes.increment(n);
    regionBytes.addAndGet(n);
    // sent or failed (the client left): either way the handler may go on, and finds out which
    channel
        .writeAndFlush(region)
        .addListener(
            f -> {
              regionBytes.addAndGet(-n);
              wake();
            });
  }

  /** Ends a streamed response. */
  void sendEnd() {
    responseEnded = true;
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  /** Wakes a handler waiting for writability. Called on the event loop. */
  void writabilityChanged() {
    wake();
  }

  private void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void awaitWritable() {
    if (channel.isWritable()) {
      return;
    }
    await(channel::isWritable);
  }

  /**
   * Waits until {@code ready} holds; whoever makes it hold calls {@link #wake} afterwards. Gives up
   * when the client closes the connection, or stops reading for the idle time.
   */
  private void await(BooleanSupplier ready) {
    lock.lock();
    try {
      long deadline = System.nanoTime() + idleNanos;
      while (!ready.getAsBoolean()) {
        if (!channel.isActive()) {
          throw new S3Exception(S3Error.INCOMPLETE_BODY, "the client closed the connection");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          closeAfter = true;
          channel.close();
          throw new S3Exception(S3Error.REQUEST_TIMEOUT, "the client stopped reading");
        }
        try {
          changed.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new S3Exception(S3Error.INTERNAL_ERROR, "interrupted");
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
