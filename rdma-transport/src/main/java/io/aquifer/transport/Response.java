package io.aquifer.transport;

import java.util.Objects;

/**
 * The outcome of a request: {@link Ok} with the peer's reply, or one of the {@link TransportError}
 * cases. Switch over it; the compiler lists the cases.
 */
public sealed interface Response permits Response.Ok, TransportError {

  /**
   * The peer's successful reply.
   *
   * @param message consumed by the caller: release it with {@link Message#close()}
   */
  record Ok(Message message) implements Response, AutoCloseable {
    public Ok {
      Objects.requireNonNull(message, "message");
    }

    /** Releases the reply's buffers. */
    @Override
    public void close() {
      message.close();
    }
  }
}
