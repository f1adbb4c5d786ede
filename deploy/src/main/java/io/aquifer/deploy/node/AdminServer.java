package io.aquifer.deploy.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aquifer.deploy.config.HostPort;
import io.aquifer.storage.BucketInfo;
import io.aquifer.storage.BucketQuota;
import io.aquifer.storage.BucketUsage;
import io.aquifer.storage.DriveStatus;
import io.aquifer.storage.HealReport;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;
import io.aquifer.storage.StoreStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin endpoint: {@code GET /metrics} (Prometheus text), {@code GET /health/live}, {@code GET
 * /health/ready} (503 until the node serves, and while it stops), and the admin API under {@code
 * /admin/v1/}, which only the root user may call ({@link AdminAuth}). Runs on the JDK's HTTP server
 * with a virtual thread per request: admin traffic is small and must not share the S3 event loops.
 */
final class AdminServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 64 * 1024;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Node node;
  private final Clock clock;

  private AdminServer(HttpServer server, ExecutorService executor, Node node, Clock clock) {
    this.server = server;
    this.executor = executor;
    this.node = node;
    this.clock = clock;
  }

  static AdminServer start(HostPort listen, Node node, Clock clock) throws IOException {
    HttpServer s;
    try {
      s = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 128);
    } catch (IOException e) {
      throw new IOException("cannot listen on admin address " + listen + ": " + e.getMessage(), e);
    }
    ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
    s.setExecutor(ex);
    AdminServer a = new AdminServer(s, ex, node, clock);
    s.createContext("/", a::handle);
    s.start();
    LOG.log(System.Logger.Level.INFO, "admin endpoint listening on " + Node.hostPort(a.address()));
    return a;
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(1);
    executor.close();
  }

  /** A failed admin call: HTTP status, a stable code and a message. */
  static final class AdminError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    AdminError(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String method = ex.getRequestMethod();
      try {
        byte[] body = readBody(ex);
        if (path.equals("/metrics") && method.equals("GET")) {
          send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", node.metrics().scrape());
        } else if (path.equals("/health/live") && method.equals("GET")) {
          sendJson(ex, 200, JSON.createObjectNode().put("status", "live"));
        } else if (path.equals("/health/ready") && method.equals("GET")) {
          ready(ex);
        } else if (path.startsWith("/admin/v1/")) {
          authenticate(ex, body);
          sendJson(ex, 200, api(method, path.substring("/admin/v1".length()), query(ex), body));
        } else {
          throw new AdminError(404, "NotFound", "no such admin resource: " + method + " " + path);
        }
      } catch (AdminError e) {
        error(ex, e.status, e.code, e.getMessage());
      } catch (UserStore.NoSuchUserException e) {
        error(ex, 404, "NoSuchUser", e.getMessage());
      } catch (IllegalArgumentException e) {
        error(ex, 400, "InvalidArgument", e.getMessage());
      } catch (StorageException e) {
        boolean missing = e.status() == StatusCode.NO_SUCH_BUCKET;
        error(
            ex, missing ? 404 : 500, missing ? "NoSuchBucket" : e.status().name(), e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "admin request " + method + " " + path + " failed", e);
        error(ex, 500, "InternalError", String.valueOf(e.getMessage()));
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "admin connection failed: " + e);
    }
  }

  private void ready(HttpExchange ex) throws IOException {
    ObjectNode j = JSON.createObjectNode();
    boolean ready = node.ready();
    j.put("ready", ready);
    if (node.store() != null) {
      j.put("drivesOnline", node.drivesOnline());
      j.put("drivesNeeded", node.store().stats().dataShards());
    }
    sendJson(ex, ready ? 200 : 503, j);
  }

  private void authenticate(HttpExchange ex, byte[] body) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String date = ex.getRequestHeaders().getFirst(AdminAuth.DATE_HEADER);
    String ak = AdminAuth.accessKeyOf(auth);
    if (auth == null || date == null) {
      throw new AdminError(401, "MissingAuthentication", "the admin API needs root credentials");
    }
    if (ak == null) {
      throw new AdminError(401, "MalformedAuthorization", "the Authorization header is malformed");
    }
    User u =
        node.users()
            .byAccessKey(ak)
            .orElseThrow(
                () -> new AdminError(403, "InvalidAccessKeyId", "unknown access key " + ak));
    String raw = ex.getRequestURI().getRawPath();
    String q = ex.getRequestURI().getRawQuery();
    AdminAuth.Refusal r =
        AdminAuth.check(
            auth,
            date,
            u.secretKey(),
            ex.getRequestMethod(),
            q == null ? raw : raw + "?" + q,
            body,
            clock.instant());
    if (r == AdminAuth.Refusal.SKEWED) {
      throw new AdminError(
          403, "RequestTimeTooSkewed", "the request time is more than 15 minutes off the node's");
    }
    if (r != null) {
      throw new AdminError(403, "SignatureDoesNotMatch", "the request signature does not match");
    }
    if (!u.root()) {
      throw new AdminError(403, "AccessDenied", "only the root user may use the admin API");
    }
  }

  private JsonNode api(String method, String path, Map<String, String> query, byte[] body)
      throws IOException {
    ObjectStore store = node.store();
    String[] p = path.substring(1).split("/", -1);
    for (int i = 0; i < p.length; i++) {
      p[i] = URLDecoder.decode(p[i], StandardCharsets.UTF_8);
    }
    String route = method + " " + p[0] + (p.length > 2 ? " " + p[2] : "");
    return switch (route) {
      case "GET info" -> info(store);
      case "GET drives" -> drives(store);
      case "POST heal" -> heal(store, query.get("bucket"), query.get("prefix"));
      case "GET scrub" -> scrub(store);
      case "GET users" -> {
        ArrayNode a = JSON.createArrayNode();
        node.users().list().forEach(u -> a.add(user(u, false)));
        yield a;
      }
      case "POST users" -> {
        JsonNode req =
            JSON.readTree(body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body);
        User u =
            node.users().add(text(req, "name"), text(req, "accessKey"), text(req, "secretKey"));
        yield user(u, true);
      }
      case "DELETE users" -> {
        node.users().remove(arg(p, 1));
        yield JSON.createObjectNode().put("removed", p[1]);
      }
      case "POST users rotate" -> user(node.users().rotate(arg(p, 1)), true);
      case "GET buckets quota" -> quota(store, arg(p, 1));
      case "PUT buckets quota" -> {
        JsonNode req = JSON.readTree(body);
        if (req == null || !req.isObject()) {
          throw new IllegalArgumentException("the body must be {\"maxBytes\":N,\"maxObjects\":N}");
        }
        store.setQuota(
            arg(p, 1),
            new BucketQuota(req.path("maxBytes").asLong(0), req.path("maxObjects").asLong(0)));
        yield quota(store, p[1]);
      }
      default ->
          throw new AdminError(
              404, "NotFound", "no such admin call: " + method + " /admin/v1" + path);
    };
  }

  private static String arg(String[] p, int i) {
    if (p.length <= i || p[i].isEmpty()) {
      throw new IllegalArgumentException("the path needs a name");
    }
    return p[i];
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private JsonNode info(ObjectStore store) {
    StoreStats st = store.stats();
    long objects = 0;
    long bytes = 0;
    int buckets = 0;
    for (BucketInfo b : store.listBuckets()) {
      BucketUsage u = store.usage(b.name());
      objects += u.objects();
      bytes += u.bytes();
      buckets++;
    }
    ObjectNode j = JSON.createObjectNode();
    j.put("version", Node.version());
    j.put("uptimeSeconds", Duration.between(node.started(), clock.instant()).toSeconds());
    j.put("s3", Node.hostPort(node.s3Address()));
    j.put("admin", Node.hostPort(node.adminAddress()));
    if (node.pfsAddress() != null) {
      j.put("pfs", Node.hostPort(node.pfsAddress()));
    }
    j.put("codec", st.codec());
    j.put("erasure", st.dataShards() + "+" + st.parityShards());
    j.put("drives", store.drives().size());
    j.put("drivesOnline", node.drivesOnline());
    j.put("buckets", buckets);
    j.put("objects", objects);
    j.put("bytes", bytes);
    j.put("users", node.users().list().size());
    return j;
  }

  private static JsonNode drives(ObjectStore store) {
    ArrayNode a = JSON.createArrayNode();
    for (DriveStatus d : store.drives()) {
      a.addObject()
          .put("index", d.index())
          .put("path", d.path().toString())
          .put("state", d.state().name())
          .put("reason", d.reason())
          .put("errors", d.errors())
          .put("totalBytes", d.totalBytes())
          .put("freeBytes", d.freeBytes());
    }
    return a;
  }

  private static JsonNode heal(ObjectStore store, String bucket, String prefix) {
    if (bucket == null && prefix != null) {
      throw new IllegalArgumentException("a prefix needs a bucket");
    }
    if (bucket != null && store.headBucket(bucket).isEmpty()) {
      throw new AdminError(404, "NoSuchBucket", "no bucket named '" + bucket + "'");
    }
    HealReport r = store.heal(bucket, bucket == null ? null : prefix == null ? "" : prefix);
    return JSON.createObjectNode()
        .put("objectsChecked", r.objectsChecked())
        .put("objectsHealed", r.objectsHealed())
        .put("shardsRewritten", r.shardsRewritten())
        .put("unrecoverable", r.unrecoverable());
  }

  private JsonNode scrub(ObjectStore store) {
    StoreStats st = store.stats();
    var e = node.config().storage().engine();
    return JSON.createObjectNode()
        .put("enabled", !e.scrubInterval().isZero())
        .put("interval", io.aquifer.deploy.config.Durations.format(e.scrubInterval()))
        .put("rateBytesPerSecond", e.scrubRate().bytes())
        .put("objectsScrubbed", st.objectsScrubbed())
        .put("checksumFailures", st.checksumFailures())
        .put("healQueued", st.healQueued())
        .put("blocksRebuilt", st.blocksRebuilt());
  }

  private static JsonNode quota(ObjectStore store, String bucket) {
    BucketInfo b =
        store
            .headBucket(bucket)
            .orElseThrow(
                () -> new AdminError(404, "NoSuchBucket", "no bucket named '" + bucket + "'"));
    BucketUsage u = store.usage(bucket);
    return JSON.createObjectNode()
        .put("bucket", b.name())
        .put("owner", b.owner().isEmpty() ? User.ROOT : b.owner())
        .put("maxBytes", b.quota().maxBytes())
        .put("maxObjects", b.quota().maxObjects())
        .put("bytes", u.bytes())
        .put("objects", u.objects());
  }

  private static ObjectNode user(User u, boolean withSecret) {
    ObjectNode j = JSON.createObjectNode().put("name", u.name()).put("accessKey", u.accessKey());
    if (withSecret) {
      j.put("secretKey", u.secretKey());
    }
    if (!u.root()) {
      j.put("created", u.created().toString());
    }
    return j;
  }

  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> q = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        int eq = kv.indexOf('=');
        String k = eq < 0 ? kv : kv.substring(0, eq);
        String v = eq < 0 ? "" : kv.substring(eq + 1);
        q.put(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      }
    }
    return q;
  }

  private static byte[] readBody(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(MAX_BODY + 1);
      if (b.length > MAX_BODY) {
        throw new AdminError(413, "EntityTooLarge", "admin request bodies are at most 64 KiB");
      }
      return b;
    }
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    sendJson(ex, status, JSON.createObjectNode().put("code", code).put("message", message));
  }

  private static void sendJson(HttpExchange ex, int status, JsonNode j) throws IOException {
    send(ex, status, "application/json", JSON.writeValueAsString(j) + "\n");
  }

  private static void send(HttpExchange ex, int status, String type, String text)
      throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }
}
