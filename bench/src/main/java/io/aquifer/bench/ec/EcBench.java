package io.aquifer.bench.ec;

import io.aquifer.bench.CliOptions;
import io.aquifer.bench.s3.Json;
import io.aquifer.bench.s3.MachineFacts;
import io.aquifer.bench.s3.Units;
import io.aquifer.storage.codec.CodecKind;
import io.aquifer.storage.codec.ErasureCodec;
import io.aquifer.storage.codec.ErasureCodecs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code aquifer bench ec}: erasure-codec throughput per implementation (scalar, vector, isal when
 * libisal2 loads) through storage-core's public codec API, for encode and for reconstruct after
 * losing shards, in a plain timed loop on one thread (no JMH, so it runs from a distribution).
 * Rounds interleave the implementations (and, with {@code --baseline}, the ISA-L C program built
 * with gcc) so that machine noise hits all alike; the report gives median and min-max.
 *
 * <p>GB/s counts data bytes: k x shard size per operation, 10^9 bytes per GB, as docs/benchmarks.md
 * does.
 *
 * <p>Exit codes: 0 when every requested codec ran, 1 on a failure (a codec producing wrong bytes
 * included), 2 for a usage error.
 */
public final class EcBench {

  static final String USAGE =
      """
      usage: aquifer bench ec [--codec all|scalar,vector,isal] [--k 8] [--m 3] \
      [--shard-size 1MiB] [--lost L] [--duration 1s] [--warmup 2s] [--rounds 3] [--baseline] \
      [--json FILE]
        encode and reconstruct (after losing the first L shards, default m) of one stripe of
        k + m shards, one thread, each implementation for --duration per round; --baseline also
        runs the ISA-L C program (needs gcc and libisal-dev) and prints the ratios to it.""";

  /**
   * The options of one run.
   *
   * @param codecs implementations asked for, in run order
   * @param all whether {@code --codec all} (an unavailable implementation is skipped, not an error)
   * @param k data shards
   * @param m parity shards
   * @param shard shard size in bytes
   * @param lost shards lost before reconstruct (the first ones: data before parity)
   * @param duration one measured run of one operation
   * @param warmup warm-up per implementation and operation (the Vector API needs the JIT)
   * @param rounds interleaved rounds
   * @param baseline whether to run the ISA-L C program each round
   * @param json where to write JSON results, or null
   */
  record Options(
      List<CodecKind> codecs,
      boolean all,
      int k,
      int m,
      int shard,
      int lost,
      Duration duration,
      Duration warmup,
      int rounds,
      boolean baseline,
      Path json) {}

