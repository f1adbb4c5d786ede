package io.aquifer.transport;

import java.util.concurrent.CompletableFuture;

/**
 * Serves the requests of one listener. Methods are called on the connection's I/O thread and must
 * not block: hand disk or other blocking work to a virtual thread and complete the future from
 * there. The request's window credit returns to the sender when the returned future completes, so a
 * handler that is slow to finish slows its senders.
 */
public interface RequestHandler {

  /**
   * The handler for the requests of one accepted connection, asked once when the connection is
   * accepted (on its I/O thread, before any request arrives; must not block). A handler that keeps
   * per-connection state (a session, a principal) returns a new handler here; {@code
   * connection.closeFuture()} says when the connection ends. The default serves every connection
   * with this handler.
   *
   * @param connection the server side of the accepted connection; the transport owns it
   */
  default RequestHandler forConnection(Connection connection) {
    return this;
  }

  /**
   * A unary request.
   *
   * @param request consumed: the handler owns its buffers and must release them ({@link
   *     Message#close()})
   * @return the reply; completing exceptionally sends {@link TransportError.RemoteError} with
   *     {@link TransportError.RemoteError#HANDLER_FAILED}
   */
  CompletableFuture<Reply> onRequest(Message request);

  /**
   * A streamed request: its header now, its payload through {@code stream}. Replying before the
   * stream has ended is allowed; the rest of the stream is then discarded.
   *
   * @param header consumed: the handler owns it and must release it (its payload is empty)
   * @return the reply, as for {@link #onRequest}
   */
  default CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
    header.close();
    return CompletableFuture.completedFuture(
        Reply.error(TransportError.RemoteError.NOT_SUPPORTED, "this handler takes no streams"));
  }
}
