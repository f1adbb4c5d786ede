package io.aquifer.gateway;

/**
 * The S3 error codes the gateway answers with, each with its HTTP status and a default message.
 * Every failure leaves the gateway as one of these, in the S3 XML error body.
 */
public enum S3Error {
  ACCESS_DENIED("AccessDenied", 403, "Access Denied."),
  AUTHORIZATION_HEADER_MALFORMED(
      "AuthorizationHeaderMalformed", 400, "The authorization header is malformed."),
  AUTHORIZATION_QUERY_PARAMETERS_ERROR(
      "AuthorizationQueryParametersError", 400, "The query-string authentication is malformed."),
  BAD_DIGEST("BadDigest", 400, "The Content-MD5 or checksum you specified did not match."),
  BUCKET_ALREADY_EXISTS("BucketAlreadyExists", 409, "The requested bucket name is not available."),
  BUCKET_ALREADY_OWNED_BY_YOU(
      "BucketAlreadyOwnedByYou", 409, "Your previous request to create the bucket succeeded."),
  BUCKET_NOT_EMPTY("BucketNotEmpty", 409, "The bucket you tried to delete is not empty."),
  ENTITY_TOO_LARGE("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size."),
  ENTITY_TOO_SMALL("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum size."),
  INCOMPLETE_BODY("IncompleteBody", 400, "You did not provide the number of bytes specified."),
  INTERNAL_ERROR("InternalError", 500, "We encountered an internal error. Please try again."),
  INVALID_ACCESS_KEY_ID(
      "InvalidAccessKeyId", 403, "The access key ID you provided does not exist in our records."),
  INVALID_ARGUMENT("InvalidArgument", 400, "Invalid argument."),
  INVALID_URI("InvalidURI", 400, "Couldn't parse the specified URI."),
  INVALID_BUCKET_NAME("InvalidBucketName", 400, "The specified bucket is not valid."),
  INVALID_DIGEST("InvalidDigest", 400, "The Content-MD5 or checksum you specified is not valid."),
  INVALID_PART("InvalidPart", 400, "One or more of the specified parts could not be found."),
  INVALID_PART_ORDER("InvalidPartOrder", 400, "The list of parts was not in ascending order."),
  INVALID_PART_NUMBER("InvalidPartNumber", 416, "The requested partnumber is not satisfiable."),
  INVALID_RANGE("InvalidRange", 416, "The requested range is not satisfiable."),
  INVALID_REQUEST("InvalidRequest", 400, "Invalid request."),
  INVALID_TAG("InvalidTag", 400, "The tag provided was not a valid tag."),
  KEY_TOO_LONG("KeyTooLongError", 400, "Your key is too long."),
  MALFORMED_XML("MalformedXML", 400, "The XML you provided was not well-formed."),
  METADATA_TOO_LARGE(
      "MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."),
  METHOD_NOT_ALLOWED(
      "MethodNotAllowed", 405, "The specified method is not allowed against this resource."),
  MISSING_CONTENT_LENGTH(
      "MissingContentLength", 411, "You must provide the Content-Length HTTP header."),
  MISSING_SECURITY_HEADER(
      "MissingSecurityHeader", 400, "Your request is missing a required header."),
  NO_SUCH_BUCKET("NoSuchBucket", 404, "The specified bucket does not exist."),
  NO_SUCH_KEY("NoSuchKey", 404, "The specified key does not exist."),
  NO_SUCH_UPLOAD("NoSuchUpload", 404, "The specified multipart upload does not exist."),
  NOT_IMPLEMENTED("NotImplemented", 501, "A header or operation you provided is not implemented."),
  PRECONDITION_FAILED(
      "PreconditionFailed", 412, "At least one of the preconditions you specified did not hold."),
  QUOTA_EXCEEDED("QuotaExceeded", 403, "The bucket quota would be exceeded."),
  REQUEST_HEADER_SECTION_TOO_LARGE(
      "RequestHeaderSectionTooLarge", 400, "Your request header section exceeds the maximum."),
  REQUEST_TIMEOUT(
      "RequestTimeout",
      400,
      "Your socket connection to the server was not read from or written"
          + " to within the timeout period."),
  REQUEST_TIME_TOO_SKEWED(
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the server's time is too large."),
  SERVICE_UNAVAILABLE("ServiceUnavailable", 503, "Please reduce your request rate."),
  SIGNATURE_DOES_NOT_MATCH(
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided."),
  X_AMZ_CONTENT_SHA256_MISMATCH(
      "XAmzContentSHA256Mismatch",
      400,
      "The provided 'x-amz-content-sha256' header does not match what was computed.");

  private final String code;
  private final int status;
  private final String message;

  S3Error(String code, int status, String message) {
    this.code = code;
    this.status = status;
    this.message = message;
  }

  /** The S3 error code, as in the XML {@code Code} element. */
  public String code() {
    return code;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The default message. */
  public String message() {
    return message;
  }
}
