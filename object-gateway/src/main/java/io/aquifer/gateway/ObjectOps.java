package io.aquifer.gateway;

import io.aquifer.gateway.checksum.Checksum;
import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import io.aquifer.gateway.xml.XmlRequests;
import io.aquifer.gateway.xml.XmlWriter;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;
import io.aquifer.storage.WriteCondition;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Single-object operations: put, get, head, copy, batch delete, tagging. */
final class ObjectOps {
  /** Largest single PUT, as in S3. */
  static final long MAX_PUT = 5L << 30;

  /** The largest body sent as one whole response (one heap array); larger ones are streamed. */
  static final int WHOLE_MAX = 256 * 1024;

  private static final int READ_CHUNK = 256 * 1024;

  private final S3Handler h;
  private final ObjectStore store;

  ObjectOps(S3Handler h) {
    this.h = h;
    this.store = h.store;
  }

  // ---- PUT

  void put(Request req) {
    checkBodyLength(req);
    PutOptions options = putOptions(req).withCondition(writeCondition(req));
    byte[] md5 = PayloadReader.contentMd5(req);
    PayloadReader payload = new PayloadReader(req, null);
    if (payload.expectedLength() > MAX_PUT) {
      throw new S3Exception(
          S3Error.ENTITY_TOO_LARGE,
          "Your proposed upload exceeds the maximum allowed size of 5 GiB; use multipart upload");
    }
    ObjectInfo info;
    try (ObjectWriter w = store.newWriter(req.bucket, req.key, options)) {
      payload.copyTo(w::write);
      info = w.commit(payload.checksumAttributes(), md5);
    }
    HttpHeaders out = new DefaultHttpHeaders();
    out.set("etag", S3Handler.quote(info.etag()));
    if (payload.algorithm() != null) {
      out.set(payload.algorithm().headerName(), payload.checksumBase64());
      out.set(Attrs.CHECKSUM_TYPE, "FULL_OBJECT");
    }
    h.sendEmpty(req, HttpResponseStatus.OK, out);
  }

  /** A PUT with a body needs a length: Content-Length or chunked transfer coding. */
  static void checkBodyLength(Request req) {
    HttpHeaders hd = req.headers();
    if (!hd.contains("content-length")
        && !io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(req.ex.request)) {
      throw new S3Exception(S3Error.MISSING_CONTENT_LENGTH);
    }
  }

