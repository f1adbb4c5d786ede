package io.aquifer.bench.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time, bound to one event loop. It
 * connects on the first request and again after the server closed it. Response bodies are counted
 * and dropped, except for error responses and requests that ask for the body, which are kept up to
 * {@link #CAPTURE_LIMIT} bytes. Every method except {@link #call} runs on the connection's loop.
 */
final class Connection {
  /** Most bytes of a response body kept. */
  static final int CAPTURE_LIMIT = 1 << 20;

  private final Client client;
  private final EventLoop loop;
  private final InetSocketAddress address;
  private final String host;
  private Channel channel;

  // the exchange in flight
  private S3Request request;
  private Consumer<Outcome> callback;
  private long started;
  private int status;
  private long received;
  private boolean keepAlive;
  private ByteBuf capture;
  private BodyWriter body;

  Connection(Client client, EventLoop loop, InetSocketAddress address, String host) {
    this.client = client;
    this.loop = loop;
    this.address = address;
    this.host = host;
  }

  EventLoop loop() {
    return loop;
  }

  /**
   * Sends a request; {@code done} is called once, on this connection's loop, with its outcome.
   * Called on any thread; one request at a time.
   */
  void send(S3Request r, Consumer<Outcome> done) {
    if (!loop.inEventLoop()) {
      loop.execute(() -> send(r, done));
      return;
    }
    if (request != null) {
      throw new IllegalStateException("a request is already in flight");
    }
    request = r;
    callback = done;
    started = System.nanoTime();
    if (channel != null && channel.isActive()) {
      write();
      return;
    }
    ChannelFuture f =
        client
            .bootstrap()
            .group(loop)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(4096, 16384, Client.MAX_CHUNK));
                    ch.pipeline().addLast(new Handler());
                  }
                })
            .connect(address);
    channel = f.channel();
    f.addListener(
        (ChannelFutureListener)
            cf -> {
              if (cf.channel() != channel || request == null) {
                return;
              }
              if (cf.isSuccess()) {
                write();
              } else {
                fail("transport: connect " + cf.cause().getClass().getSimpleName());
              }
            });
  }

  /** Sends and waits for the outcome; for setup and cleanup, never on an event loop. */
  Outcome call(S3Request r) {
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    send(r, f::complete);
    try {
      return f.get(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(r.method() + " " + r.uri() + ": no response", e);
    }
  }

  /** Closes the channel; a request in flight fails. */
  void close() {
    loop.execute(
        () -> {
          if (channel != null) {
            channel.close();
          }
        });
  }

  private void write() {
    S3Request r = request;
    SigV4Signer signer = client.signer;
    String amzDate = signer.amzDate(client.clock.instant());
    String payloadHash = r.bodySize() > 0 ? SigV4Signer.UNSIGNED_PAYLOAD : SigV4Signer.EMPTY_SHA256;
    TreeMap<String, String> signed = new TreeMap<>();
    signed.put("host", host);
    signed.put("x-amz-content-sha256", payloadHash);
    signed.put("x-amz-date", amzDate);
    String auth = signer.authorization(r.method().name(), r.path(), r.query(), signed, payloadHash);
    ByteBuf payload = client.payload();
    HttpRequest req;
    boolean inline = r.bodySize() <= payload.readableBytes();
    if (inline) {
      ByteBuf content =
          r.bodySize() == 0
              ? Unpooled.EMPTY_BUFFER
              : payload.retainedSlice(payload.readerIndex(), (int) r.bodySize());
      req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, r.method(), r.uri(), content);
    } else {
      req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, r.method(), r.uri());
    }
    HttpHeaders h = req.headers();
    h.set(HttpHeaderNames.HOST, host);
    h.set("x-amz-date", amzDate);
    h.set("x-amz-content-sha256", payloadHash);
    h.set(HttpHeaderNames.AUTHORIZATION, auth);
    if (r.bodySize() > 0 || r.method().equals(HttpMethod.PUT)) {
      h.set(HttpHeaderNames.CONTENT_LENGTH, r.bodySize());
    }
    status = 0;
    received = 0;
    keepAlive = true;
    Channel ch = channel;
    ChannelFutureListener onWrite =
        f -> {
          if (!f.isSuccess() && f.channel() == channel && request != null) {
            fail("transport: write " + f.cause().getClass().getSimpleName());
          }
        };
    BodyWriter w = inline ? null : new BodyWriter(ch, payload, r.bodySize(), onWrite);
    body = w;
    if (inline) {
      ch.writeAndFlush(req).addListener(onWrite);
    } else {
      ch.write(req).addListener(onWrite);
      // a failed write completes the exchange at once; then this body is no longer current
      if (request == r && body == w) {
        w.pump();
      }
    }
  }

  private void onResponse(HttpResponse resp) {
    status = resp.status().code();
    keepAlive = HttpUtil.isKeepAlive(resp);
    if (status >= 300 || request.capture()) {
      capture = Unpooled.buffer(1024);
    }
  }

  private void onContent(HttpContent c) {
    ByteBuf b = c.content();
    int n = b.readableBytes();
    received += n;
    if (capture != null && capture.readableBytes() < CAPTURE_LIMIT) {
      capture.writeBytes(b, b.readerIndex(), Math.min(n, CAPTURE_LIMIT - capture.readableBytes()));
    }
  }

  private void finish() {
    long latency = System.nanoTime() - started;
    String text = null;
    if (capture != null) {
      text = capture.toString(StandardCharsets.UTF_8);
      capture.release();
      capture = null;
    }
    String error = null;
    if (status >= 300) {
      String code = errorCode(text);
      error = code == null ? "HTTP " + status : code + " (" + status + ")";
    }
    boolean stillWriting = body != null && !body.done();
    if (!keepAlive || stillWriting) {
      channel.close();
      channel = null;
    }
    complete(new Outcome(status, received, latency, error, text));
  }

  private void fail(String error) {
    if (capture != null) {
      capture.release();
      capture = null;
    }
    if (channel != null) {
      channel.close();
      channel = null;
    }
    complete(new Outcome(status, received, System.nanoTime() - started, error, null));
  }

  private void complete(Outcome o) {
    Consumer<Outcome> cb = callback;
    request = null;
    callback = null;
    body = null;
    cb.accept(o);
  }

  /** The {@code <Code>} of an S3 error body, or null. */
  static String errorCode(String xml) {
    if (xml == null) {
      return null;
    }
    int i = xml.indexOf("<Code>");
    int j = i < 0 ? -1 : xml.indexOf("</Code>", i);
    return j < 0 ? null : xml.substring(i + 6, j).trim();
  }

  /** The pipeline's end for one channel; events from a channel no longer current are dropped. */
  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (ctx.channel() != channel || request == null) {
          return;
        }
        if (msg instanceof HttpResponse resp) {
          if (resp.decoderResult().isFailure()) {
            fail("transport: bad response " + resp.decoderResult().cause().getMessage());
            return;
          }
          onResponse(resp);
        }
        if (msg instanceof HttpContent c) {
          onContent(c);
          if (c instanceof LastHttpContent) {
            finish();
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel && body != null && ctx.channel().isWritable()) {
        body.pump();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel) {
        channel = null;
        if (request != null) {
          fail("transport: connection closed");
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (ctx.channel() == channel && request != null) {
        fail("transport: " + cause.getClass().getSimpleName());
      } else {
        ctx.close();
      }
    }
  }
}
