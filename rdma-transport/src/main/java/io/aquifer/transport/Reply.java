package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/** What a {@link RequestHandler} answers: a success with buffers, or an error code. */
public sealed interface Reply {

  /**
   * A success.
   *
   * @param header consumed by the transport once the reply is written
   * @param payload consumed likewise; may be {@code null} for none; header and payload must fit in
   *     one frame or the caller gets {@link TransportError.RemoteError#REPLY_TOO_LARGE}
   */
  static Reply ok(ByteBuf header, ByteBuf payload) {
    return new Ok(header, payload);
  }

  /** A failure the caller sees as {@link TransportError.RemoteError}. */
  static Reply error(int code, String message) {
    return new Error(code, message);
  }

  /** A success; see {@link #ok}. */
  record Ok(ByteBuf header, ByteBuf payload) implements Reply {
    public Ok {
      Objects.requireNonNull(header, "header");
    }
  }

  /**
   * A failure.
   *
   * @param code an application code, at least {@link TransportError.RemoteError#FIRST_APP_CODE}
   *     (lower codes belong to the transport)
   * @param message one line for logs and the caller
   */
  record Error(int code, String message) implements Reply {
    public Error {
      Objects.requireNonNull(message, "message");
    }
  }
}
