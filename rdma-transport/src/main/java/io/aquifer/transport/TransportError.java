package io.aquifer.transport;

import java.time.Duration;
import java.util.Objects;

/** Why a call, stream or connection did not succeed: a small closed set of values. */
public sealed interface TransportError extends Response {

  /** One line for logs and CLI output. */
  String describe();

  /**
   * The connection ended (closed by either side, reset, unreachable, or a protocol violation).
   *
   * @param reason what happened, for logs
   */
  record ConnectionLost(String reason) implements TransportError {
    public ConnectionLost {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String describe() {
      return "connection lost: " + reason;
    }
  }

  /** No response came within {@code after}; a late response is discarded. */
  record Timeout(Duration after) implements TransportError {
    @Override
    public String describe() {
      return "no response within " + after.toMillis() + " ms";
    }
  }

  /**
   * A frame was larger than its receiver accepts.
   *
   * @param frameBytes the frame's size, its frame header included
   * @param limitBytes the receiver's limit
   * @param remote whether the peer rejected it (otherwise it was refused before sending)
   */
  record FrameTooLarge(long frameBytes, long limitBytes, boolean remote) implements TransportError {
    @Override
    public String describe() {
      return "frame of "
          + frameBytes
          + " bytes exceeds the "
          + (remote ? "peer's" : "connection's")
          + " limit of "
          + limitBytes;
    }
  }

  /** The two sides share no protocol version (seen at hello). */
  record VersionMismatch(int localMin, int localMax, int remoteMin, int remoteMax)
      implements TransportError {
    @Override
    public String describe() {
      return "no common protocol version: this side speaks "
          + localMin
          + ".."
          + localMax
          + ", the peer "
          + remoteMin
          + ".."
          + remoteMax;
    }
  }

  /**
   * The peer's handler answered with an error.
   *
   * @param code {@link #HANDLER_FAILED}, {@link #NOT_SUPPORTED}, {@link #REPLY_TOO_LARGE}, or an
   *     application code (at least {@link #FIRST_APP_CODE})
   * @param message the peer's one-line message
   */
  record RemoteError(int code, String message) implements TransportError {
    /** The handler's future completed exceptionally or the handler threw. */
    public static final int HANDLER_FAILED = 1;

    /** The handler does not take this kind of request (for example, streams). */
    public static final int NOT_SUPPORTED = 2;

    /** The handler's reply did not fit in one frame. */
    public static final int REPLY_TOO_LARGE = 3;

    /** Codes from here up are the application's. */
    public static final int FIRST_APP_CODE = 100;

    public RemoteError {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String describe() {
      return "remote error " + code + ": " + message;
    }
  }
}
