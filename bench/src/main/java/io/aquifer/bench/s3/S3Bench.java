package io.aquifer.bench.s3;

import io.aquifer.bench.s3.Options.Op;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code aquifer bench s3}: drives an S3 endpoint with one operation for a duration over a fixed
 * number of keep-alive connections, one request in flight each, and prints throughput, latency
 * percentiles and errors by S3 error code. It creates its bucket when missing, prepares the objects
 * GET, mixed, list and delete need, and removes what it created. With {@code --baseline} it
 * measures, interleaved with the subject and with the same client, what the machine allows: for GET
 * an in-memory Netty HTTP server and nginx (when installed), for PUT write + fsync and MD5 of the
 * same bytes.
 *
 * <p>Exit codes: 0 when every request succeeded, 1 when any failed (or setup or cleanup did), 2 for
 * a usage error.
 */
public final class S3Bench {
  private final Options opt;
  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;
  private final String bucket;
  private final String prefix;
  private final List<String> keys = new ArrayList<>();
  private final List<LatencyPoint> latencyPoints = new ArrayList<>();
  private Map<String, Object> serverMemory;

  /** One open-loop run of {@code --latency-at}: the percentage of peak, its rate, its results. */
  record LatencyPoint(int percent, double targetOpsPerSec, RunStats stats) {}

  /** Names of the PUT baselines' series (the report's ratios find them by these). */
  static final String FSYNC_PREFIX = "write + fsync (";

  static final String MD5_ONE = "MD5, one core";

  static String md5Threads(int n) {
    return "MD5, " + n + " threads";
  }

  private S3Bench(Options opt, PrintStream out, PrintStream err, Clock clock) {
    this.opt = opt;
    this.out = out;
    this.err = err;
    this.clock = clock;
    String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    this.bucket = opt.bucket() != null ? opt.bucket() : "aquifer-bench-" + run;
    this.prefix = "aqbench-" + run + "/";
  }

  /** Runs {@code aquifer bench s3} and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs one benchmark as the command line describes ({@link Options#USAGE}): progress on {@code
   * err} every second, the results table on {@code out}.
   *
   * @return 0 when all requests succeeded, 1 when any failed or setup or cleanup did, 2 for a usage
   *     error
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (java.util.Arrays.asList(args).contains("--help")
        || java.util.Arrays.asList(args).contains("-h")) {
      out.println(Options.USAGE);
      return 0;
    }
    Options opt;
    try {
      opt = Options.parse(args);
    } catch (Options.UsageException e) {
      err.println("bench s3: " + e.getMessage());
      err.println(Options.USAGE);
      return 2;
    }
    try {
      return new S3Bench(opt, out, err, Clock.systemUTC()).execute();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench s3: interrupted");
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("bench s3: " + e.getMessage());
      return 1;
    }
  }

  /** Results of the measured runs of one target (subject or a baseline). */
  record Series(String name, List<Double> mibPerSec, List<Double> opsPerSec, String skipped) {
    static Series of(String name) {
      return new Series(name, new ArrayList<>(), new ArrayList<>(), null);
    }

    void add(double mib, double ops) {
      mibPerSec.add(mib);
      opsPerSec.add(ops);
    }
  }

