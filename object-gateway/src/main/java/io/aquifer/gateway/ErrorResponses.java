package io.aquifer.gateway;

import io.aquifer.gateway.xml.XmlWriter;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;

/** The one table from storage-core failures to S3 errors, and the S3 XML error body. */
final class ErrorResponses {
  private ErrorResponses() {}

  /** The S3 error for a storage-core status. Exhaustive: a new status must be decided here. */
  static S3Error of(StatusCode code) {
    return switch (code) {
      case NO_SUCH_BUCKET -> S3Error.NO_SUCH_BUCKET;
      case BUCKET_ALREADY_EXISTS -> S3Error.BUCKET_ALREADY_OWNED_BY_YOU;
      case BUCKET_NOT_EMPTY -> S3Error.BUCKET_NOT_EMPTY;
      case INVALID_BUCKET_NAME -> S3Error.INVALID_BUCKET_NAME;
      case NO_SUCH_KEY -> S3Error.NO_SUCH_KEY;
      case INVALID_KEY -> S3Error.INVALID_ARGUMENT;
      case PRECONDITION_FAILED -> S3Error.PRECONDITION_FAILED;
      case INVALID_RANGE -> S3Error.INVALID_RANGE;
      case METADATA_TOO_LARGE -> S3Error.METADATA_TOO_LARGE;
      case INVALID_ARGUMENT -> S3Error.INVALID_ARGUMENT;
      case TOO_MANY_ENTRIES -> S3Error.INVALID_ARGUMENT;
      case ENTITY_TOO_LARGE -> S3Error.ENTITY_TOO_LARGE;
      case BAD_DIGEST -> S3Error.BAD_DIGEST;
      case QUOTA_EXCEEDED -> S3Error.QUOTA_EXCEEDED;
      case NO_SUCH_UPLOAD -> S3Error.NO_SUCH_UPLOAD;
      case INVALID_PART -> S3Error.INVALID_PART;
      case INVALID_PART_ORDER -> S3Error.INVALID_PART_ORDER;
      case ENTITY_TOO_SMALL -> S3Error.ENTITY_TOO_SMALL;
      case WRITE_QUORUM_LOST, STORE_CLOSED -> S3Error.SERVICE_UNAVAILABLE;
      case READ_QUORUM_LOST, DRIVE_IO_ERROR, DATA_CORRUPT, METADATA_ERROR, INTERNAL ->
          S3Error.INTERNAL_ERROR;
    };
  }

  /** The S3 exception for a storage exception, keeping its message where it helps the client. */
  static S3Exception of(StorageException e) {
    S3Error error = of(e.status());
    String message = error.status() >= 500 ? error.message() : e.getMessage();
    return new S3Exception(error, message, e);
  }

  /** The XML body of an error response (S3 writes it without a namespace). */
  static byte[] xml(S3Error error, String message, String resource, String requestId) {
    return XmlWriter.document("Error", null)
        .element("Code", error.code())
        .element("Message", message == null ? error.message() : message)
        .element("Resource", resource)
        .element("RequestId", requestId)
        .toBytes();
  }
}
