package io.aquifer.bench.s3;

import io.netty.handler.codec.http.HttpMethod;

/**
 * One request the client sends.
 *
 * @param kind what the request counts as in the results
 * @param method HTTP method
 * @param path the URI path, already encoded ({@link SigV4Signer#encodePath})
 * @param query the query, canonical ({@link Query}); "" for none
 * @param bodySize bytes of payload sent (PUT), 0 for none
 * @param capture whether to keep the response body (up to {@link Connection#CAPTURE_LIMIT})
 */
record S3Request(
    Kind kind, HttpMethod method, String path, String query, long bodySize, boolean capture) {

  /** What a request counts as. */
  enum Kind {
    PUT,
    GET,
    DELETE,
    LIST,
    /** Setup and cleanup: bucket creation, listing for cleanup. */
    CONTROL
  }

  static S3Request get(String bucket, String key) {
    return new S3Request(Kind.GET, HttpMethod.GET, objectPath(bucket, key), "", 0, false);
  }

  static S3Request put(String bucket, String key, long size) {
    return new S3Request(Kind.PUT, HttpMethod.PUT, objectPath(bucket, key), "", size, false);
  }

  static S3Request delete(String bucket, String key) {
    return new S3Request(Kind.DELETE, HttpMethod.DELETE, objectPath(bucket, key), "", 0, false);
  }

  static S3Request list(String bucket, String prefix, int maxKeys, String token, boolean capture) {
    String q =
        token == null
            ? Query.of("list-type", "2", "prefix", prefix, "max-keys", Integer.toString(maxKeys))
            : Query.of(
                "list-type",
                "2",
                "prefix",
                prefix,
                "max-keys",
                Integer.toString(maxKeys),
                "continuation-token",
                token);
    return new S3Request(Kind.LIST, HttpMethod.GET, "/" + bucket, q, 0, capture);
  }

  static S3Request control(HttpMethod method, String bucket) {
    return new S3Request(Kind.CONTROL, method, "/" + bucket, "", 0, true);
  }

  /** The request line's target: path, and query when there is one. */
  String uri() {
    return query.isEmpty() ? path : path + "?" + query;
  }

  private static String objectPath(String bucket, String key) {
    return "/" + bucket + "/" + SigV4Signer.encodePath(key);
  }
}