  /** A usage error: one line for the user, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private final Options opt;
  private final PrintStream out;
  private final PrintStream err;

  private EcBench(Options opt, PrintStream out, PrintStream err) {
    this.opt = opt;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code aquifer bench ec} and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the benchmark as the command line describes ({@link #USAGE}): progress on {@code err}, the
   * results table on {@code out}.
   *
   * @return 0 on success, 1 on a failure, 2 for a usage error
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> list = Arrays.asList(args);
    if (list.contains("--help") || list.contains("-h")) {
      out.println(USAGE);
      return 0;
    }
    Options opt;
    try {
      opt = parse(args);
    } catch (UsageException e) {
      err.println("bench ec: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    try {
      return new EcBench(opt, out, err).execute();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench ec: interrupted");
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("bench ec: " + e.getMessage());
      return 1;
    }
  }

  static Options parse(String[] args) throws UsageException {
    String codecs = "all";
    int k = 8;
    int m = 3;
    long shard = 1L << 20;
    Integer lost = null;
    Duration duration = Duration.ofSeconds(1);
    Duration warmup = Duration.ofSeconds(2);
    int rounds = 3;
    boolean baseline = false;
    Path json = null;
    List<CliOptions.Option> options;
    try {
      options = CliOptions.split(args, Set.of("--baseline"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    for (CliOptions.Option o : options) {
      String name = o.name();
      String value = o.value();
      if (value == null) {
        baseline = true;
        continue;
      }
      try {
        switch (name) {
          case "--codec" -> codecs = value;
          case "--k" -> k = number(value, 1);
          case "--m" -> m = number(value, 1);
          case "--shard-size" -> shard = Units.parseSize(value);
          case "--lost" -> lost = number(value, 1);
          case "--duration" -> duration = Units.parseDuration(value);
          case "--warmup" -> warmup = Units.parseDuration(value);
          case "--rounds" -> rounds = number(value, 1);
          case "--json" -> json = Path.of(value);
          default -> throw new UsageException(o.unknown());
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(name + ": " + e.getMessage());
      }
    }
    if (k + m > ErasureCodecs.MAX_SHARDS) {
      throw new UsageException(
          "--k + --m must be at most " + ErasureCodecs.MAX_SHARDS + ": " + (k + m));
    }
    if (shard < 64 || shard > (256L << 20)) {
      throw new UsageException("--shard-size must be 64B to 256MiB: " + Units.formatSize(shard));
    }
    int l = lost != null ? lost : m;
    if (l > m) {
      throw new UsageException("--lost must be at most --m (" + m + "): " + l);
    }
    if (duration.isZero() || duration.isNegative() || warmup.isNegative()) {
      throw new UsageException("--duration must be positive and --warmup not negative");
    }
    boolean all = codecs.equals("all");
    List<CodecKind> kinds = new ArrayList<>();
    for (String c : (all ? "scalar,vector,isal" : codecs).split(",")) {
      CodecKind kind;
      try {
        kind = CodecKind.valueOf(c.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--codec: unknown implementation '" + c + "' (scalar, vector, isal)");
      }
      if (kind == CodecKind.AUTO) {
        kind = ErasureCodecs.resolve(kind);
      }
      if (!kinds.contains(kind)) {
        kinds.add(kind);
      }
    }
    return new Options(
        List.copyOf(kinds), all, k, m, (int) shard, l, duration, warmup, rounds, baseline, json);
  }

  private static int number(String v, int min) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + v + "'");
    }
    if (n < min) {
      throw new IllegalArgumentException("must be at least " + min + ": " + n);
    }
    return n;
  }

  /** Measured runs of one implementation (or the C baseline), GB/s per round by operation. */
  record Series(String name, Map<String, List<Double>> gbps, String skipped) {
    static Series of(String name) {
      Map<String, List<Double>> m = new LinkedHashMap<>();
      m.put("encode", new ArrayList<>());
      m.put("reconstruct", new ArrayList<>());
      return new Series(name, m, null);
    }
  }

  private record Subject(Series series, ErasureCodec codec) {}

