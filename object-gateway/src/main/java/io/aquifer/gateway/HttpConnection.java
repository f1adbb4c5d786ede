package io.aquifer.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The per-connection state machine on the event loop: one request at a time, each handled on its
 * own virtual thread, or on the event loop for a GET or HEAD the store answers from memory.
 * Auto-read is off; the connection reads when it waits for a request or when the current request's
 * body queue has room.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
  private final S3Gateway gateway;
  private final ArrayDeque<Object> backlog = new ArrayDeque<>();
  private Exchange current;
  private boolean currentBodyDone;

  /**
   * The exchange dispatched during the current read whose handler has not started: it starts when
   * the read ends ({@link #channelReadComplete}), so that the body bytes that came with the request
   * head (all of a small PUT's, the empty end of a GET's) are queued before the handler looks for
   * them. A handler started at once raced the event loop for them and, losing, parked with a
   * timeout and was woken again: two thread switches and a timer more per request.
   */
  private Exchange unstarted;

  /**
   * The header deadline is checked lazily: arming and cancelling it per request only set these
   * fields, and one scheduled check per connection ({@link #headerCheck}), due no later than the
   * deadline, acts on it or schedules itself again. Scheduling and cancelling a task on the event
   * loop for every request cost more than the request's own header handling.
   */
  private boolean headerArmed;

  private long headerDeadlineNanos;
  private ScheduledFuture<?> headerCheck;
  private long headerCheckNanos;

  /** Whether bytes of the next request arrived since the connection began waiting for it. */
  private boolean requestBytesSeen;

  HttpConnection(S3Gateway gateway) {
    this.gateway = gateway;
  }

  /**
   * The handler to put before the HTTP decoder: it sees the first raw bytes of each request and
   * starts that request's header clock, which the decoder (buffering a partial header section)
   * cannot tell.
   */
  ChannelInboundHandlerAdapter headerClock() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current == null
            && !requestBytesSeen
            && msg instanceof io.netty.buffer.ByteBuf b
            && b.isReadable()) {
          requestBytesSeen = true;
          long deadline = System.nanoTime() + gateway.headerNanos();
          if (!headerArmed || deadline - headerDeadlineNanos < 0) {
            scheduleHeaderDeadline(ctx.pipeline().context(HttpConnection.this), deadline);
          }
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    armHeaderDeadline(ctx);
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (current != null && currentBodyDone) {
      backlog.add(msg); // a pipelined request: handled when the current one ends
      return;
    }
    dispatch(ctx, msg);
  }

  private void dispatch(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      cancelHeaderDeadline();
      if (req.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        rejectMalformed(ctx, req.decoderResult().cause());
        return;
      }
      current =
          new Exchange(
              ctx.channel(), req, gateway.nextRequestId(), gateway.idleNanos(), gateway.metrics());
      currentBodyDone = false;
      if (msg instanceof HttpContent c) {
        offer(c);
      }
      unstarted = current;
    } else if (msg instanceof HttpContent c) {
      if (current == null) {
        c.release(); // the rest of a body nobody wants (the exchange already ended)
        return;
      }
      if (c.decoderResult().isFailure()) {
        c.release();
        current.inputClosed();
        ctx.close();
        return;
      }
      offer(c);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void offer(HttpContent c) {
    if (c instanceof LastHttpContent) {
      currentBodyDone = true;
    }
    current.offer(c);
  }

  /**
   * Starts the handler of the exchange dispatched in this read, if any. A GET or HEAD without a
   * body that arrived whole is first offered to the event-loop path ({@link
   * S3Gateway#tryOnEventLoop}): answered there, its response is written at once and the next
   * pipelined request, if the backlog holds one, is taken in the same way. Requests of a connection
   * stay in order: only one is ever current, and the event loop takes this path only for the
   * current one, with nothing running on a virtual thread.
   */
  private void startUnstarted() {
    Exchange ex;
    while ((ex = unstarted) != null) {
      unstarted = null;
      if (!(eventLoopCandidate(ex) && gateway.tryOnEventLoop(ex))) {
        gateway.handle(ex, this::finished);
        return;
      }
      if (!writeResponse(ex, gateway.settledCallback())) {
        return; // the connection closes (or is gone)
      }
    }
  }

  /** Whether the exchange may be answered on the event loop: a whole GET or HEAD with no body. */
  private boolean eventLoopCandidate(Exchange ex) {
    HttpRequest r = ex.request;
    return ex == current
        && currentBodyDone
        && ex.channel.isActive()
        && (r.method().equals(io.netty.handler.codec.http.HttpMethod.GET)
            || r.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD))
        && !io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(r)
        && io.netty.handler.codec.http.HttpUtil.getContentLength(r, 0L) == 0;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    startUnstarted();
    if (current == null) {
      ctx.read();
    } else if (current.wantsMore()) {
      ctx.read();
    }
  }

  /**
   * Called on the handler thread when the handler has returned: on the event loop, writes the
   * response it left pending (if any), then readies the connection for the next request. {@code
   * settled} runs once everything the exchange wrote is out (a streamed body's last bytes too: an
   * empty write completes after every write before it), or at once when the connection is gone.
   */
  private void finished(Exchange ex, Runnable settled) {
    try {
      ex.channel.eventLoop().execute(() -> writeOut(ex, settled));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      settled.run(); // the event loop is gone, and the connection with it
    }
  }

  private void writeOut(Exchange ex, Runnable settled) {
    if (!writeResponse(ex, settled)) {
      return;
    }
    startUnstarted();
    ChannelHandlerContext ctx = ex.channel.pipeline().context(this);
    if (ctx != null && (current == null || current.wantsMore())) {
      ctx.read();
    }
  }

  /**
   * Writes the response the exchange left pending and ends it; when the connection carries on,
   * replays pipelined input up to the end of the next request's body (which may leave an exchange
   * {@link #unstarted}) and returns true. On the event loop.
   */
  private boolean writeResponse(Exchange ex, Runnable settled) {
    ChannelHandlerContext ctx = ex.channel.pipeline().context(this);
    FullHttpResponse response = ex.takePending();
    if (ctx == null) {
      ReferenceCountUtil.release(response);
      ex.releaseBody();
      settled.run();
      return false;
    }
    boolean reusable = !ex.closeAfter() && ex.bodyComplete() && ex.responseEnded();
    ex.releaseBody();
    current = null;
    Object last = response != null ? response : Unpooled.EMPTY_BUFFER;
    ChannelFutureListener out = f -> settled.run();
    if (!reusable) {
      releaseBacklog();
      // close once the response is out, not with its bytes still queued
      ctx.writeAndFlush(last).addListener(out).addListener(ChannelFutureListener.CLOSE);
      return false;
    }
    ctx.writeAndFlush(last).addListener(out);
    armHeaderDeadline(ctx);
    // replay pipelined input up to the end of the next request's body
    while (!backlog.isEmpty() && (current == null || !currentBodyDone)) {
      dispatch(ctx, backlog.poll());
    }
    return true;
  }

  private void releaseBacklog() {
    for (Object o; (o = backlog.poll()) != null; ) {
      ReferenceCountUtil.release(o);
    }
  }

  private void rejectMalformed(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      answerAndClose(
          ctx,
          S3Error.REQUEST_HEADER_SECTION_TOO_LARGE,
          "the request line or header section is too large");
    } else {
      answerAndClose(ctx, S3Error.INVALID_REQUEST, "malformed HTTP request: " + cause.getMessage());
    }
  }

  /** Answers a request rejected before it could be parsed, then closes the connection. */
  private void answerAndClose(ChannelHandlerContext ctx, S3Error error, String message) {
    String requestId = gateway.nextRequestId();
    byte[] xml = ErrorResponses.xml(error, message, "", requestId);
    gateway.metrics().rejected(error, xml.length);
    gateway.log(
        System.Logger.Level.INFO,
        "request "
            + requestId
            + " from "
            + ctx.channel().remoteAddress()
            + " rejected: "
            + error.code()
            + ": "
            + message);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(error.status()),
            Unpooled.wrappedBuffer(xml));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, xml.length);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    r.headers().set("x-amz-request-id", requestId);
    ctx.writeAndFlush(r).addListener(f -> ctx.close());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null) {
      current.writabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      if (current == null) {
        ctx.close(); // idle keep-alive connection
      }
      // a request in progress enforces its own deadlines on body reads and response writes
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHeaderDeadline();
    cancelHeaderCheck();
    if (current != null) {
      current.inputClosed();
      current.writabilityChanged();
    }
    startUnstarted(); // it answers, or finds the connection gone, and ends the exchange
    releaseBacklog();
    gateway.connectionClosed();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (current != null) {
      current.inputClosed();
    }
    if (!(cause instanceof java.io.IOException)) {
      gateway.log(
          System.Logger.Level.WARNING,
          "connection " + ctx.channel().remoteAddress() + " failed: " + cause);
    }
    ctx.close();
  }

  private void armHeaderDeadline(ChannelHandlerContext ctx) {
    // While waiting for a request: once its first byte arrives (headerClock), the header section
    // must follow within the header timeout. Until then the idle timeout closes a quiet
    // connection; this deadline only bounds bytes the decoder had already buffered.
    requestBytesSeen = false;
    scheduleHeaderDeadline(ctx, System.nanoTime() + gateway.headerNanos() + gateway.idleNanos());
  }

  private void scheduleHeaderDeadline(ChannelHandlerContext ctx, long deadline) {
    headerArmed = true;
    headerDeadlineNanos = deadline;
    if (headerCheck != null && headerCheckNanos - deadline <= 0) {
      return; // the check comes no later than the deadline
    }
    cancelHeaderCheck();
    scheduleHeaderCheck(ctx, System.nanoTime());
  }

  /**
   * Schedules the check at the deadline, or sooner: no later than one header timeout from {@code
   * now}, the soonest any deadline set before the check runs can be, so that arming a new deadline
   * finds the check early enough and leaves it alone.
   */
  private void scheduleHeaderCheck(ChannelHandlerContext ctx, long now) {
    long at = headerDeadlineNanos;
    if (at - (now + gateway.headerNanos()) > 0) {
      at = now + gateway.headerNanos();
    }
    headerCheckNanos = at;
    headerCheck = ctx.executor().schedule(() -> headerCheck(ctx), at - now, TimeUnit.NANOSECONDS);
  }

  private void headerCheck(ChannelHandlerContext ctx) {
    headerCheck = null;
    if (!headerArmed) {
      return;
    }
    long now = System.nanoTime();
    if (headerDeadlineNanos - now > 0) {
      scheduleHeaderCheck(ctx, now);
      return;
    }
    headerArmed = false;
    if (current == null && ctx.channel().isActive()) {
      if (requestBytesSeen) {
        answerAndClose(
            ctx,
            S3Error.REQUEST_TIMEOUT,
            "the request's header section did not arrive within the header timeout");
      } else {
        ctx.close();
      }
    }
  }

  /** Disarms the deadline; a check already scheduled finds it disarmed. */
  private void cancelHeaderDeadline() {
    headerArmed = false;
  }

  private void cancelHeaderCheck() {
    if (headerCheck != null) {
      headerCheck.cancel(false);
      headerCheck = null;
    }
  }
}
