package io.aquifer.gateway.auth;

/** How a request's body is authenticated, from its {@code x-amz-content-sha256} header. */
public enum PayloadMode {
  /** The header is the lowercase hex SHA-256 of the body; the body must hash to it. */
  SIGNED,
  /** {@code UNSIGNED-PAYLOAD}, an anonymous request without the header, and every presigned URL. */
  UNSIGNED,
  /** {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}: aws-chunked, each chunk signed. */
  STREAMING_SIGNED,
  /** {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER}: signed chunks and signed trailers. */
  STREAMING_SIGNED_TRAILER,
  /** {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}: aws-chunked without signatures, with trailers. */
  STREAMING_UNSIGNED_TRAILER;

  /** True for the three {@code STREAMING_*} modes, whose body is aws-chunked. */
  public boolean chunked() {
    return this == STREAMING_SIGNED
        || this == STREAMING_SIGNED_TRAILER
        || this == STREAMING_UNSIGNED_TRAILER;
  }

  /** True for the two {@code *_TRAILER} modes, whose body ends with trailing headers. */
  public boolean trailer() {
    return this == STREAMING_SIGNED_TRAILER || this == STREAMING_UNSIGNED_TRAILER;
  }

  /** True for the modes whose chunks carry signatures. */
  boolean signedChunks() {
    return this == STREAMING_SIGNED || this == STREAMING_SIGNED_TRAILER;
  }

  /** The {@code x-amz-content-sha256} keyword of a keyword mode; null for {@link #SIGNED}. */
  String keyword() {
    return switch (this) {
      case SIGNED -> null;
      case UNSIGNED -> "UNSIGNED-PAYLOAD";
      case STREAMING_SIGNED -> "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
      case STREAMING_SIGNED_TRAILER -> "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
      case STREAMING_UNSIGNED_TRAILER -> "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    };
  }
}
