package io.aquifer.bench.s3;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The final table and the JSON results of a run. */
final class Report {
  private Report() {}

  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  static void table(
      PrintStream out, Options o, String bucket, RunStats s, List<S3Bench.Series> series) {
    out.printf(
        Locale.ROOT,
        "aquifer bench s3 --op %s: %s objects, concurrency %d, %d round(s) of %s, endpoint %s,"
            + " bucket %s%n",
        o.op().label(),
        Units.formatSize(o.size()),
        o.concurrency(),
        o.rounds(),
        Units.formatDuration(o.duration()),
        o.endpoint(),
        bucket);
    out.printf(
        Locale.ROOT,
        "%-6s %10s %8s %12s %10s %9s %9s %9s %9s %9s%n",
        "op",
        "ops",
        "seconds",
        "ops/s",
        "MiB/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms");
    for (Map.Entry<S3Request.Kind, RunStats.PerKind> e : s.kinds.entrySet()) {
      RunStats.PerKind k = e.getValue();
      double sec = s.seconds();
      out.printf(
          Locale.ROOT,
          "%-6s %10d %8.2f %12.1f %10.2f %9.3f %9.3f %9.3f %9.3f %9.3f%n",
          e.getKey().name().toLowerCase(Locale.ROOT),
          k.ops,
          sec,
          sec == 0 ? 0 : k.ops / sec,
          sec == 0 ? 0 : k.bytes / sec / (1 << 20),
          k.percentileMillis(50),
          k.percentileMillis(90),
          k.percentileMillis(99),
          k.percentileMillis(99.9),
          k.maxMillis());
    }
    if (s.kinds.size() > 1) {
      out.printf(
          Locale.ROOT,
          "%-6s %10d %8.2f %12.1f %10.2f%n",
          "total",
          s.ops(),
          s.seconds(),
          s.opsPerSec(),
          s.mibPerSec());
    }
    out.println("errors: " + s.errorCount());
    s.errors.forEach((code, n) -> out.printf(Locale.ROOT, "  %-40s %d%n", code, n));
    if (series.isEmpty()) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "baseline: median (min-max) of %d interleaved runs of %s each, same client%n",
        o.rounds(),
        Units.formatDuration(o.duration()));
    Map<String, Double> ratios = ratios(o, series);
    int w = 10;
    for (S3Bench.Series x : series) {
      w = Math.max(w, x.name().length());
    }
    for (String r : ratios.keySet()) {
      w = Math.max(w, "ratio subject / ".length() + r.length());
    }
    String row = "  %-" + w + "s %28s %28s%n";
    out.printf(Locale.ROOT, row, "", "MiB/s", "ops/s");
    S3Bench.Series subject = series.getFirst();
    for (S3Bench.Series x : series) {
      if (x.skipped() != null) {
        out.printf(Locale.ROOT, "  %-" + w + "s skipped: %s%n", x.name(), x.skipped());
        continue;
      }
      out.printf(Locale.ROOT, row, x.name(), spread(x.mibPerSec()), spread(x.opsPerSec()));
    }
    for (Map.Entry<String, Double> r : ratios.entrySet()) {
      out.printf(
          Locale.ROOT, "  %-" + w + "s %28.3f%n", "ratio subject / " + r.getKey(), r.getValue());
    }
    if (subject.mibPerSec().isEmpty()) {
      out.println("  (no subject runs)");
    }
  }

  /**
   * subject median / each baseline's median (MiB/s); for PUT also / min(write + fsync, MD5 on one
   * core), and with {@code --ec K+M} / min(MD5 on N threads, write + fsync x K/(K+M)): the ceiling
   * of concurrent PUTs, where MD5 runs on every core and each byte is written (K+M)/K times.
   */
  static Map<String, Double> ratios(Options o, List<S3Bench.Series> series) {
    Map<String, Double> ratios = new LinkedHashMap<>();
    double subj = median(series.getFirst().mibPerSec());
    double min = Double.MAX_VALUE;
    double fsync = Double.NaN;
    S3Bench.Series md5All = null;
    for (S3Bench.Series x : series.subList(1, series.size())) {
      if (x.skipped() == null && !x.mibPerSec().isEmpty()) {
        double m = median(x.mibPerSec());
        ratios.put(x.name(), subj / m);
        if (!x.name().startsWith("MD5, ") || x.name().equals(S3Bench.MD5_ONE)) {
          min = Math.min(min, m);
        }
        if (x.name().startsWith(S3Bench.FSYNC_PREFIX)) {
          fsync = m;
        } else if (x.name().startsWith("MD5, ") && !x.name().equals(S3Bench.MD5_ONE)) {
          md5All = x;
        }
      }
    }
    if (o.op() == Options.Op.PUT && min < Double.MAX_VALUE) {
      ratios.put("min(write + fsync, MD5)", subj / min);
    }
    if (o.op() == Options.Op.PUT && o.ec() != null && !Double.isNaN(fsync)) {
      double disk = fsync * o.ec().dataFraction();
      String ec = o.ec().k() + "/" + (o.ec().k() + o.ec().m());
      if (md5All == null) {
        ratios.put("write + fsync x " + ec, subj / disk);
      } else {
        double ceiling = Math.min(median(md5All.mibPerSec()), disk);
        ratios.put("min(" + md5All.name() + ", write + fsync x " + ec + ")", subj / ceiling);
      }
    }
    return ratios;
  }

  static Map<String, Object> json(
      Options o, String bucket, RunStats s, List<S3Bench.Series> series) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tool", "aquifer bench s3");
    m.put("op", o.op().label());
    m.put("endpoint", o.endpoint().toString());
    m.put("bucket", bucket);
    m.put("sizeBytes", o.size());
    m.put("objects", o.objects());
    m.put("concurrency", o.concurrency());
    m.put("durationMillis", o.duration().toMillis());
    m.put("rounds", o.rounds());
    if (o.ec() != null) {
      m.put("ec", o.ec().toString());
    }
    m.put("machine", MachineFacts.read());
    Map<String, Object> results = new LinkedHashMap<>();
    for (Map.Entry<S3Request.Kind, RunStats.PerKind> e : s.kinds.entrySet()) {
      RunStats.PerKind k = e.getValue();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("ops", k.ops);
      r.put("bytes", k.bytes);
      r.put("seconds", s.seconds());
      r.put("opsPerSec", s.seconds() == 0 ? 0.0 : k.ops / s.seconds());
      r.put("mibPerSec", s.seconds() == 0 ? 0.0 : k.bytes / s.seconds() / (1 << 20));
      Map<String, Object> lat = new LinkedHashMap<>();
      for (double p : PERCENTILES) {
        lat.put(
            "p" + (p == Math.rint(p) ? String.valueOf((int) p) : String.valueOf(p)),
            k.percentileMillis(p));
      }
      lat.put("max", k.maxMillis());
      r.put("latencyMillis", lat);
      results.put(e.getKey().name().toLowerCase(Locale.ROOT), r);
    }
    m.put("results", results);
    m.put("totalOps", s.ops());
    m.put("totalBytes", s.bytes());
    m.put("seconds", s.seconds());
    m.put("opsPerSec", s.opsPerSec());
    m.put("mibPerSec", s.mibPerSec());
    m.put("errorsTotal", s.errorCount());
    m.put("errors", s.errors);
    if (!series.isEmpty()) {
      List<Object> b = new ArrayList<>();
      for (S3Bench.Series x : series) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", x.name());
        if (x.skipped() != null) {
          e.put("skipped", x.skipped());
        } else {
          e.put("mibPerSec", x.mibPerSec());
          e.put("opsPerSec", x.opsPerSec());
          e.put("medianMibPerSec", median(x.mibPerSec()));
          e.put("minMibPerSec", x.mibPerSec().stream().mapToDouble(d -> d).min().orElse(0));
          e.put("maxMibPerSec", x.mibPerSec().stream().mapToDouble(d -> d).max().orElse(0));
          e.put("medianOpsPerSec", median(x.opsPerSec()));
        }
        b.add(e);
      }
      m.put("baseline", b);
      m.put("ratios", ratios(o, series));
    }
    return m;
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
    double min = v.stream().mapToDouble(d -> d).min().orElse(0);
    double max = v.stream().mapToDouble(d -> d).max().orElse(0);
    return String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(v), min, max);
  }

  /** The {@code --latency-at} runs: target and achieved rate, latency percentiles. */
  static void latencyTable(PrintStream out, Options o, List<S3Bench.LatencyPoint> points) {
    if (points.isEmpty()) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "latency under load: open loop at a share of the peak above, %s each; latency from each"
            + " request's scheduled start%n",
        Units.formatDuration(o.duration()));
    out.printf(
        Locale.ROOT,
        "%-8s %12s %12s %9s %9s %9s %9s %9s %7s%n",
        "of peak",
        "target/s",
        "achieved/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "errors");
    for (S3Bench.LatencyPoint p : points) {
      RunStats.PerKind k = p.stats().kinds.values().stream().findFirst().orElse(null);
      out.printf(
          Locale.ROOT,
          "%-8s %12.1f %12.1f %9.3f %9.3f %9.3f %9.3f %9.3f %7d%n",
          p.percent() + "%",
          p.targetOpsPerSec(),
          p.stats().opsPerSec(),
          k == null ? 0 : k.percentileMillis(50),
          k == null ? 0 : k.percentileMillis(90),
          k == null ? 0 : k.percentileMillis(99),
          k == null ? 0 : k.percentileMillis(99.9),
          k == null ? 0 : k.maxMillis(),
          p.stats().errorCount());
    }
  }

  static List<Map<String, Object>> latencyJson(List<S3Bench.LatencyPoint> points) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (S3Bench.LatencyPoint p : points) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("percentOfPeak", p.percent());
      m.put("targetOpsPerSec", p.targetOpsPerSec());
      m.put("opsPerSec", p.stats().opsPerSec());
      m.put("errors", p.stats().errorCount());
      RunStats.PerKind k = p.stats().kinds.values().stream().findFirst().orElse(null);
      if (k != null) {
        Map<String, Object> lat = new LinkedHashMap<>();
        for (double q : PERCENTILES) {
          lat.put(
              "p" + (q == Math.rint(q) ? Long.toString((long) q) : Double.toString(q)),
              k.percentileMillis(q));
        }
        lat.put("max", k.maxMillis());
        m.put("latencyMillis", lat);
      }
      list.add(m);
    }
    return list;
  }

  /** The server's resident memory, when {@code --server-pid} was given. */
  static void memory(PrintStream out, Map<String, Object> m) {
    if (m == null) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "server pid %s: peak RSS %s (sampled every %d ms), VmHWM %s%s%n",
        m.get("pid"),
        Units.formatSize((Long) m.get("peakRssBytes")),
        ServerMemory.SAMPLE_MILLIS,
        Units.formatSize((Long) m.get("vmHwmBytes")),
        m.containsKey("failure") ? " (sampling stopped: " + m.get("failure") + ")" : "");
  }
}