  private int execute() throws IOException, InterruptedException {
    int port = opt.endpoint().getPort() < 0 ? 80 : opt.endpoint().getPort();
    String host = opt.endpoint().getHost();
    String hostHeader = opt.endpoint().getPort() < 0 ? host : host + ":" + port;
    SigV4Signer signer = new SigV4Signer(opt.accessKey(), opt.secretKey(), opt.region());
    int threads = Math.min(opt.concurrency(), Runtime.getRuntime().availableProcessors());
    try (Client client = new Client(signer, clock, opt.size(), threads)) {
      InetSocketAddress address = new InetSocketAddress(host, port);
      List<Connection> conns = connections(client, address, hostHeader);
      Outcome created = conns.getFirst().call(S3Request.control(HttpMethod.PUT, bucket));
      boolean ownBucket = created.ok();
      if (!ownBucket && !"BucketAlreadyOwnedByYou".equals(Connection.errorCode(created.body()))) {
        err.println("bench s3: cannot create bucket " + bucket + ": " + describe(created));
        RunStats failed = new RunStats();
        failed.error(created.error());
        report(failed, List.of(), Map.of(), "setup");
        return 1;
      }
      RunStats subject = new RunStats();
      List<Series> series = new ArrayList<>();
      Map<String, Object> baselineJson = new LinkedHashMap<>();
      boolean cleanOk;
      ServerMemory memory = opt.serverPid() > 0 ? new ServerMemory(opt.serverPid()) : null;
      try {
        if (opt.op() != Op.PUT && !prepare(conns)) {
          return 1;
        }
        measure(client, conns, subject, series, baselineJson);
        if (memory != null) {
          serverMemory = memory.finish();
        }
      } finally {
        if (memory != null) {
          memory.close();
        }
        cleanOk = cleanup(conns, ownBucket);
        conns.forEach(Connection::close);
      }
      report(subject, series, baselineJson, null);
      return subject.errorCount() == 0 && cleanOk ? 0 : 1;
    }
  }

  private List<Connection> connections(Client client, InetSocketAddress a, String hostHeader) {
    List<Connection> conns = new ArrayList<>();
    for (int i = 0; i < opt.concurrency(); i++) {
      conns.add(client.connect(a, hostHeader));
    }
    return conns;
  }

  private boolean prepare(List<Connection> conns) throws IOException, InterruptedException {
    for (int i = 0; i < opt.objects(); i++) {
      keys.add(Workloads.objectKey(prefix, i));
    }
    RunStats prep =
        Load.run(conns, Workloads.putEach(bucket, keys, opt.size()), null, 0, "prepare", err);
    if (prep.errorCount() > 0) {
      err.println("bench s3: preparing " + keys.size() + " objects failed: " + prep.errors);
      report(prep, List.of(), Map.of(), "prepare");
      return false;
    }
    err.printf(
        "prepared %d objects of %s in %.1fs%n",
        keys.size(), Units.formatSize(opt.size()), prep.seconds());
    return true;
  }

  private Load.Workload workload() {
    return switch (opt.op()) {
      case PUT -> Workloads.putNew(bucket, prefix, opt.size());
      case GET -> Workloads.getRandom(bucket, keys);
      case MIXED -> Workloads.mixed(bucket, prefix, keys, opt.size(), opt.concurrency());
      case LIST -> Workloads.list(bucket, prefix);
      case DELETE -> Workloads.deleteEach(bucket, keys);
    };
  }

