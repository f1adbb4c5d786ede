package io.aquifer.transport;

import java.util.Objects;

/**
 * A {@link TransportError} as an exception, for cold paths that cannot return a value (a failed
 * {@link Transport#connect}).
 */
public final class TransportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient TransportError error;

  public TransportException(TransportError error) {
    super(Objects.requireNonNull(error, "error").describe(), null, false, false);
    this.error = error;
  }

  /** The error this exception carries. */
  public TransportError error() {
    return error;
  }
}
