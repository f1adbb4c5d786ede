package io.aquifer.gateway;

/**
 * A request failed with an S3 error. Thrown on cold paths only (bad input, failed checks); the
 * gateway turns it into the XML error response.
 */
public class S3Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final S3Error error;

  /** An error with its default message. */
  public S3Exception(S3Error error) {
    this(error, error.message());
  }

  /** An error with a message naming the problem. */
  public S3Exception(S3Error error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  /** An error with a message and the exception behind it. */
  public S3Exception(S3Error error, String message, Throwable cause) {
    super(message, cause, false, false);
    this.error = error;
  }

  /** The S3 error. */
  public S3Error error() {
    return error;
  }
}
