package io.aquifer.transport;

/**
 * Events from inside a transport, for tests to wait on instead of polling (and, later, for
 * metrics). Called on the connection's I/O thread; must not block. Off ({@link #NONE}) in
 * production.
 */
interface TransportProbe {
  TransportProbe NONE = new TransportProbe() {};

  /** A frame is waiting for credit: the next frame does not fit the peer's window. */
  default void sendBlocked(Connection.FlowStats flow) {}

  /** A connection has ended and returned its window to the buffer pool. */
  default void connectionClosed(TransportError.ConnectionLost why) {}
}