  private void measure(
      Client client,
      List<Connection> conns,
      RunStats subject,
      List<Series> series,
      Map<String, Object> baselineJson)
      throws IOException, InterruptedException {
    Duration d = opt.duration();
    long verify = opt.verify() ? opt.size() : 0;
    Load.Workload work = workload();
    String label = opt.op().label();
    Duration warm = opt.warmup();
    if (!opt.baseline()) {
      if (!warm.isZero()) {
        Load.run(conns, work, warm, verify, "warm-up " + label, err);
      }
      for (int r = 1; r <= opt.rounds(); r++) {
        String l = opt.rounds() == 1 ? label : label + " " + r + "/" + opt.rounds();
        subject.merge(Load.run(conns, work, d, verify, opt.rate(), l, err));
      }
      double peak = subject.opsPerSec();
      if (!opt.latencyAt().isEmpty() && !warm.isZero()) {
        // the open loop's own code paths (client and server) warm up too, unreported: without it
        // the first measured point paid their compilation (a stall of its first second)
        double rate = peak * opt.latencyAt().get(0) / 100;
        String l =
            String.format(java.util.Locale.ROOT, "warm-up %s open loop (%.0f/s)", label, rate);
        err.println(l + " for " + warm.toSeconds() + "s");
        Load.run(conns, work, warm, verify, rate, l, err);
      }
      for (int percent : opt.latencyAt()) {
        double rate = peak * percent / 100;
        String l =
            String.format(java.util.Locale.ROOT, "%s at %d%% (%.0f/s)", label, percent, rate);
        latencyPoints.add(
            new LatencyPoint(percent, rate, Load.run(conns, work, d, verify, rate, l, err)));
      }
      return;
    }
    Series subj = Series.of("subject (S3 endpoint)");
    series.add(subj);
    if (opt.op() == Op.GET) {
      Series netty = Series.of("netty in-memory server");
      series.add(netty);
      Path nginxBin = Nginx.find();
      Nginx nginx = null;
      String nginxSkipped = null;
      Series ng = null;
      if (nginxBin == null) {
        nginxSkipped = "nginx is not installed";
      } else {
        try {
          nginx = Nginx.start(nginxBin, opt.size(), client.payload());
        } catch (IOException e) {
          nginxSkipped = e.getMessage();
        }
      }
      if (nginxSkipped != null) {
        err.println("baseline: skipping nginx: " + nginxSkipped);
      }
      try (BaselineServer server = new BaselineServer(opt.size())) {
        List<Connection> nettyConns = connections(client, server.address(), "127.0.0.1");
        List<Connection> nginxConns =
            nginx == null ? List.of() : connections(client, nginx.address(), "127.0.0.1");
        if (!warm.isZero()) {
          Load.run(conns, work, warm, verify, "warm-up " + label, err);
          Load.run(nettyConns, work, warm, verify, "warm-up netty", err);
        }
        if (nginx != null) {
          ng = Series.of("nginx (page cache, sendfile)");
          series.add(ng);
          if (!warm.isZero()) {
            Load.run(nginxConns, work, warm, verify, "warm-up nginx", err);
          }
        }
        RunStats baselineErrors = new RunStats();
        for (int r = 1; r <= opt.rounds(); r++) {
          String round = " " + r + "/" + opt.rounds();
          RunStats s = Load.run(conns, work, d, verify, label + round, err);
          subject.merge(s);
          subj.add(s.mibPerSec(), s.opsPerSec());
          RunStats b = Load.run(nettyConns, work, d, verify, "netty" + round, err);
          netty.add(b.mibPerSec(), b.opsPerSec());
          baselineErrors.merge(b);
          if (ng != null) {
            RunStats n = Load.run(nginxConns, work, d, verify, "nginx" + round, err);
            ng.add(n.mibPerSec(), n.opsPerSec());
            baselineErrors.merge(n);
          }
        }
        nettyConns.forEach(Connection::close);
        nginxConns.forEach(Connection::close);
        if (baselineErrors.errorCount() > 0) {
          err.println("baseline: errors " + baselineErrors.errors);
          baselineJson.put("baselineErrors", baselineErrors.errors);
        }
      } finally {
        if (nginx != null) {
          nginx.close();
        }
      }
      if (ng == null) {
        series.add(new Series("nginx", List.of(), List.of(), nginxSkipped));
      }
    } else {
      Series fsync = Series.of(FSYNC_PREFIX + opt.baselineDir() + ")");
      Series md5 = Series.of(MD5_ONE);
      series.add(fsync);
      series.add(md5);
      int md5Threads = Math.min(opt.concurrency(), Runtime.getRuntime().availableProcessors());
      Series md5n = md5Threads > 1 ? Series.of(md5Threads(md5Threads)) : null;
      if (!warm.isZero()) {
        Load.run(conns, work, warm, 0, "warm-up " + label, err);
      }
      // each baseline runs in a child JVM (see PutBaseline), warmed there for a few seconds
      Duration childWarm = warm.compareTo(Duration.ofSeconds(3)) < 0 ? warm : Duration.ofSeconds(3);
      for (int r = 1; r <= opt.rounds(); r++) {
        String round = " " + r + "/" + opt.rounds();
        RunStats s = Load.run(conns, work, d, 0, label + round, err);
        subject.merge(s);
        subj.add(s.mibPerSec(), s.opsPerSec());
        PutBaseline.Rate f =
            PutBaseline.inChild(
                PutBaseline.Kind.FSYNC, opt.baselineDir(), opt.size(), d, 1, childWarm);
        fsync.add(f.mibPerSec(), f.opsPerSec());
        err.printf("write+fsync%s %.2f MiB/s %.1f ops/s%n", round, f.mibPerSec(), f.opsPerSec());
        PutBaseline.Rate m =
            PutBaseline.inChild(PutBaseline.Kind.MD5, null, opt.size(), d, 1, childWarm);
        md5.add(m.mibPerSec(), m.opsPerSec());
        err.printf("md5%s %.2f MiB/s%n", round, m.mibPerSec());
        if (md5n != null) {
          PutBaseline.Rate p =
              PutBaseline.inChild(PutBaseline.Kind.MD5, null, opt.size(), d, md5Threads, childWarm);
          md5n.add(p.mibPerSec(), p.opsPerSec());
          err.printf("md5 x%d%s %.2f MiB/s%n", md5Threads, round, p.mibPerSec());
        }
      }
      if (md5n != null) {
        series.add(md5n);
      }
    }
  }

