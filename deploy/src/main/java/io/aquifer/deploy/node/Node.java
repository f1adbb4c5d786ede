package io.aquifer.deploy.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aquifer.deploy.config.NodeConfig;
import io.aquifer.gateway.S3Gateway;
import io.aquifer.storage.DriveState;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * The composition root of one storage node: takes the data directory's lock, resolves the root
 * credentials, opens the users, the object store, the metrics, the S3 gateway, the pfs file service
 * and the admin endpoint, in that order, and closes them in reverse. Writes the chosen addresses to
 * {@code <data>/node.json} once everything listens.
 */
public final class Node implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Node.class.getName());

  /** The file with the node's addresses, under the data directory. */
  public static final String NODE_JSON = "node.json";

  private final NodeConfig config;
  private final Path dataDir;
  private final Instant started;
  private DataDirLock lock;
  private RootCredentials root;
  private UserStore users;
  private ObjectStore store;
  private NodeMetrics metrics;
  private S3Gateway gateway;
  private PfsServer pfs;
  private AdminServer admin;
  private volatile boolean ready;
  private boolean closed;

  private Node(NodeConfig config, Clock clock) {
    this.config = config;
    this.dataDir = config.dataDir();
    this.started = clock.instant();
  }

  /**
   * Starts a node. On failure everything opened so far is closed again.
   *
   * @param env the process environment (for the root credentials)
   * @param out where the welcome text goes (with the credentials, when they were generated)
   */
  public static Node start(NodeConfig config, Map<String, String> env, PrintStream out) {
    Clock clock = Clock.systemUTC();
    Node n = new Node(config, clock);
    try {
      n.open(env, clock, out);
      return n;
    } catch (IOException e) {
      n.close();
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      n.close();
      throw e;
    }
  }

  private void open(Map<String, String> env, Clock clock, PrintStream out) throws IOException {
    lock = DataDirLock.acquire(dataDir);
    Files.deleteIfExists(dataDir.resolve(NODE_JSON));
    SecureRandom random = new SecureRandom();
    root =
        RootCredentials.resolve(
            env, config.auth().rootAccessKey(), config.auth().rootSecretKey(), dataDir, random);
    users = UserStore.open(dataDir, root, random, clock);
    store = ObjectStores.open(config.storageConfig());
    metrics = new NodeMetrics();
    metrics.bindStore(store);
    gateway = S3Gateway.start(config.gatewayConfig(), store, users, users, clock, metrics.registry);
    if (config.pfs().enabled()) {
      pfs = PfsServer.start(config.pfs(), store, users, metrics.pfsObserver());
      LOG.log(
          System.Logger.Level.INFO,
          "pfs file service listening on "
              + hostPort(pfs.address())
              + " (tcp; authenticated with the S3 users' keys)");
    }
    admin = AdminServer.start(config.admin().listen(), this, clock);
    writeNodeJson();
    ready = true;
    LOG.log(
        System.Logger.Level.INFO,
        "aquifer node ready: s3="
            + s3Url()
            + (pfs == null ? "" : " pfs=" + hostPort(pfs.address()))
            + " admin="
            + adminUrl()
            + " data="
            + dataDir.toAbsolutePath());
    welcome(out);
  }

  private void writeNodeJson() throws IOException {
    ObjectNode j = new ObjectMapper().createObjectNode();
    j.put("s3", hostPort(gateway.address()));
    j.put("admin", hostPort(admin.address()));
    if (pfs != null) {
      j.put("pfs", hostPort(pfs.address()));
    }
    j.put("pid", ProcessHandle.current().pid());
    j.put("version", version());
    j.put("started", started.toString());
    Files2.writeAtomically(
        dataDir.resolve(NODE_JSON),
        (new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(j) + "\n")
            .getBytes(StandardCharsets.UTF_8),
        false);
  }

  private void welcome(PrintStream out) {
    String s3 = s3Url();
    out.println("Aquifer " + version() + " is running.");
    out.println("  S3 endpoint:  " + s3);
    out.println("  admin:        " + adminUrl() + "  (/metrics, /health/ready)");
    if (pfs != null) {
      out.println("  pfs:          " + hostPort(pfs.address()) + "  (aquifer mount)");
    }
    out.println("  data:         " + dataDir.toAbsolutePath());
    if (root.source().equals("generated")) {
      out.println();
      out.println(
          "Root credentials were generated and saved in "
              + dataDir.resolve(RootCredentials.FILE)
              + " (mode 0600). They are shown only this once:");
      out.println("  access key:   " + root.accessKey());
      out.println("  secret key:   " + root.secretKey());
      out.println();
      out.println("Use them with the aws command (in a profile of its own):");
      out.println(
          "  aws configure set aws_access_key_id " + root.accessKey() + " --profile aquifer");
      out.println(
          "  aws configure set aws_secret_access_key " + root.secretKey() + " --profile aquifer");
      out.println(
          "  aws configure set region " + config.gatewayConfig().region() + " --profile aquifer");
      out.println("  aws --profile aquifer --endpoint-url " + s3 + " s3 mb s3://my-bucket");
      out.println("  aws --profile aquifer --endpoint-url " + s3 + " s3 cp ./file s3://my-bucket/");
      if (pfs != null) {
        out.println("Mount the buckets with FUSE (the same profile):");
        out.println(
            "  aquifer mount --endpoint " + hostPort(pfs.address()) + " --profile aquifer ./mnt");
      }
    } else {
      out.println(
          "  root user:    access key " + root.accessKey() + " (from " + root.source() + ")");
    }
    out.flush();
  }

  static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  private String s3Url() {
    boolean tls = config.s3().tls().certificate() != null;
    return (tls ? "https://" : "http://") + hostPort(gateway.address());
  }

  private String adminUrl() {
    return "http://" + hostPort(admin.address());
  }

  /** The software version. */
  public static String version() {
    String v = Node.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  /** Where the S3 gateway listens. */
  public InetSocketAddress s3Address() {
    return gateway.address();
  }

  /** Where the pfs file service listens, or null when it is disabled. */
  public InetSocketAddress pfsAddress() {
    return pfs == null ? null : pfs.address();
  }

  /** Where the admin endpoint listens. */
  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  NodeConfig config() {
    return config;
  }

  ObjectStore store() {
    return store;
  }

  UserStore users() {
    return users;
  }

  NodeMetrics metrics() {
    return metrics;
  }

  RootCredentials root() {
    return root;
  }

  Instant started() {
    return started;
  }

  /** Drives serving I/O now. */
  long drivesOnline() {
    return store.drives().stream().filter(d -> d.state() == DriveState.ONLINE).count();
  }

  /** Ready: everything started, not stopping, and at least k drives online. */
  boolean ready() {
    return ready && drivesOnline() >= store.stats().dataShards();
  }

  /**
   * Stops the node: readiness goes false, the gateway stops accepting and drains requests in flight
   * (bounded by {@code s3.drain-timeout}), the pfs file service likewise ({@code
   * pfs.drain-timeout}), then the admin endpoint, the store (flushing and closing the index) and
   * the lock are closed.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ready = false;
    LOG.log(System.Logger.Level.INFO, "aquifer node stopping");
    RuntimeException failure = null;
    for (AutoCloseable c : new AutoCloseable[] {gateway, pfs, admin, store, metrics}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("stopping the node failed: " + e.getMessage(), e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    try {
      if (lock != null) {
        Files.deleteIfExists(dataDir.resolve(NODE_JSON));
        lock.close();
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot release the data directory lock: " + e);
    }
    LOG.log(System.Logger.Level.INFO, "aquifer node stopped");
    if (failure != null) {
      throw failure;
    }
  }
}
