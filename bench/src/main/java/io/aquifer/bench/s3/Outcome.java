package io.aquifer.bench.s3;

/**
 * How one request ended.
 *
 * @param status HTTP status, or 0 when no response arrived
 * @param bodyBytes response body bytes received
 * @param latencyNanos from the request handed to the connection (including a reconnect and signing)
 *     to the last byte of the response read
 * @param error null on success; else the S3 error code and status ({@code NoSuchKey (404)}), {@code
 *     HTTP 503} for an error without an S3 code, or {@code transport: ...}
 * @param body the response body when the request asked for it or failed with a status, else null
 */
record Outcome(int status, long bodyBytes, long latencyNanos, String error, String body) {
  boolean ok() {
    return error == null;
  }
}