  private boolean cleanup(List<Connection> conns, boolean ownBucket) throws InterruptedException {
    List<String> left = new ArrayList<>();
    String token = null;
    do {
      Outcome o = conns.getFirst().call(S3Request.list(bucket, prefix, 1000, token, true));
      if (!o.ok()) {
        err.println("bench s3: cleanup: cannot list " + bucket + "/" + prefix + ": " + describe(o));
        return false;
      }
      left.addAll(Listing.keys(o.body()));
      token = Listing.nextToken(o.body());
    } while (token != null);
    RunStats del = Load.run(conns, Workloads.deleteEach(bucket, left), null, 0, "cleanup", err);
    boolean ok = del.errorCount() == 0;
    if (!ok) {
      err.println("bench s3: cleanup: deleting objects failed: " + del.errors);
    }
    if (ownBucket) {
      Outcome o = conns.getFirst().call(S3Request.control(HttpMethod.DELETE, bucket));
      if (!o.ok()) {
        err.println("bench s3: cleanup: cannot delete bucket " + bucket + ": " + describe(o));
        ok = false;
      }
    }
    return ok;
  }

  private static String describe(Outcome o) {
    String msg = null;
    if (o.body() != null) {
      int i = o.body().indexOf("<Message>");
      int j = i < 0 ? -1 : o.body().indexOf("</Message>", i);
      msg = j < 0 ? null : o.body().substring(i + 9, j);
    }
    return o.error() + (msg == null ? "" : ": " + msg);
  }

  private void report(
      RunStats stats, List<Series> series, Map<String, Object> baselineJson, String failedPhase)
      throws IOException {
    Report.table(out, opt, bucket, stats, series);
    Report.latencyTable(out, opt, latencyPoints);
    Report.memory(out, serverMemory);
    if (opt.json() != null) {
      Map<String, Object> json = Report.json(opt, bucket, stats, series);
      json.putAll(baselineJson);
      if (!latencyPoints.isEmpty()) {
        json.put("latencyAt", Report.latencyJson(latencyPoints));
      }
      if (serverMemory != null) {
        json.put("serverMemory", serverMemory);
      }
      if (failedPhase != null) {
        json.put("failedPhase", failedPhase);
      }
      Files.writeString(opt.json(), Json.write(json), StandardCharsets.UTF_8);
    }
  }
}
