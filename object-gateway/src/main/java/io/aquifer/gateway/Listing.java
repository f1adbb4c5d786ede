package io.aquifer.gateway;

import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import io.aquifer.gateway.xml.XmlWriter;
import io.aquifer.storage.ListPage;
import io.aquifer.storage.ListQuery;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;
import io.netty.handler.codec.http.HttpResponseStatus;

/** ListObjects (v1) and ListObjectsV2. */
final class Listing {
  private Listing() {}

  static void list(S3Handler h, Request req) {
    boolean v2 = "2".equals(req.param("list-type"));
    if (req.has("list-type") && !v2) {
      throw new S3Exception(S3Error.INVALID_ARGUMENT, "list-type must be 2 when present");
    }
    String encoding = req.param("encoding-type");
    if (encoding != null && !encoding.equals("url")) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
    }
    boolean url = encoding != null;
    int maxKeys = maxKeys(req.param("max-keys"));
    String prefix = req.param("prefix");
    String delimiter = req.param("delimiter");
    h.requireBucket(req.bucket);
    String startAfter = null;
    String token = null;
    String marker = null;
    if (v2) {
      startAfter = req.param("start-after");
      token = req.param("continuation-token");
      if (token != null && token.isEmpty()) {
        throw new S3Exception(
            S3Error.INVALID_ARGUMENT, "The continuation token provided is incorrect");
      }
    } else {
      marker = req.param("marker");
      if (marker != null && !marker.isEmpty()) {
        if (isCommonPrefix(marker, prefix, delimiter)) {
          token = ListQuery.tokenAfterPrefix(marker);
        } else {
          startAfter = marker;
        }
      }
    }
    ListPage page;
    try {
      page = h.store.list(req.bucket, new ListQuery(prefix, delimiter, startAfter, token, maxKeys));
    } catch (StorageException e) {
      if (e.status() == StatusCode.INVALID_ARGUMENT && token != null) {
        throw new S3Exception(
            S3Error.INVALID_ARGUMENT, "The continuation token provided is incorrect");
      }
      throw e;
    }
    XmlWriter x = XmlWriter.document("ListBucketResult");
    x.element("Name", req.bucket);
    x.element("Prefix", enc(prefix == null ? "" : prefix, url));
    if (v2) {
      if (startAfter != null) {
        x.element("StartAfter", enc(startAfter, url));
      }
      if (token != null) {
        x.element("ContinuationToken", token);
      }
      if (page.truncated()) {
        x.element("NextContinuationToken", page.nextToken());
      }
      x.element("KeyCount", page.objects().size() + page.commonPrefixes().size());
    } else {
      x.element("Marker", enc(marker == null ? "" : marker, url));
      if (page.truncated()) {
        String next = lastName(page);
        x.element("NextMarker", enc(next, url));
      }
    }
    x.element("MaxKeys", maxKeys);
    if (delimiter != null && !delimiter.isEmpty()) {
      x.element("Delimiter", enc(delimiter, url));
    }
    if (url) {
      x.element("EncodingType", "url");
    }
    x.element("IsTruncated", page.truncated());
    boolean owner = !v2 || "true".equals(req.param("fetch-owner"));
    for (ObjectInfo o : page.objects()) {
      x.start("Contents")
          .element("Key", enc(o.key(), url))
          .element("LastModified", S3Handler.ISO.format(o.modified()))
          .element("ETag", S3Handler.quote(o.etag()))
          .element("Size", o.size());
      for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
        if (o.attributes().containsKey(a.headerName())) {
          x.element("ChecksumAlgorithm", a.name());
          String type = o.attributes().get(Attrs.CHECKSUM_TYPE);
          x.element("ChecksumType", type == null ? "FULL_OBJECT" : type);
        }
      }
      if (owner) {
        h.owner(x, req);
      }
      x.element("StorageClass", "STANDARD").end();
    }
    for (String p : page.commonPrefixes()) {
      x.start("CommonPrefixes").element("Prefix", enc(p, url)).end();
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  private static String lastName(ListPage page) {
    String lastKey = page.objects().isEmpty() ? null : page.objects().getLast().key();
    String lastPrefix = page.commonPrefixes().isEmpty() ? null : page.commonPrefixes().getLast();
    if (lastKey == null) {
      return lastPrefix;
    }
    if (lastPrefix == null) {
      return lastKey;
    }
    return compareUtf8(lastKey, lastPrefix) > 0 ? lastKey : lastPrefix;
  }

  static int compareUtf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(
        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Whether a v1 marker names a common prefix of this listing (then the next page skips it). */
  private static boolean isCommonPrefix(String marker, String prefix, String delimiter) {
    if (delimiter == null || delimiter.isEmpty()) {
      return false;
    }
    String p = prefix == null ? "" : prefix;
    if (!marker.startsWith(p) || !marker.endsWith(delimiter)) {
      return false;
    }
    return marker.indexOf(delimiter, p.length()) == marker.length() - delimiter.length();
  }

  static int maxKeys(String v) {
    if (v == null) {
      return 1000;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.min(n, 1000);
    } catch (NumberFormatException e) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT, "Provided max-keys not an integer or within integer range");
    }
  }

  private static String enc(String s, boolean url) {
    return url ? Request.urlEncode(s) : s;
  }
}
