package io.aquifer.storage;

/** A failure of an object store operation, with its {@link StatusCode}. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The status; transient because enums serialize by name anyway. */
  private final StatusCode status;

  /** An exception with a status and a one-line message naming the problem. */
  public StorageException(StatusCode status, String message) {
    super(message);
    this.status = status;
  }

  /** An exception with a status, message and cause. */
  public StorageException(StatusCode status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** What went wrong. */
  public StatusCode status() {
    return status;
  }

  @Override
  public String getMessage() {
    return status + ": " + super.getMessage();
  }
}
