package io.aquifer.pfs;

import java.util.Objects;

/** A failed file operation: its {@link Errno} and a one-line message naming the problem. */
public final class FsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Errno errno;

  /** A failure with an errno and a message. */
  public FsException(Errno errno, String message) {
    super(message);
    this.errno = Objects.requireNonNull(errno, "errno");
  }

  /** A failure with an errno, a message and a cause. */
  public FsException(Errno errno, String message, Throwable cause) {
    super(message, cause);
    this.errno = Objects.requireNonNull(errno, "errno");
  }

  /** What went wrong, as an errno. */
  public Errno errno() {
    return errno;
  }

  @Override
  public String getMessage() {
    return errno + ": " + super.getMessage();
  }
}
