package io.aquifer.bench.s3;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Counts, bytes and latencies (HdrHistogram, microseconds, 3 significant digits) per request kind,
 * and errors by key, of one run or of several merged. Not thread-safe: each worker records into its
 * own, merged after the workers stopped.
 */
final class RunStats {
  /** Highest latency tracked: one hour, in microseconds. */
  static final long MAX_MICROS = 3_600_000_000L;

  /** Per-kind counters. */
  static final class PerKind {
    long ops;
    long bytes;
    final AbstractHistogram latency = new IntCountsHistogram(MAX_MICROS, 3);

    double percentileMillis(double p) {
      return latency.getValueAtPercentile(p) / 1000.0;
    }

    double maxMillis() {
      return latency.getMaxValue() / 1000.0;
    }
  }

  final Map<S3Request.Kind, PerKind> kinds = new EnumMap<>(S3Request.Kind.class);
  final TreeMap<String, Long> errors = new TreeMap<>();
  long elapsedNanos;

  void success(S3Request.Kind kind, long bytes, long latencyNanos) {
    PerKind k = kinds.computeIfAbsent(kind, x -> new PerKind());
    k.ops++;
    k.bytes += bytes;
    k.latency.recordValue(Math.min(MAX_MICROS, Math.max(1, latencyNanos / 1000)));
  }

  void error(String key) {
    errors.merge(key, 1L, Long::sum);
  }

  /** Adds another's counts; elapsed times add up (runs one after another). */
  void merge(RunStats o) {
    for (Map.Entry<S3Request.Kind, PerKind> e : o.kinds.entrySet()) {
      PerKind k = kinds.computeIfAbsent(e.getKey(), x -> new PerKind());
      k.ops += e.getValue().ops;
      k.bytes += e.getValue().bytes;
      k.latency.add(e.getValue().latency);
    }
    o.errors.forEach((key, n) -> errors.merge(key, n, Long::sum));
    elapsedNanos += o.elapsedNanos;
  }

  long ops() {
    return kinds.values().stream().mapToLong(k -> k.ops).sum();
  }

  long bytes() {
    return kinds.values().stream().mapToLong(k -> k.bytes).sum();
  }

  long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  double seconds() {
    return elapsedNanos / 1e9;
  }

  double opsPerSec() {
    return elapsedNanos == 0 ? 0 : ops() / seconds();
  }

  double mibPerSec() {
    return elapsedNanos == 0 ? 0 : bytes() / seconds() / (1 << 20);
  }
}