  private int execute() throws IOException, InterruptedException {
    int k = opt.k();
    int n = k + opt.m();
    ByteBuffer[] shards = new ByteBuffer[n];
    Random random = new Random(42);
    byte[] bytes = new byte[opt.shard()];
    for (int i = 0; i < n; i++) {
      // 64-byte aligned, as ErasureCodecs recommends and the C baseline allocates
      shards[i] =
          ByteBuffer.allocateDirect(opt.shard() + 64).alignedSlice(64).slice(0, opt.shard());
      random.nextBytes(bytes);
      shards[i].put(0, bytes);
    }
    boolean[] present = new boolean[n];
    Arrays.fill(present, true);
    for (int i = 0; i < opt.lost(); i++) {
      present[i] = false;
    }
    List<Subject> subjects = new ArrayList<>();
    List<Series> series = new ArrayList<>();
    boolean failed = false;
    for (CodecKind kind : opt.codecs()) {
      String name = kind.name().toLowerCase(Locale.ROOT);
      ErasureCodec codec;
      try {
        codec = ErasureCodecs.create(kind, k, opt.m());
      } catch (IllegalStateException | LinkageError e) {
        err.println("bench ec: skipping " + name + ": " + e.getMessage());
        series.add(new Series(name, Map.of(), e.getMessage()));
        failed |= !opt.all();
        continue;
      }
      codec.encode(shards, 0, opt.shard());
      verify(codec, shards, present);
      Subject s = new Subject(Series.of(name), codec);
      subjects.add(s);
      series.add(s.series());
    }
    IsalBaseline c = null;
    Series cSeries = null;
    if (opt.baseline()) {
      String why = null;
      if (opt.lost() != 1 && opt.lost() != 2 && opt.lost() != opt.m()) {
        why = "the C program reconstructs after losing 1, 2 or m shards only";
      } else if (opt.lost() > k) {
        why = "the C program loses data shards only (--lost <= --k)";
      } else {
        try {
          err.println("baseline: building the ISA-L C program with gcc");
          c = IsalBaseline.build();
        } catch (IsalBaseline.Unavailable e) {
          why = e.getMessage();
        }
      }
      if (why != null) {
        err.println("baseline unavailable: " + why);
        cSeries = new Series("C ISA-L (baseline)", Map.of(), "unavailable: " + why);
      } else {
        cSeries = Series.of("C ISA-L (baseline)");
      }
    }
    try {
      for (Subject s : subjects) {
        if (!opt.warmup().isZero()) {
          err.printf(
              Locale.ROOT,
              "warm-up %s %s%n",
              s.series().name(),
              Units.formatDuration(opt.warmup()));
          timed(s.codec(), shards, null, opt.warmup());
          timed(s.codec(), shards, present, opt.warmup());
        }
      }
      String cCase = opt.lost() == opt.m() ? "lostm" : "lost" + opt.lost();
      for (int r = 1; r <= opt.rounds(); r++) {
        if (c != null) {
          Map<String, Double> g = c.run(opt.shard(), opt.duration().toNanos() / 1e9, k, opt.m());
          cSeries.gbps().get("encode").add(g.get("encode"));
          cSeries.gbps().get("reconstruct").add(g.getOrDefault(cCase, Double.NaN));
          err.printf(
              Locale.ROOT,
              "round %d/%d C ISA-L encode %.2f GB/s reconstruct %.2f GB/s%n",
              r,
              opt.rounds(),
              g.get("encode"),
              g.getOrDefault(cCase, Double.NaN));
        }
        for (Subject s : subjects) {
          double enc = timed(s.codec(), shards, null, opt.duration());
          double rec = timed(s.codec(), shards, present, opt.duration());
          s.series().gbps().get("encode").add(enc);
          s.series().gbps().get("reconstruct").add(rec);
          err.printf(
              Locale.ROOT,
              "round %d/%d %s encode %.2f GB/s reconstruct %.2f GB/s%n",
              r,
              opt.rounds(),
              s.series().name(),
              enc,
              rec);
        }
      }
    } finally {
      if (c != null) {
        c.close();
      }
    }
    if (cSeries != null) {
      series.add(cSeries);
    }
    report(series, cSeries);
    return failed ? 1 : 0;
  }

  /** Loses the shards, reconstructs them and checks they came back byte for byte. */
  private void verify(ErasureCodec codec, ByteBuffer[] shards, boolean[] present) {
    List<ByteBuffer> copies = new ArrayList<>();
    for (int i = 0; i < shards.length; i++) {
      ByteBuffer copy = ByteBuffer.allocate(present[i] ? 0 : opt.shard());
      if (!present[i]) {
        copy.put(0, shards[i], 0, opt.shard());
        shards[i].put(0, new byte[opt.shard()]);
      }
      copies.add(copy);
    }
    codec.reconstruct(shards, present, 0, opt.shard());
    for (int i = 0; i < shards.length; i++) {
      if (!present[i] && shards[i].mismatch(copies.get(i)) != -1) {
        throw new IllegalStateException(
            codec.name() + " reconstructed shard " + i + " wrongly: the codec is broken");
      }
    }
  }

