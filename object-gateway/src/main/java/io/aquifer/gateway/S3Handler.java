package io.aquifer.gateway;

import io.aquifer.gateway.auth.SigV4Verifier;
import io.aquifer.gateway.auth.UserDirectory;
import io.aquifer.gateway.xml.XmlWriter;
import io.aquifer.storage.BucketInfo;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.StorageException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * Routes an authenticated request to its S3 operation and turns every failure into the S3 XML
 * error. Runs on the request's virtual thread.
 */
final class S3Handler {
  private static final System.Logger LOG = System.getLogger(S3Handler.class.getName());

  /** Sub-resources S3 defines that this gateway does not implement: they answer NotImplemented. */
  static final Set<String> UNSUPPORTED =
      Set.of(
          "acl",
          "policy",
          "policyStatus",
          "cors",
          "lifecycle",
          "versioning",
          "versions",
          "website",
          "logging",
          "notification",
          "replication",
          "encryption",
          "requestPayment",
          "accelerate",
          "analytics",
          "inventory",
          "metrics",
          "intelligent-tiering",
          "object-lock",
          "ownershipControls",
          "publicAccessBlock",
          "retention",
          "legal-hold",
          "torrent",
          "restore",
          "select",
          "attributes",
          "session",
          "renameObject",
          "metadataTable");

  static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  final ObjectStore store;
  final SigV4Verifier verifier;
  final UserDirectory users;
  final GatewayConfig config;
  final Clock clock;
  private final ObjectOps objects;
  private final MultipartOps multipart;
  private final GatewayMetrics metrics;

  S3Handler(
      ObjectStore store,
      SigV4Verifier verifier,
      UserDirectory users,
      GatewayConfig config,
      Clock clock,
      GatewayMetrics metrics) {
    this.users = users;
    this.metrics = metrics;
    this.store = store;
    this.verifier = verifier;
    this.config = config;
    this.clock = clock;
    this.objects = new ObjectOps(this);
    this.multipart = new MultipartOps(this);
  }

