package io.aquifer.gateway;

import io.netty.handler.codec.http.HttpMethod;

/**
 * The S3 operations the gateway routes to, named as in the S3 API reference (the {@code op} tag of
 * the request metrics). {@link #UNKNOWN} is a request that names no supported operation: an
 * unimplemented sub-resource, a method not allowed on the resource, or a request rejected before it
 * could be parsed.
 */
enum S3Op {
  LIST_BUCKETS("ListBuckets"),
  CREATE_BUCKET("CreateBucket"),
  HEAD_BUCKET("HeadBucket"),
  DELETE_BUCKET("DeleteBucket"),
  GET_BUCKET_LOCATION("GetBucketLocation"),
  LIST_OBJECTS("ListObjects"),
  LIST_OBJECTS_V2("ListObjectsV2"),
  PUT_OBJECT("PutObject"),
  GET_OBJECT("GetObject"),
  HEAD_OBJECT("HeadObject"),
  DELETE_OBJECT("DeleteObject"),
  DELETE_OBJECTS("DeleteObjects"),
  COPY_OBJECT("CopyObject"),
  CREATE_MULTIPART_UPLOAD("CreateMultipartUpload"),
  UPLOAD_PART("UploadPart"),
  UPLOAD_PART_COPY("UploadPartCopy"),
  COMPLETE_MULTIPART_UPLOAD("CompleteMultipartUpload"),
  ABORT_MULTIPART_UPLOAD("AbortMultipartUpload"),
  LIST_PARTS("ListParts"),
  LIST_MULTIPART_UPLOADS("ListMultipartUploads"),
  GET_OBJECT_TAGGING("GetObjectTagging"),
  PUT_OBJECT_TAGGING("PutObjectTagging"),
  DELETE_OBJECT_TAGGING("DeleteObjectTagging"),
  UNKNOWN("Unknown");

  private final String s3Name;

  S3Op(String s3Name) {
    this.s3Name = s3Name;
  }

  /** The operation's name in the S3 API, e.g. {@code PutObject}. */
  String s3Name() {
    return s3Name;
  }

  /**
   * The operation a parsed request names, from its method, bucket, key, sub-resources and the
   * copy-source header alone (so it is known before authentication).
   */
  static S3Op of(Request req) {
    for (String p : req.query.keySet()) {
      if (S3Handler.UNSUPPORTED.contains(p)) {
        return UNKNOWN;
      }
    }
    HttpMethod m = req.method;
    if (req.bucket == null) {
      return m.equals(HttpMethod.GET) ? LIST_BUCKETS : UNKNOWN;
    }
    return req.key == null ? bucketOp(req, m) : objectOp(req, m);
  }

  private static S3Op bucketOp(Request req, HttpMethod m) {
    if (m.equals(HttpMethod.GET)) {
      if (req.has("location")) {
        return GET_BUCKET_LOCATION;
      } else if (req.has("uploads")) {
        return LIST_MULTIPART_UPLOADS;
      } else if (req.has("tagging")) {
        return UNKNOWN;
      }
      return req.has("list-type") ? LIST_OBJECTS_V2 : LIST_OBJECTS;
    } else if (m.equals(HttpMethod.HEAD)) {
      return HEAD_BUCKET;
    } else if (m.equals(HttpMethod.PUT)) {
      return onlyIgnorable(req) ? CREATE_BUCKET : UNKNOWN;
    } else if (m.equals(HttpMethod.DELETE)) {
      return onlyIgnorable(req) ? DELETE_BUCKET : UNKNOWN;
    } else if (m.equals(HttpMethod.POST) && req.has("delete")) {
      return DELETE_OBJECTS;
    }
    return UNKNOWN;
  }

  private static S3Op objectOp(Request req, HttpMethod m) {
    boolean upload = req.has("uploadId");
    boolean copy = req.header("x-amz-copy-source") != null;
    if (m.equals(HttpMethod.GET)) {
      if (upload) {
        return LIST_PARTS;
      }
      return req.has("tagging") ? GET_OBJECT_TAGGING : GET_OBJECT;
    } else if (m.equals(HttpMethod.HEAD)) {
      return HEAD_OBJECT;
    } else if (m.equals(HttpMethod.PUT)) {
      if (upload || req.has("partNumber")) {
        return copy ? UPLOAD_PART_COPY : UPLOAD_PART;
      } else if (req.has("tagging")) {
        return PUT_OBJECT_TAGGING;
      }
      return copy ? COPY_OBJECT : PUT_OBJECT;
    } else if (m.equals(HttpMethod.DELETE)) {
      if (upload) {
        return ABORT_MULTIPART_UPLOAD;
      }
      return req.has("tagging") ? DELETE_OBJECT_TAGGING : DELETE_OBJECT;
    } else if (m.equals(HttpMethod.POST)) {
      if (req.has("uploads")) {
        return CREATE_MULTIPART_UPLOAD;
      }
      return upload ? COMPLETE_MULTIPART_UPLOAD : UNKNOWN;
    }
    return UNKNOWN;
  }

  /** A bucket PUT or DELETE may carry only the SDK's {@code x-id} marker. */
  private static boolean onlyIgnorable(Request req) {
    for (String k : req.query.keySet()) {
      if (!k.equals("x-id")) {
        return false;
      }
    }
    return true;
  }
}
