package io.aquifer.bench.s3;

import io.aquifer.bench.CliOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The options of one {@code bench s3} run, checked once.
 *
 * @param endpoint {@code http://host:port} of the S3 server
 * @param accessKey access key id
 * @param secretKey secret access key
 * @param region signing region
 * @param op the operation measured
 * @param size object size in bytes
 * @param objects objects prepared (get, mixed, list) or deleted (delete); unused by put
 * @param concurrency connections, each with one request in flight
 * @param duration length of one measured run
 * @param bucket the bucket named with --bucket, or null for a fresh one
 * @param json where to write JSON results, or null
 * @param baseline whether to measure the baselines interleaved with the subject
 * @param rounds measured runs of the subject (and of each baseline)
 * @param baselineDir directory for the PUT baseline's temporary file
 * @param verify whether GET checks each body's length against the object size
 * @param ec the endpoint's erasure code as given with --ec, or null when not given
 */
record Options(
    URI endpoint,
    String accessKey,
    String secretKey,
    String region,
    Op op,
    long size,
    int objects,
    int concurrency,
    Duration duration,
    String bucket,
    Path json,
    boolean baseline,
    int rounds,
    Path baselineDir,
    boolean verify,
    double rate,
    List<Integer> latencyAt,
    long serverPid,
    Duration warmup,
    Ec ec) {

  /**
   * An erasure code of {@code k} data and {@code m} parity shards, so that a PUT's disk ceiling is
   * the write + fsync rate times {@code k / (k + m)} (every byte is written {@code (k + m) / k}
   * times).
   */
  record Ec(int k, int m) {
    Ec {
      if (k < 1 || m < 0 || k + m > 255) {
        throw new IllegalArgumentException("need K+M with K >= 1, M >= 0, K+M <= 255");
      }
    }

    double dataFraction() {
      return (double) k / (k + m);
    }

    static Ec parse(String v) {
      int plus = v.indexOf('+');
      if (plus < 1 || plus == v.length() - 1) {
        throw new IllegalArgumentException("need K+M, e.g. 2+2: '" + v + "'");
      }
      try {
        return new Ec(
            Integer.parseInt(v.substring(0, plus)), Integer.parseInt(v.substring(plus + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("need K+M, e.g. 2+2: '" + v + "'");
      }
    }

    @Override
    public String toString() {
      return k + "+" + m;
    }
  }

  /** The operations a run can measure. */
  enum Op {
    PUT,
    GET,
    MIXED,
    LIST,
    DELETE;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final long MIN_SIZE = 4L << 10;
  static final long MAX_SIZE = 4L << 30;

  static final String USAGE =
      """
      usage: aquifer bench s3 --endpoint URL --access-key K --secret-key S \
      [--region us-east-1] --op put|get|mixed|list|delete [--size 4KiB..4GiB] [--objects N] \
      [--concurrency C] [--duration 30s] [--bucket B] [--json FILE] [--baseline] [--rounds R] \
      [--baseline-dir DIR] [--verify] [--rate OPS | --latency-at 50,90] [--server-pid PID] \
      [--warmup T] [--ec K+M]
        --warmup: an unreported run of each target first (default with --baseline: the shorter of
        --duration and 15s, since a fresh client and server need 10-15s of JIT on 2 cores; 0s
        for none; without --baseline only when given). With --latency-at, an unreported open-loop
        run at the first percentage follows the peak run, for as long.
        --rate: open loop at OPS requests/s over all connections; latency counts from each
        request's scheduled start, so a server that falls behind shows its queueing.
        --latency-at: measures the peak first (closed loop), then runs at those percentages of it.
        --server-pid: samples that process's resident memory (VmRSS, VmHWM) during the run.
        --ec: the endpoint's erasure code (Aquifer's default on 4 drives is 2+2); with --baseline
        and --op put, also the ratio to min(MD5 on 2 threads, write + fsync x K/(K+M)).""";

  /** A usage error: one line for the user, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Checks the values. */
  Options {
    if (concurrency < 1 || objects < 1 || rounds < 1) {
      throw new IllegalArgumentException("concurrency, objects and rounds must be positive");
    }
  }

  /**
   * Parses the command line.
   *
   * @throws UsageException with a one-line message naming the problem
   */
  static Options parse(String[] args) throws UsageException {
    String endpoint = null;
    String access = null;
    String secret = null;
    String region = "us-east-1";
    Op op = null;
    long size = 4L << 10;
    Integer objects = null;
    int concurrency = 1;
    Duration duration = Duration.ofSeconds(30);
    String bucket = null;
    Path json = null;
    boolean baseline = false;
    Integer rounds = null;
    Path baselineDir = Path.of(System.getProperty("java.io.tmpdir"));
    boolean verify = false;
    double rate = 0;
    List<Integer> latencyAt = List.of();
    long serverPid = 0;
    Duration warmup = null;
    Ec ec = null;
    List<CliOptions.Option> options;
    try {
      options = CliOptions.split(args, Set.of("--baseline", "--verify"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    for (CliOptions.Option o : options) {
      String name = o.name();
      String value = o.value();
      if (value == null) {
        if (name.equals("--baseline")) {
          baseline = true;
        } else {
          verify = true;
        }
        continue;
      }
      try {
        switch (name) {
          case "--endpoint" -> endpoint = value;
          case "--access-key" -> access = value;
          case "--secret-key" -> secret = value;
          case "--region" -> region = value;
          case "--op" -> op = parseOp(value);
          case "--size" -> size = Units.parseSize(value);
          case "--objects" -> objects = positive(name, value);
          case "--concurrency" -> concurrency = positive(name, value);
          case "--duration" -> duration = Units.parseDuration(value);
          case "--bucket" -> bucket = value;
          case "--json" -> json = Path.of(value);
          case "--rounds" -> rounds = positive(name, value);
          case "--baseline-dir" -> baselineDir = Path.of(value);
          case "--rate" -> rate = positiveRate(value);
          case "--latency-at" -> latencyAt = percents(value);
          case "--server-pid" -> serverPid = positive(name, value);
          case "--warmup" -> warmup = Units.parseDuration(value);
          case "--ec" -> ec = Ec.parse(value);
          default -> throw new UsageException(o.unknown());
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(name + ": " + e.getMessage());
      }
    }
    if (endpoint == null) {
      throw new UsageException("--endpoint is required");
    }
    if (access == null || secret == null) {
      throw new UsageException("--access-key and --secret-key are required");
    }
    if (op == null) {
      throw new UsageException("--op is required (put, get, mixed, list or delete)");
    }
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--endpoint: not a URL: '" + endpoint + "'");
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new UsageException(
          "--endpoint: need http://host[:port] (https is not supported): '" + endpoint + "'");
    }
    if (size < MIN_SIZE || size > MAX_SIZE) {
      throw new UsageException("--size must be 4KiB to 4GiB: " + Units.formatSize(size));
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new UsageException("--duration must be positive");
    }
    if (bucket != null && !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new UsageException("--bucket: not a valid bucket name: '" + bucket + "'");
    }
    if (baseline && op != Op.GET && op != Op.PUT) {
      throw new UsageException("--baseline is measured for --op get and put only");
    }
    if (warmup != null && warmup.isNegative()) {
      throw new UsageException("--warmup must not be negative");
    }
    if (warmup != null && !warmup.isZero() && op == Op.DELETE) {
      throw new UsageException("--warmup would delete the prepared objects of --op delete");
    }
    if (rate > 0 && !latencyAt.isEmpty()) {
      throw new UsageException("--rate and --latency-at exclude each other");
    }
    if ((rate > 0 || !latencyAt.isEmpty()) && baseline) {
      throw new UsageException("--baseline runs closed loop; leave out --rate and --latency-at");
    }
    int r = rounds != null ? rounds : baseline ? 3 : 1;
    if (op == Op.DELETE && r > 1) {
      throw new UsageException("--op delete runs one round (it deletes what it prepared)");
    }
    int n = objects != null ? objects : defaultObjects(size, concurrency);
    return new Options(
        uri,
        access,
        secret,
        region,
        op,
        size,
        n,
        concurrency,
        duration,
        bucket,
        json,
        baseline,
        r,
        baselineDir,
        verify,
        rate,
        latencyAt,
        serverPid,
        warmup != null ? warmup : baseline ? min(duration, DEFAULT_BASELINE_WARMUP) : Duration.ZERO,
        ec);
  }

  /** The longest default warm-up of a {@code --baseline} run. */
  static final Duration DEFAULT_BASELINE_WARMUP = Duration.ofSeconds(15);

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  private static double positiveRate(String v) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + v + "'");
    }
    if (!(d > 0) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("must be a positive rate: " + v);
    }
    return d;
  }

  private static List<Integer> percents(String v) {
    List<Integer> out = new java.util.ArrayList<>();
    for (String part : v.split(",", -1)) {
      int p;
      try {
        p = Integer.parseInt(part.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a percentage: '" + part + "'");
      }
      if (p < 1 || p > 100) {
        throw new IllegalArgumentException("percentages are 1 to 100: " + p);
      }
      out.add(p);
    }
    return List.copyOf(out);
  }

  /** 1000 small objects; for objects above 1 MiB, two per connection (at least 4). */
  static int defaultObjects(long size, int concurrency) {
    return size <= (1L << 20) ? 1000 : Math.max(4, 2 * concurrency);
  }

  private static Op parseOp(String v) {
    try {
      return Op.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown operation '" + v + "' (put, get, mixed, list or delete)");
    }
  }

  private static int positive(String name, String v) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + v + "'");
    }
    if (n < 1) {
      throw new IllegalArgumentException("must be positive: " + n);
    }
    return n;
  }
}