  /** Encodes (present null) or reconstructs for at least {@code d}; returns data GB/s. */
  private double timed(ErasureCodec codec, ByteBuffer[] shards, boolean[] present, Duration d) {
    long budget = d.toNanos();
    int len = opt.shard();
    long ops = 0;
    long start = System.nanoTime();
    long elapsed;
    do {
      if (present == null) {
        codec.encode(shards, 0, len);
      } else {
        codec.reconstruct(shards, present, 0, len);
      }
      ops++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < budget);
    return (double) opt.k() * len * ops / elapsed;
  }

  static double median(List<Double> v) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String spread(List<Double> v) {
    if (v.isEmpty()) {
      return "-";
    }
    double min = v.stream().mapToDouble(x -> x).min().orElse(0);
    double max = v.stream().mapToDouble(x -> x).max().orElse(0);
    return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median(v), min, max);
  }

  private void report(List<Series> series, Series c) throws IOException {
    out.printf(
        Locale.ROOT,
        "aquifer bench ec: RS(%d,%d), %s shards, reconstruct after losing %d, one thread, %d"
            + " interleaved round(s) of %s per operation%n",
        opt.k(),
        opt.m(),
        Units.formatSize(opt.shard()),
        opt.lost(),
        opt.rounds(),
        Units.formatDuration(opt.duration()));
    out.println("data GB/s (k x shard bytes per operation / s / 10^9), median (min-max):");
    String row = "  %-20s %26s %26s%n";
    out.printf(Locale.ROOT, row, "implementation", "encode", "reconstruct");
    for (Series s : series) {
      if (s.skipped() != null) {
        out.printf(Locale.ROOT, "  %-20s skipped: %s%n", s.name(), s.skipped());
        continue;
      }
      out.printf(
          Locale.ROOT,
          row,
          s.name(),
          spread(s.gbps().get("encode")),
          spread(s.gbps().get("reconstruct")));
    }
    Map<String, Map<String, Double>> ratios = ratios(series, c);
    for (Map.Entry<String, Map<String, Double>> e : ratios.entrySet()) {
      out.printf(
          Locale.ROOT,
          "  %-20s %26.3f %26.3f%n",
          e.getKey() + " / C",
          e.getValue().get("encode"),
          e.getValue().get("reconstruct"));
    }
    if (opt.json() != null) {
      Files.writeString(opt.json(), Json.write(json(series, ratios)), StandardCharsets.UTF_8);
    }
  }

  private static Map<String, Map<String, Double>> ratios(List<Series> series, Series c) {
    Map<String, Map<String, Double>> ratios = new LinkedHashMap<>();
    if (c == null || c.skipped() != null) {
      return ratios;
    }
    for (Series s : series) {
      if (s == c || s.skipped() != null) {
        continue;
      }
      Map<String, Double> r = new LinkedHashMap<>();
      for (String op : List.of("encode", "reconstruct")) {
        r.put(op, median(s.gbps().get(op)) / median(c.gbps().get(op)));
      }
      ratios.put(s.name(), r);
    }
    return ratios;
  }

  private Map<String, Object> json(List<Series> series, Map<String, Map<String, Double>> ratios) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tool", "aquifer bench ec");
    m.put("k", opt.k());
    m.put("m", opt.m());
    m.put("shardBytes", opt.shard());
    m.put("lost", opt.lost());
    m.put("durationMillis", opt.duration().toMillis());
    m.put("warmupMillis", opt.warmup().toMillis());
    m.put("rounds", opt.rounds());
    m.put("machine", MachineFacts.read());
    List<Object> results = new ArrayList<>();
    for (Series s : series) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", s.name());
      if (s.skipped() != null) {
        e.put("skipped", s.skipped());
      } else {
        for (Map.Entry<String, List<Double>> op : s.gbps().entrySet()) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("gbps", op.getValue());
          o.put("medianGbps", median(op.getValue()));
          o.put("minGbps", op.getValue().stream().mapToDouble(x -> x).min().orElse(0));
          o.put("maxGbps", op.getValue().stream().mapToDouble(x -> x).max().orElse(0));
          e.put(op.getKey(), o);
        }
      }
      results.add(e);
    }
    m.put("results", results);
    m.put("ratiosToC", ratios);
    return m;
  }
}