  void handle(Exchange ex) {
    Request req = null;
    try {
      req = Request.parse(ex, config.virtualHostDomains());
      S3Op op = S3Op.of(req);
      ex.op = op;
      req.principal = verifier.verify(ex.method().name(), req.rawPath, req.rawQuery, ex.headers());
      if (req.principal.anonymous()) {
        throw new S3Exception(S3Error.ACCESS_DENIED, "anonymous access is not allowed");
      }
      ex.authenticated = true;
      req.user = users.userOf(req.principal.accessKey());
      ex.user = req.user;
      req.admin = users.isAdmin(req.user);
      if (req.bucket != null && op != S3Op.CREATE_BUCKET) {
        checkAccess(req, req.bucket);
      }
      route(req, op);
    } catch (S3Exception e) {
      fail(ex, req, e);
    } catch (StorageException e) {
      fail(ex, req, ErrorResponses.of(e));
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "request " + ex.requestId + " failed", e);
      fail(ex, req, new S3Exception(S3Error.INTERNAL_ERROR, S3Error.INTERNAL_ERROR.message(), e));
    }
  }

  /**
   * Query parameters a GET or HEAD answered on the event loop may carry: the response-* overrides,
   * the SDK's {@code x-id}, and presigned-URL authentication. Any other (partNumber, versionId,
   * uploadId, tagging, sub-resources...) leaves the request to the normal path.
   */
  private static final Set<String> EVENT_LOOP_PARAMS =
      Set.of(
          "response-content-type",
          "response-content-language",
          "response-expires",
          "response-cache-control",
          "response-content-disposition",
          "response-content-encoding",
          "x-id",
          "X-Amz-Algorithm",
          "X-Amz-Credential",
          "X-Amz-Date",
          "X-Amz-Expires",
          "X-Amz-SignedHeaders",
          "X-Amz-Signature",
          "X-Amz-Security-Token");

  /**
   * Answers a GET or HEAD of an object whose data is in the store's small-object cache, on the
   * calling thread (the connection's event loop), or returns false having changed nothing the
   * normal path would see, so the caller hands the exchange to {@link #handle} instead, with the
   * same result. Called only for a whole request without a body, with nothing else in flight on the
   * connection.
   *
   * <p>Non-blocking: parsing, {@link SigV4Verifier#verify} (its {@link
   * io.aquifer.gateway.auth.CredentialStore} must not block, as documented there), the {@link
   * UserDirectory} look-ups (which must not block either), {@link ObjectStore#tryGetCached} (memory
   * only) and {@link ObjectOps#get} over the cached object, which leaves the response pending
   * ({@link Exchange#send} waits only while the channel is not writable, which is checked first).
   * Anything else falls back: another operation or query parameter, a miss, a bucket the user does
   * not own, an unwritable channel, and every error (a bad signature, a failed precondition's 412,
   * an unsatisfiable range's 416) is answered by the normal path. A 304 Not Modified is an ordinary
   * response of {@link ObjectOps#get} and is answered here.
   */
  boolean tryOnEventLoop(Exchange ex) {
    try {
      Request req = Request.parse(ex, config.virtualHostDomains());
      S3Op op = S3Op.of(req);
      if ((op != S3Op.GET_OBJECT && op != S3Op.HEAD_OBJECT)
          || req.bucket == null
          || req.key == null
          || !EVENT_LOOP_PARAMS.containsAll(req.query.keySet())
          || !ex.channel.isWritable()) {
        return false;
      }
      io.aquifer.storage.CachedObject cached = store.tryGetCached(req.bucket, req.key);
      if (cached == null || cached.info().size() > ObjectOps.WHOLE_MAX) {
        // a larger object (packed objects may be configured up to 16 MiB) would be streamed, and
        // streaming waits for the channel's writability, which only this event loop can change
        return false;
      }
      io.aquifer.gateway.auth.Principal principal =
          verifier.verify(ex.method().name(), req.rawPath, req.rawQuery, ex.headers());
      if (principal.anonymous()) {
        return false;
      }
      req.principal = principal;
      req.user = users.userOf(principal.accessKey());
      req.admin = users.isAdmin(req.user);
      if (!req.admin && !owns(req, cached.bucket())) {
        return false;
      }
      req.cached = cached;
      objects.get(req);
      if (!ex.responseStarted()) {
        return false; // not expected: get always answers or throws
      }
      ex.op = op;
      ex.authenticated = true;
      ex.user = req.user;
      return true;
    } catch (RuntimeException e) {
      if (ex.responseStarted()) {
        throw e; // cannot happen: a response is the last thing get does
      }
      return false;
    }
  }

  private void fail(Exchange ex, Request req, S3Exception e) {
    metrics.error(e.error());
    if (!ex.authenticated) {
      metrics.malformed(e.error()); // rejected before an operation ran
      LOG.log(
          System.Logger.Level.INFO,
          "request "
              + ex.requestId
              + " from "
              + ex.channel.remoteAddress()
              + " rejected: "
              + e.error().code()
              + ": "
              + e.getMessage());
    } else if (e.error().status() >= 500) {
      LOG.log(
          System.Logger.Level.WARNING,
          "request " + ex.requestId + ": " + e.error().code() + ": " + e.getMessage(),
          e.getCause());
    }
    if (ex.responseStarted()) {
      ex.closeAfterResponse();
      if (!ex.responseEnded()) {
        ex.channel.close(); // mid-body: the only honest signal left is closing the connection
      }
      // a whole response is still written (it is pending until the handler returns), then the
      // connection closes
      return;
    }
    ex.noteStatus(e.error().status()); // the status counts even if the client is gone
    ex.settleUnreadBody();
    if (!ex.channel.isActive()) {
      return;
    }
    byte[] xml =
        ErrorResponses.xml(
            e.error(),
            e.getMessage(),
            req == null ? ex.request.uri() : req.resource(),
            ex.requestId);
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("content-type", "application/xml");
    if (e.error() == S3Error.INVALID_RANGE && e instanceof RangeException r) {
      h.set("content-range", "bytes */" + r.size);
    }
    ex.send(HttpResponseStatus.valueOf(e.error().status()), h, Unpooled.wrappedBuffer(xml));
  }

  /** InvalidRange with the object size, for the Content-Range of the 416 response. */
  static final class RangeException extends S3Exception {
    private static final long serialVersionUID = 1L;
    final long size;

    RangeException(long size) {
      super(S3Error.INVALID_RANGE, "The requested range is not satisfiable");
      this.size = size;
    }
  }

  private void route(Request req, S3Op op) {
    if (req.key != null
        && req.key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            > ObjectStore.MAX_KEY_BYTES) {
      throw new S3Exception(S3Error.KEY_TOO_LONG, "Your key is too long");
    }
    if (req.key != null
        && req.key.startsWith(ObjectStore.STAGED_KEY_PREFIX)
        && (op == S3Op.PUT_OBJECT
            || op == S3Op.COPY_OBJECT
            || op == S3Op.CREATE_MULTIPART_UPLOAD)) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT,
          "keys starting with "
              + ObjectStore.STAGED_KEY_PREFIX
              + " are reserved for the file service's staged writes");
    }
    switch (op) {
      case LIST_BUCKETS -> listBuckets(req);
      case CREATE_BUCKET -> createBucket(req);
      case HEAD_BUCKET -> {
        requireBucket(req.bucket);
        sendEmpty(req, HttpResponseStatus.OK, regionHeader());
      }
      case DELETE_BUCKET -> {
        store.deleteBucket(req.bucket);
        sendEmpty(req, HttpResponseStatus.NO_CONTENT, null);
      }
      case GET_BUCKET_LOCATION -> location(req);
      case LIST_OBJECTS, LIST_OBJECTS_V2 -> Listing.list(this, req);
      case PUT_OBJECT -> objects.put(req);
      case GET_OBJECT, HEAD_OBJECT -> objects.get(req);
      case DELETE_OBJECT -> {
        requireBucket(req.bucket);
        store.delete(req.bucket, req.key);
        sendEmpty(req, HttpResponseStatus.NO_CONTENT, null);
      }
      case DELETE_OBJECTS -> objects.deleteObjects(req);
      case COPY_OBJECT -> objects.copy(req);
      case CREATE_MULTIPART_UPLOAD -> multipart.create(req);
      case UPLOAD_PART, UPLOAD_PART_COPY -> multipart.uploadPart(req);
      case COMPLETE_MULTIPART_UPLOAD -> multipart.complete(req);
      case ABORT_MULTIPART_UPLOAD -> multipart.abort(req);
      case LIST_PARTS -> multipart.listParts(req);
      case LIST_MULTIPART_UPLOADS -> multipart.listUploads(req);
      case GET_OBJECT_TAGGING -> objects.getTagging(req);
      case PUT_OBJECT_TAGGING -> objects.putTagging(req);
      case DELETE_OBJECT_TAGGING -> objects.deleteTagging(req);
      case UNKNOWN -> throw unknown(req);
    }
  }

  /** Why a request names no operation: an unimplemented sub-resource, or a method not allowed. */
  private static S3Exception unknown(Request req) {
    for (String p : req.query.keySet()) {
      if (UNSUPPORTED.contains(p)) {
        return new S3Exception(
            S3Error.NOT_IMPLEMENTED, "the '" + p + "' sub-resource is not implemented");
      }
    }
    HttpMethod m = req.method;
    if (req.bucket != null && req.key == null) {
      if (m.equals(HttpMethod.GET) && req.has("tagging")) {
        return new S3Exception(S3Error.NOT_IMPLEMENTED, "bucket tagging is not implemented");
      }
      if (m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE)) {
        return new S3Exception(
            S3Error.NOT_IMPLEMENTED, "this bucket sub-resource is not implemented");
      }
    }
    return methodNotAllowed(req);
  }

  static S3Exception methodNotAllowed(Request req) {
    return new S3Exception(
        S3Error.METHOD_NOT_ALLOWED,
        "The specified method " + req.method + " is not allowed against this resource.");
  }

  BucketInfo requireBucket(String bucket) {
    return store
        .headBucket(bucket)
        .orElseThrow(
            () ->
                new S3Exception(
                    S3Error.NO_SUCH_BUCKET, "The specified bucket does not exist: " + bucket));
  }

  private HttpHeaders regionHeader() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("x-amz-bucket-region", config.region());
    return h;
  }

  // ---- bucket operations

  private void listBuckets(Request req) {
    XmlWriter x = XmlWriter.document("ListAllMyBucketsResult");
    owner(x, req);
    x.start("Buckets");
    for (BucketInfo b : store.listBuckets()) {
      if (!req.admin && !owns(req, b)) {
        continue;
      }
      x.start("Bucket")
          .element("Name", b.name())
          .element("CreationDate", ISO.format(b.created()))
          .element("BucketRegion", config.region())
          .end();
    }
    x.end();
    sendXml(req, HttpResponseStatus.OK, x, null);
  }

  /** Whether the request's user owns {@code b}; buckets without an owner belong to admins. */
  static boolean owns(Request req, BucketInfo b) {
    return b.owner().isEmpty() ? req.admin : b.owner().equals(req.user);
  }

  /**
   * Refuses a request on another user's bucket with AccessDenied. A missing bucket passes: the
   * operation then answers NoSuchBucket, as S3 does.
   */
  void checkAccess(Request req, String bucket) {
    if (req.admin) {
      return;
    }
    BucketInfo b = store.headBucket(bucket).orElse(null);
    if (b != null && !owns(req, b)) {
      throw new S3Exception(S3Error.ACCESS_DENIED, "Access Denied");
    }
  }

  void owner(XmlWriter x, Request req) {
    person(x, "Owner", req);
  }

  /** An Owner or Initiator element naming the request's principal. */
  void person(XmlWriter x, String element, Request req) {
    x.start(element).element("ID", req.user).element("DisplayName", req.user).end();
  }

  private void createBucket(Request req) {
    String location =
        io.aquifer.gateway.xml.XmlRequests.createBucketLocation(ObjectOps.readBody(req, 1 << 20));
    if (location != null
        && !location.isEmpty()
        && !location.equals(config.region())
        && !(location.equals("US") && config.region().equals("us-east-1"))) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT, // S3 says InvalidLocationConstraint; clients only show the text
          "The specified location-constraint '"
              + location
              + "' is not valid; this endpoint serves region "
              + config.region());
    }
    try {
      store.createBucket(req.bucket, req.user);
    } catch (StorageException e) {
      if (e.status() != io.aquifer.storage.StatusCode.BUCKET_ALREADY_EXISTS) {
        throw e;
      }
      boolean mine = store.headBucket(req.bucket).map(b -> owns(req, b)).orElse(false);
      throw new S3Exception(
          mine ? S3Error.BUCKET_ALREADY_OWNED_BY_YOU : S3Error.BUCKET_ALREADY_EXISTS,
          mine
              ? "Your previous request to create the named bucket succeeded and you already own it."
              : "The requested bucket name is not available. Please select a different name.");
    }
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("location", "/" + req.bucket);
    sendEmpty(req, HttpResponseStatus.OK, h);
  }

  private void location(Request req) {
    requireBucket(req.bucket);
    // us-east-1 is reported as an empty constraint, as S3 does
    String region = config.region().equals("us-east-1") ? "" : config.region();
    byte[] doc =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint"
                + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + region
                + "</LocationConstraint>")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("content-type", "application/xml");
    req.ex.send(HttpResponseStatus.OK, h, Unpooled.wrappedBuffer(doc));
  }

  // ---- responses

  void sendXml(Request req, HttpResponseStatus status, XmlWriter x, HttpHeaders extra) {
    HttpHeaders h = extra == null ? new DefaultHttpHeaders() : extra;
    h.set("content-type", "application/xml");
    req.ex.send(status, h, Unpooled.wrappedBuffer(x.toBytes()));
  }

  void sendEmpty(Request req, HttpResponseStatus status, HttpHeaders extra) {
    HttpHeaders h = extra == null ? new DefaultHttpHeaders() : extra;
    req.ex.send(status, h, Unpooled.EMPTY_BUFFER);
  }

  static String quote(String etag) {
    return "\"" + etag + "\"";
  }

  static String httpDate(Instant t) {
    return HttpDates.format(t);
  }
}
