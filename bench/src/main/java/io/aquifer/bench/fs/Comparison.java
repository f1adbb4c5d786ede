package io.aquifer.bench.fs;

import io.aquifer.bench.s3.Json;
import io.aquifer.bench.s3.MachineFacts;
import io.aquifer.bench.s3.Units;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench fs --baseline}: the subject directory against the same phases on a local directory
 * natively and through libfuse3's passthrough_ll, interleaved round by round (the order rotates, so
 * drift on a shared machine falls on every target alike), with the median and spread of each target
 * and of the per-round ratios.
 */
final class Comparison {
  /** The targets of one comparison, in the order of the first round. */
  enum Target {
    SUBJECT("subject"),
    PASSTHROUGH("passthrough_ll"),
    NATIVE("native");

    final String label;

    Target(String label) {
      this.label = label;
    }
  }

  private Comparison() {}

  static int run(FsOptions opt, PrintStream out, PrintStream err, Path dropCaches)
      throws IOException, InterruptedException, PassthroughBaseline.Unavailable {
    Map<Target, List<FsBench.Pass>> passes = new LinkedHashMap<>();
    for (Target t : Target.values()) {
      passes.put(t, new ArrayList<>());
    }
    try (PassthroughBaseline pt = PassthroughBaseline.build(PassthroughBaseline.EXAMPLES)) {
      Path mounted = pt.mount(opt.baseline());
      Target[] order = Target.values();
      for (int round = 0; round < opt.rounds(); round++) {
        for (int i = 0; i < order.length; i++) {
          Target t = order[(i + round) % order.length];
          Path dir =
              switch (t) {
                case SUBJECT -> opt.dir();
                case PASSTHROUGH -> mounted;
                case NATIVE -> opt.baseline();
              };
          err.printf(Locale.ROOT, "round %d/%d: %s (%s)%n", round + 1, opt.rounds(), t.label, dir);
          passes.get(t).add(FsBench.pass(opt, dir, err, dropCaches));
        }
      }
    }
    report(opt, passes, out);
    return 0;
  }

  /** The figure a phase is compared by: MiB/s where it moves bytes in bulk, otherwise ops/s. */
  static double rate(FsBench.Phase p) {
    return p.bytes() > 0 && !p.name().startsWith("random") ? p.mibPerSec() : p.opsPerSec();
  }

  static String unit(FsBench.Phase p) {
    return p.bytes() > 0 && !p.name().startsWith("random") ? "MiB/s" : "ops/s";
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String spread(double[] v) {
    double min = Arrays.stream(v).min().orElse(0);
    double max = Arrays.stream(v).max().orElse(0);
    return String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(v), min, max);
  }

  private static String ratioSpread(double[] v) {
    double min = Arrays.stream(v).min().orElse(0);
    double max = Arrays.stream(v).max().orElse(0);
    return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median(v), min, max);
  }

  private static double[] rates(List<FsBench.Pass> passes, int phase) {
    return passes.stream().mapToDouble(p -> rate(p.phases().get(phase))).toArray();
  }

  private static double[] ratios(double[] subject, double[] base) {
    double[] r = new double[subject.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = base[i] == 0 ? 0 : subject[i] / base[i];
    }
    return r;
  }

  private static void report(FsOptions opt, Map<Target, List<FsBench.Pass>> passes, PrintStream out)
      throws IOException {
    List<FsBench.Pass> subject = passes.get(Target.SUBJECT);
    List<FsBench.Pass> pt = passes.get(Target.PASSTHROUGH);
    List<FsBench.Pass> nat = passes.get(Target.NATIVE);
    out.printf(
        Locale.ROOT,
        "aquifer bench fs: %s against %s natively and through passthrough_ll; %d round(s)"
            + " interleaved, %d thread(s), %s per large file in %s blocks, %d small files;"
            + " median (min-max)%n",
        opt.dir(),
        opt.baseline(),
        opt.rounds(),
        opt.threads(),
        Units.formatSize(opt.size()),
        Units.formatSize(opt.block()),
        opt.files());
    out.printf(
        Locale.ROOT,
        "%-17s %-6s %-24s %-24s %-24s %-19s %-19s%n",
        "phase",
        "unit",
        "subject",
        "passthrough_ll",
        "native",
        "/passthrough_ll",
        "/native");
    Map<String, Object> results = new LinkedHashMap<>();
    List<FsBench.Phase> phases = subject.getFirst().phases();
    for (int i = 0; i < phases.size(); i++) {
      FsBench.Phase p = phases.get(i);
      double[] s = rates(subject, i);
      double[] b = rates(pt, i);
      double[] n = rates(nat, i);
      double[] rb = ratios(s, b);
      double[] rn = ratios(s, n);
      out.printf(
          Locale.ROOT,
          "%-17s %-6s %-24s %-24s %-24s %-19s %-19s%n",
          p.name(),
          unit(p),
          spread(s),
          spread(b),
          spread(n),
          ratioSpread(rb),
          ratioSpread(rn));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("unit", unit(p));
      r.put("subject", toList(s));
      r.put("passthroughLl", toList(b));
      r.put("native", toList(n));
      r.put("ratioToPassthroughLl", median(rb));
      r.put("ratioToNative", median(rn));
      results.put(p.name(), r);
    }
    for (String note : subject.getFirst().notes()) {
      out.println("  " + note);
    }
    if (opt.json() != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("tool", "aquifer bench fs");
      m.put("dir", opt.dir().toString());
      m.put("baseline", opt.baseline().toString());
      m.put("rounds", opt.rounds());
      m.put("threads", opt.threads());
      m.put("sizeBytes", opt.size());
      m.put("blockBytes", opt.block());
      m.put("files", opt.files());
      m.put("dropCaches", opt.dropCaches());
      m.put("machine", MachineFacts.read());
      m.put("comparison", results);
      m.put("notes", subject.getFirst().notes());
      Files.writeString(opt.json(), Json.write(m), StandardCharsets.UTF_8);
    }
  }

  private static List<Double> toList(double[] v) {
    return Arrays.stream(v).boxed().toList();
  }
}
