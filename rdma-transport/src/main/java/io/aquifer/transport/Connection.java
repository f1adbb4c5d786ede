package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One open connection to a peer, made by {@link Transport#connect}. Requests on it are multiplexed
 * by request id and share one credit window: the peer grants {@link TransportConfig#windowBytes} of
 * frame bytes and returns credit as it consumes them, so a slow receiver slows this sender rather
 * than filling either side's memory. Calls that do not fit the window wait, in order, in this
 * connection's queue.
 *
 * <p>Futures complete on the connection's I/O thread: continue with the {@code *Async} variants
 * before blocking. Every method is safe to call from any thread.
 */
public interface Connection extends AutoCloseable {

  /**
   * Sends a request and waits for its response for {@link TransportConfig#requestTimeout}.
   *
   * @param header consumed: the transport releases it once written (or on failure)
   * @param payload consumed, may be {@code null} for none; header and payload together must fit in
   *     one frame ({@link TransportConfig#maxFrameBytes}) or the call ends with {@link
   *     TransportError.FrameTooLarge} without sending anything
   * @return never completes exceptionally; the response or the error as a value
   */
  default CompletableFuture<Response> request(ByteBuf header, ByteBuf payload) {
    return request(header, payload, null);
  }

  /** As {@link #request(ByteBuf, ByteBuf)} with its own timeout ({@code null}: the default). */
  CompletableFuture<Response> request(ByteBuf header, ByteBuf payload, Duration timeout);

  /**
   * Starts a request whose payload is sent as a stream of chunks, each a frame of its own (for
   * payloads larger than a frame). The response comes once the peer's handler replies, normally
   * after the last chunk; a timeout, if any, is the caller's business.
   *
   * @param header consumed: the transport releases it once written (or on failure)
   */
  OutboundStream openStream(ByteBuf header);

  /** A snapshot of this connection's send-side flow control. */
  FlowStats flow();

  /** The peer's address. */
  SocketAddress remoteAddress();

  /** The protocol version agreed in the hello exchange. */
  int protocolVersion();

  /** Completes with why this connection ended, once it has: never exceptionally. */
  CompletableFuture<TransportError.ConnectionLost> closeFuture();

  /** Closes the connection; calls still pending end with {@link TransportError.ConnectionLost}. */
  @Override
  void close();

  /**
   * Send-side flow control of one connection.
   *
   * @param windowBytes the credit the peer granted at hello
   * @param outstandingBytes frame bytes sent whose credit the peer has not returned yet
   * @param maxOutstandingBytes the most {@code outstandingBytes} has ever been on this connection
   * @param queuedFrames frames waiting for credit
   */
  record FlowStats(
      long windowBytes, long outstandingBytes, long maxOutstandingBytes, int queuedFrames) {}
}