  /** Content type, user metadata, stored headers and tags from the request headers. */
  static PutOptions putOptions(Request req) {
    HttpHeaders hd = req.headers();
    Map<String, String> meta = new HashMap<>();
    Map<String, String> attrs = new HashMap<>();
    for (Map.Entry<String, String> e : hd) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-meta-")) {
        String k = name.substring("x-amz-meta-".length());
        meta.merge(k, e.getValue(), (a, b) -> a + "," + b);
      }
    }
    int metaBytes = 0;
    for (Map.Entry<String, String> e : meta.entrySet()) {
      metaBytes +=
          e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (metaBytes > ObjectStore.MAX_USER_METADATA_BYTES) {
      throw new S3Exception(
          S3Error.METADATA_TOO_LARGE,
          "Your metadata headers exceed the maximum allowed metadata size of 2 KB ("
              + metaBytes
              + " bytes)");
    }
    for (String name : Attrs.STORED_HEADERS) {
      String v = hd.get(name);
      if (name.equals("content-encoding") && v != null) {
        v = stripAwsChunked(v);
      }
      if (v != null && !v.isEmpty()) {
        attrs.put(name, v);
      }
    }
    String tagging = hd.get("x-amz-tagging");
    if (tagging != null) {
      attrs.put(Attrs.TAGGING, encodeTags(XmlRequests.taggingHeader(tagging)));
    }
    String type = hd.get("content-type");
    return new PutOptions(type, meta, attrs, WriteCondition.none());
  }

  private static String stripAwsChunked(String encoding) {
    StringBuilder b = new StringBuilder();
    for (String part : encoding.split(",")) {
      String t = part.trim();
      if (!t.isEmpty() && !t.equalsIgnoreCase("aws-chunked")) {
        if (!b.isEmpty()) {
          b.append(',');
        }
        b.append(t);
      }
    }
    return b.toString();
  }

  /** If-None-Match: * (create only) and If-Match: etag on PUT and Complete. */
  static WriteCondition writeCondition(Request req) {
    String ifNoneMatch = req.header("if-none-match");
    String ifMatch = req.header("if-match");
    if (ifNoneMatch != null && ifMatch != null) {
      throw new S3Exception(
          S3Error.NOT_IMPLEMENTED, "If-Match and If-None-Match together are not supported on PUT");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw new S3Exception(
            S3Error.NOT_IMPLEMENTED, "If-None-Match on PUT supports only the value '*'");
      }
      return WriteCondition.ifAbsent();
    }
    if (ifMatch != null) {
      return WriteCondition.ifMatches(unquote(ifMatch.trim()));
    }
    return WriteCondition.none();
  }

  static String unquote(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
      e = e.substring(1, e.length() - 1);
    }
    return e;
  }

  // ---- GET and HEAD

  /**
   * GET and HEAD of an object. On the event loop ({@link Request#cached} set) the same code runs:
   * only {@link #head} and {@link #open} take the object from memory instead of the store, so the
   * response (status, headers, body) is built by one function on both paths. Every path that would
   * call the store otherwise ({@code requireBucket} for Range with partNumber, which the event loop
   * never takes) or fail is left to the normal path by the caller.
   */
  void get(Request req) {
    boolean head = req.method.equals(HttpMethod.HEAD);
    String rangeHeader = req.header("range");
    String partParam = req.param("partNumber");
    if (rangeHeader != null && partParam != null) {
      h.requireBucket(req.bucket);
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          "Cannot specify both Range header and partNumber query parameter");
    }
    if (!head && rangeHeader == null && partParam == null && !conditional(req)) {
      getWhole(req);
      return;
    }
    ObjectInfo info = head(req);
    HttpResponseStatus notModified = preconditions(req, info);
    if (notModified != null) {
      HttpHeaders hd = new DefaultHttpHeaders();
      hd.set("etag", S3Handler.quote(info.etag()));
      hd.set("last-modified", S3Handler.httpDate(info.modified()));
      hd.setInt("content-length", 0);
      if (notModified.code() == 304) {
        req.ex.send(notModified, hd, io.netty.buffer.Unpooled.EMPTY_BUFFER);
        return;
      }
      throw new S3Exception(S3Error.PRECONDITION_FAILED);
    }
    long start = 0;
    long length = info.size();
    boolean partial = false;
    Integer partNumber = null;
    if (partParam != null) {
      partNumber = partNumber(partParam);
      long[] r = partRange(info, partNumber);
      start = r[0];
      length = r[1];
      partial = info.parts() > 0;
    } else if (rangeHeader != null) {
      long[] r = parseRange(rangeHeader, info.size());
      if (r != null) {
        start = r[0];
        length = r[1];
        partial = true;
      }
    }
    HttpHeaders hd = objectHeaders(req, info);
    if (partNumber != null && info.parts() > 0) {
      hd.setInt("x-amz-mp-parts-count", info.parts());
    }
    if (!partial && "ENABLED".equalsIgnoreCase(req.header("x-amz-checksum-mode"))) {
      checksumHeaders(info, hd);
    }
    hd.set("content-length", Long.toString(length));
    HttpResponseStatus status = HttpResponseStatus.OK;
    if (partial) {
      status = HttpResponseStatus.PARTIAL_CONTENT;
      hd.set("content-range", "bytes " + start + "-" + (start + length - 1) + "/" + info.size());
    }
    if (head || length == 0) {
      req.ex.send(status, hd, io.netty.buffer.Unpooled.EMPTY_BUFFER);
      return;
    }
    boolean replaced;
    try (ObjectReader r = open(req, start, length)) {
      replaced = r.info().version() != info.version();
      if (!replaced) {
        send(req, r, status, hd, length);
      }
    }
    if (replaced) {
      get(req); // overwritten between head and open: evaluate again on the new version
    }
  }

  /**
   * A GET of a whole object without conditions: one store call, which finds the bucket and the
   * object once and (for a packed object) reads its record, instead of a bucket look-up, a head and
   * an open that each find them again. The answer is the one {@link #get} gives.
   */
  private void getWhole(Request req) {
    try (ObjectReader r = open(req, 0, -1)) {
      ObjectInfo info = r.info();
      HttpHeaders hd = objectHeaders(req, info);
      if ("ENABLED".equalsIgnoreCase(req.header("x-amz-checksum-mode"))) {
        checksumHeaders(info, hd);
      }
      hd.set(HttpHeaderNames.CONTENT_LENGTH, new AsciiString(Long.toString(info.size())));
      if (info.size() == 0) {
        req.ex.send(HttpResponseStatus.OK, hd, io.netty.buffer.Unpooled.EMPTY_BUFFER);
        return;
      }
      send(req, r, HttpResponseStatus.OK, hd, info.size());
    }
  }

  /** Whether the request carries an If-* header, which needs the object's info before its data. */
  private static boolean conditional(Request req) {
    HttpHeaders hd = req.headers();
    return hd.contains("if-match")
        || hd.contains("if-none-match")
        || hd.contains("if-modified-since")
        || hd.contains("if-unmodified-since");
  }

  /** The object's info; a missing bucket (or one with an invalid name) is NoSuchBucket. */
  private ObjectInfo head(Request req) {
    if (req.cached != null) {
      return req.cached.info();
    }
    try {
      return store.head(req.bucket, req.key);
    } catch (StorageException e) {
      throw noSuchBucket(req, e);
    }
  }

  /** Opens the object's data; a missing bucket (or one with an invalid name) is NoSuchBucket. */
  private ObjectReader open(Request req, long start, long length) {
    if (req.cached != null) {
      return req.cached.open(start, length);
    }
    try {
      return store.get(req.bucket, req.key, start, length);
    } catch (StorageException e) {
      throw noSuchBucket(req, e);
    }
  }

  /**
   * {@code e}, or the NoSuchBucket that {@link S3Handler#requireBucket} answers when {@code e} says
   * the bucket is missing or its name invalid.
   */
  private RuntimeException noSuchBucket(Request req, StorageException e) {
    if (e.status() == StatusCode.NO_SUCH_BUCKET || e.status() == StatusCode.INVALID_BUCKET_NAME) {
      try {
        h.requireBucket(req.bucket);
      } catch (S3Exception missing) {
        return missing;
      }
    }
    return e;
  }

  /**
   * Sends the response with {@code length} bytes from {@code r}: up to {@link #WHOLE_MAX} bytes as
   * one whole response, more as a stream of chunks.
   *
   * <p>The whole response's body is a heap array, not a buffer of the channel's pooled allocator:
   * the pool keeps a cache per thread, and each request's new virtual thread would set one up for a
   * single allocation (that was 10% of a 4 KiB GET's CPU). The event loop copies the body into a
   * pooled direct buffer from its own cache as it writes it, the one copy a direct buffer filled
   * here would also have cost. A packed object's record, already in memory, is sent without another
   * copy ({@link ObjectReader#takeRemaining}).
   */
  private void send(
      Request req, ObjectReader r, HttpResponseStatus status, HttpHeaders hd, long length) {
    if (length > WHOLE_MAX) {
      stream(req, r, status, hd, length);
      return;
    }
    ByteBuffer held = r.takeRemaining();
    if (held != null) {
      if (held.remaining() != length) {
        throw new StorageException(StatusCode.INTERNAL, "object ended early");
      }
      // a packed object's verified record: its body bytes become the response as they are
      req.ex.send(status, hd, io.netty.buffer.Unpooled.wrappedBuffer(held));
      return;
    }
    byte[] body = new byte[(int) length];
    ByteBuffer dst = ByteBuffer.wrap(body);
    while (dst.hasRemaining()) {
      if (r.read(dst) < 0) {
        throw new StorageException(StatusCode.INTERNAL, "object ended early");
      }
    }
    req.ex.send(status, hd, io.netty.buffer.Unpooled.wrappedBuffer(body));
  }

  private void stream(
      Request req, ObjectReader r, HttpResponseStatus status, HttpHeaders hd, long length) {
    req.ex.sendHead(status, hd);
    // Without TLS, whole blocks verified in their shard files go out with sendfile: no copy through
    // a buffer of ours. A block the reader cannot give so (missing, corrupt, partial) is read.
    boolean spans = h.config.tlsCertificate() == null;
    long left = length;
    while (left > 0) {
      io.aquifer.storage.FileSpan span = spans ? r.nextSpan() : null;
      if (span != null) {
        left -= span.length();
        req.ex.sendRegion(
            new io.netty.channel.DefaultFileRegion(span.channel(), span.position(), span.length()));
        continue;
      }
      ByteBuf buf = req.ex.channel.alloc().directBuffer((int) Math.min(READ_CHUNK, left));
      try {
        ByteBuffer dst = buf.nioBuffer(0, buf.capacity());
        int n = r.read(dst);
        if (n < 0) {
          throw new StorageException(StatusCode.INTERNAL, "object ended early");
        }
        buf.writerIndex(n);
        left -= n;
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
      req.ex.sendContent(buf);
    }
    req.ex.sendEnd();
  }

  private static final AsciiString BYTES = AsciiString.cached("bytes");
  private static final AsciiString STANDARD = AsciiString.cached("STANDARD");
  private static final AsciiString STORAGE_CLASS = AsciiString.cached("x-amz-storage-class");
  private static final String[][] OVERRIDES = {
    {"response-content-type", "content-type"},
    {"response-content-language", "content-language"},
    {"response-expires", "expires"},
    {"response-cache-control", "cache-control"},
    {"response-content-disposition", "content-disposition"},
    {"response-content-encoding", "content-encoding"}
  };

  /**
   * Headers describing a stored object, with response-* overrides applied. The names and values
   * that are ASCII go in as {@link AsciiString}s (hashed once, copied by the encoder as bytes);
   * others stay Strings, which the encoder writes as it always did.
   */
  HttpHeaders objectHeaders(Request req, ObjectInfo info) {
    HttpHeaders hd = new DefaultHttpHeaders();
    hd.set(HttpHeaderNames.ETAG, ascii("\"" + info.etag() + "\""));
    hd.set(HttpHeaderNames.LAST_MODIFIED, new AsciiString(S3Handler.httpDate(info.modified())));
    hd.set(HttpHeaderNames.ACCEPT_RANGES, BYTES);
    hd.set(HttpHeaderNames.CONTENT_TYPE, ascii(info.contentType()));
    if (!info.attributes().isEmpty()) {
      for (String name : Attrs.STORED_HEADERS) {
        String v = info.attributes().get(name);
        if (v != null) {
          hd.set(name, v);
        }
      }
    }
    for (Map.Entry<String, String> e : info.userMetadata().entrySet()) {
      hd.set("x-amz-meta-" + e.getKey(), e.getValue());
    }
    String tags = info.attributes().get(Attrs.TAGGING);
    if (tags != null && !tags.isEmpty()) {
      hd.setInt("x-amz-tagging-count", decodeTags(tags).size());
    }
    hd.set(STORAGE_CLASS, STANDARD);
    if (req.hasParams()) {
      for (String[] o : OVERRIDES) {
        String v = req.param(o[0]);
        if (v != null) {
          hd.set(o[1], v);
        }
      }
    }
    return hd;
  }

  /** {@code s} as an {@link AsciiString} when every char is ASCII, else {@code s} itself. */
  static CharSequence ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return s;
      }
    }
    return new AsciiString(s);
  }

  static void checksumHeaders(ObjectInfo info, HttpHeaders hd) {
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String v = info.attributes().get(a.headerName());
      if (v != null) {
        hd.set(a.headerName(), v);
        String type = info.attributes().get(Attrs.CHECKSUM_TYPE);
        hd.set(Attrs.CHECKSUM_TYPE, type == null ? "FULL_OBJECT" : type);
      }
    }
  }

  /**
   * Evaluates If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since as S3 does: null
   * to proceed, 304 for not modified, 412 for a failed precondition.
   */
  static HttpResponseStatus preconditions(Request req, ObjectInfo info) {
    return preconditions(
        req.header("if-match"),
        req.header("if-none-match"),
        req.header("if-modified-since"),
        req.header("if-unmodified-since"),
        info,
        true);
  }

  static HttpResponseStatus preconditions(
      String ifMatch,
      String ifNoneMatch,
      String ifModifiedSince,
      String ifUnmodifiedSince,
      ObjectInfo info,
      boolean allowNotModified) {
    long modifiedSecond = info.modified().getEpochSecond();
    if (ifMatch != null) {
      if (!etagMatches(ifMatch, info.etag())) {
        return HttpResponseStatus.PRECONDITION_FAILED;
      }
    } else if (ifUnmodifiedSince != null) {
      Instant t = parseDate(ifUnmodifiedSince);
      if (t != null && modifiedSecond > t.getEpochSecond()) {
        return HttpResponseStatus.PRECONDITION_FAILED;
      }
    }
    HttpResponseStatus notModified =
        allowNotModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.PRECONDITION_FAILED;
    if (ifNoneMatch != null) {
      if (etagMatches(ifNoneMatch, info.etag())) {
        return notModified;
      }
    } else if (ifModifiedSince != null) {
      Instant t = parseDate(ifModifiedSince);
      if (t != null && modifiedSecond <= t.getEpochSecond()) {
        return notModified;
      }
    }
    return null;
  }

  private static boolean etagMatches(String header, String etag) {
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.equals("*") || unquote(p).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** An HTTP date, or null when it cannot be parsed (the condition is then ignored, as in S3). */
  static Instant parseDate(String v) {
    try {
      return ZonedDateTime.parse(v.trim(), Exchange.HTTP_DATE).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(v.trim());
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  static int partNumber(String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= ObjectStore.MAX_PARTS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new S3Exception(
        S3Error.INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
  }

  /** {start, length} of part {@code n} of the object. */
  static long[] partRange(ObjectInfo info, int n) {
    if (info.parts() == 0) {
      if (n == 1) {
        return new long[] {0, info.size()};
      }
      throw new S3Exception(
          S3Error.INVALID_PART_NUMBER, "The requested partnumber is not satisfiable");
    }
    String sizes = info.attributes().get(Attrs.PART_SIZES);
    if (sizes == null || n > info.parts()) {
      throw new S3Exception(
          S3Error.INVALID_PART_NUMBER, "The requested partnumber is not satisfiable");
    }
    long start = 0;
    String[] s = sizes.split(",");
    for (int i = 0; i < n - 1; i++) {
      start += Long.parseLong(s[i]);
    }
    return new long[] {start, Long.parseLong(s[n - 1])};
  }

  /**
   * {start, length} of a single byte range over an object of {@code size} bytes, or null when the
   * header is not a single valid range (then the whole object is served, as HTTP allows).
   *
   * @throws S3Exception InvalidRange when the range does not overlap the object
   */
  static long[] parseRange(String header, long size) {
    String v = header.trim();
    if (!v.startsWith("bytes=") || v.indexOf(',') >= 0) {
      return null;
    }
    String spec = v.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return null;
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || size == 0) {
          throw new S3Handler.RangeException(size);
        }
        long len = Math.min(suffix, size);
        return new long[] {size - len, len};
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
      if (first < 0 || last < first) {
        return null;
      }
      if (first >= size) {
        throw new S3Handler.RangeException(size);
      }
      last = Math.min(last, size - 1);
      return new long[] {first, last - first + 1};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---- COPY

  /** The source bucket and key of x-amz-copy-source. */
  record Source(String bucket, String key) {}

  static Source copySource(Request req) {
    String raw = req.header("x-amz-copy-source");
    String v = raw.trim();
    int q = v.indexOf("?versionId=");
    if (q >= 0) {
      String version = v.substring(q + "?versionId=".length());
      v = v.substring(0, q);
      if (!version.equals("null")) {
        throw new S3Exception(
            S3Error.NOT_IMPLEMENTED, "versioning is not implemented; versionId must be absent");
      }
    }
    String decoded = Request.decode(v, false);
    if (decoded.startsWith("/")) {
      decoded = decoded.substring(1);
    }
    int slash = decoded.indexOf('/');
    if (slash <= 0 || slash == decoded.length() - 1) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT, "Copy Source must mention the source bucket and key: " + raw);
    }
    return new Source(decoded.substring(0, slash), decoded.substring(slash + 1));
  }

  /** Checks x-amz-copy-source-if-* against the source; a failure is PreconditionFailed. */
  static void copyPreconditions(Request req, ObjectInfo src) {
    HttpResponseStatus s =
        preconditions(
            req.header("x-amz-copy-source-if-match"),
            req.header("x-amz-copy-source-if-none-match"),
            req.header("x-amz-copy-source-if-modified-since"),
            req.header("x-amz-copy-source-if-unmodified-since"),
            src,
            false);
    if (s != null) {
      throw new S3Exception(S3Error.PRECONDITION_FAILED);
    }
  }

  void copy(Request req) {
    Source src = copySource(req);
    h.checkAccess(req, src.bucket());
    h.requireBucket(req.bucket);
    ObjectInfo info = store.head(src.bucket(), src.key());
    copyPreconditions(req, info);
    String directive = directive(req, "x-amz-metadata-directive");
    String tagDirective = directive(req, "x-amz-tagging-directive");
    boolean self = src.bucket().equals(req.bucket) && src.key().equals(req.key);
    if (self && directive.equals("COPY") && tagDirective.equals("COPY")) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          "This copy request is illegal because it is trying to copy an object to itself without"
              + " changing the object's metadata, storage class, website redirect location or"
              + " encryption attributes.");
    }
    PutOptions options;
    if (directive.equals("REPLACE")) {
      options = putOptions(req);
    } else {
      Map<String, String> attrs = new HashMap<>(info.attributes());
      attrs.remove(Attrs.TAGGING);
      options = new PutOptions(info.contentType(), info.userMetadata(), attrs, null);
    }
    Map<String, String> attrs = new HashMap<>(options.attributes());
    attrs.remove(Attrs.PART_SIZES);
    if ("COMPOSITE".equals(attrs.get(Attrs.CHECKSUM_TYPE))) {
      for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
        attrs.remove(a.headerName()); // a composite checksum describes parts the copy has not
      }
      attrs.remove(Attrs.CHECKSUM_TYPE);
    }
    attrs.remove(Attrs.TAGGING);
    if (tagDirective.equals("COPY")) {
      String tags = info.attributes().get(Attrs.TAGGING);
      if (tags != null) {
        attrs.put(Attrs.TAGGING, tags);
      }
    } else {
      String tagging = req.header("x-amz-tagging");
      if (tagging != null) {
        attrs.put(Attrs.TAGGING, encodeTags(XmlRequests.taggingHeader(tagging)));
      }
    }
    options = options.withAttributes(attrs).withCondition(writeCondition(req));
    ObjectInfo out = store.copy(src.bucket(), src.key(), req.bucket, req.key, options);
    XmlWriter x = XmlWriter.document("CopyObjectResult");
    x.element("LastModified", S3Handler.ISO.format(out.modified()))
        .element("ETag", S3Handler.quote(out.etag()));
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String v = out.attributes().get(a.headerName());
      if (v != null) {
        x.element(a.xmlName(), v);
      }
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  private static String directive(Request req, String header) {
    String d = req.header(header);
    if (d == null) {
      return "COPY";
    }
    String v = d.trim().toUpperCase(Locale.ROOT);
    if (!v.equals("COPY") && !v.equals("REPLACE")) {
      throw new S3Exception(S3Error.INVALID_ARGUMENT, "Unknown " + header + ": " + d);
    }
    return v;
  }

  // ---- DeleteObjects

  void deleteObjects(Request req) {
    h.requireBucket(req.bucket);
    byte[] md5 = PayloadReader.contentMd5(req);
    ChecksumAlgorithm alg = null;
    String want = null;
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String v = req.header(a.headerName());
      if (v != null) {
        alg = a;
        want = v.trim();
      }
    }
    if (md5 == null && alg == null) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          "Missing required header for this request: Content-MD5 or x-amz-checksum-*");
    }
    byte[] body = readBody(req, 2 << 20);
    if (md5 != null && !MessageDigest.isEqual(md5(body), md5)) {
      throw new S3Exception(S3Error.BAD_DIGEST, "The Content-MD5 you specified did not match.");
    }
    if (alg != null) {
      Checksum c = alg.newChecksum();
      c.update(body, 0, body.length);
      if (!Base64.getEncoder().encodeToString(c.digest()).equals(want)) {
        throw new S3Exception(
            S3Error.BAD_DIGEST, "The " + alg.name() + " you specified did not match.");
      }
    }
    XmlRequests.DeleteXml d = XmlRequests.delete(body);
    XmlWriter x = XmlWriter.document("DeleteResult");
    for (String key : d.keys()) {
      try {
        if (key.getBytes(StandardCharsets.UTF_8).length > ObjectStore.MAX_KEY_BYTES) {
          throw new S3Exception(S3Error.KEY_TOO_LONG, "Your key is too long");
        }
        store.delete(req.bucket, key);
        if (!d.quiet()) {
          x.start("Deleted").element("Key", key).end();
        }
      } catch (S3Exception e) {
        deleteError(x, key, e.error(), e.getMessage());
      } catch (StorageException e) {
        S3Exception s = ErrorResponses.of(e);
        deleteError(x, key, s.error(), s.getMessage());
      }
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  private static void deleteError(XmlWriter x, String key, S3Error error, String message) {
    x.start("Error")
        .element("Key", key)
        .element("Code", error.code())
        .element("Message", message)
        .end();
  }

  static byte[] readBody(Request req, int limit) {
    ByteBuf b = req.ex.readSmallBody(limit, S3Error.MALFORMED_XML);
    try {
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }

  static byte[] md5(byte[] b) {
    try {
      return MessageDigest.getInstance("MD5").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- tagging

  void getTagging(Request req) {
    h.requireBucket(req.bucket);
    ObjectInfo info = store.head(req.bucket, req.key);
    String tags = info.attributes().get(Attrs.TAGGING);
    XmlWriter x = XmlWriter.document("Tagging").start("TagSet");
    for (XmlRequests.Tag t : tags == null ? List.<XmlRequests.Tag>of() : decodeTags(tags)) {
      x.start("Tag").element("Key", t.key()).element("Value", t.value()).end();
    }
    x.end();
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  void putTagging(Request req) {
    h.requireBucket(req.bucket);
    byte[] body = readBody(req, 1 << 20);
    List<XmlRequests.Tag> tags = XmlRequests.tagging(body);
    store.updateAttributes(req.bucket, req.key, Map.of(Attrs.TAGGING, encodeTags(tags)), Set.of());
    h.sendEmpty(req, HttpResponseStatus.OK, null);
  }

  void deleteTagging(Request req) {
    h.requireBucket(req.bucket);
    store.updateAttributes(req.bucket, req.key, Map.of(), Set.of(Attrs.TAGGING));
    h.sendEmpty(req, HttpResponseStatus.NO_CONTENT, null);
  }

  static String encodeTags(List<XmlRequests.Tag> tags) {
    StringBuilder b = new StringBuilder();
    for (XmlRequests.Tag t : tags) {
      if (!b.isEmpty()) {
        b.append('&');
      }
      b.append(URLEncoder.encode(t.key(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(t.value(), StandardCharsets.UTF_8));
    }
    return b.toString();
  }

  static List<XmlRequests.Tag> decodeTags(String s) {
    List<XmlRequests.Tag> out = new java.util.ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    for (String kv : s.split("&")) {
      int eq = kv.indexOf('=');
      out.add(
          new XmlRequests.Tag(
              URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8)));
    }
    return out;
  }
}
