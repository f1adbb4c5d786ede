package io.aquifer.transport;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Framed request/response messaging between nodes over TCP or RDMA. Open one with {@link
 * Transports#open(TransportConfig)}; it owns its I/O threads and memory budget until {@link
 * #close()}. All methods are safe to call from any thread, virtual threads included.
 */
public interface Transport extends AutoCloseable {

  /** Which implementation this is: {@link TransportConfig.Kind#TCP} or {@code RDMA}. */
  TransportConfig.Kind kind();

  /** The validated settings this transport runs with. */
  TransportConfig config();

  /**
   * Accepts connections on {@code address} (port 0: any free port) and hands every request they
   * carry to {@code handler}. Completes with the bound address, or exceptionally with the bind
   * failure.
   */
  CompletableFuture<Listener> listen(InetSocketAddress address, RequestHandler handler);

  /**
   * As {@link #listen(InetSocketAddress, RequestHandler)} on {@link TransportConfig#bindAddress}.
   */
  default CompletableFuture<Listener> listen(RequestHandler handler) {
    return listen(config().bindAddress(), handler);
  }

  /**
   * Connects to a listener and exchanges hellos. Completes with an open connection, or
   * exceptionally with a {@link TransportException} whose {@link TransportException#error()} says
   * why ({@link TransportError.ConnectionLost} when unreachable, {@link
   * TransportError.VersionMismatch} when no protocol version is common, {@link
   * TransportError.Timeout} after {@link TransportConfig#connectTimeout}).
   */
  CompletableFuture<Connection> connect(InetSocketAddress address);

  /** As {@link #connect(InetSocketAddress)} to {@link TransportConfig#connectAddress}. */
  default CompletableFuture<Connection> connect() {
    InetSocketAddress address = config().connectAddress();
    if (address == null) {
      throw new IllegalStateException("transport connectAddress is not configured");
    }
    return connect(address);
  }

  /**
   * Closes every listener and connection (their pending calls end with {@link
   * TransportError.ConnectionLost}) and stops the I/O threads; returns once they have stopped.
   * Blocks: never call it from a handler, a listener or a future's continuation on an I/O thread.
   */
  @Override
  void close();

  /** A bound listening socket. */
  interface Listener extends AutoCloseable {
    /** The address actually bound (with the chosen port). */
    InetSocketAddress address();

    /** Stops accepting; connections already accepted stay open. Blocks until unbound. */
    @Override
    void close();
  }
}
