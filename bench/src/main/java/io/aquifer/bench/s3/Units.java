package io.aquifer.bench.s3;

import java.time.Duration;
import java.util.Locale;

/** Parsing and printing of byte sizes and durations as the command line writes them. */
public final class Units {
  private Units() {}

  /**
   * A size such as {@code 4KiB}, {@code 64MiB}, {@code 1GiB}, {@code 4k}, {@code 1MB} or {@code
   * 4096}. Binary units (KiB, K, k) are powers of 1024; KB, MB, GB are powers of 1000.
   *
   * @throws IllegalArgumentException naming the text when it is not a size
   */
  public static long parseSize(String text) {
    String t = text.trim();
    int i = 0;
    while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 4KiB, 64MiB, 1GiB)");
    }
    double n;
    try {
      n = Double.parseDouble(t.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size: '" + text + "'");
    }
    long unit =
        switch (t.substring(i).trim().toLowerCase(Locale.ROOT)) {
          case "", "b" -> 1L;
          case "k", "kib", "ki" -> 1L << 10;
          case "m", "mib", "mi" -> 1L << 20;
          case "g", "gib", "gi" -> 1L << 30;
          case "t", "tib", "ti" -> 1L << 40;
          case "kb" -> 1_000L;
          case "mb" -> 1_000_000L;
          case "gb" -> 1_000_000_000L;
          case "tb" -> 1_000_000_000_000L;
          default ->
              throw new IllegalArgumentException(
                  "unknown size unit in '" + text + "' (use B, KiB, MiB, GiB, KB, MB, GB)");
        };
    double bytes = n * unit;
    if (bytes != Math.rint(bytes) || bytes > Long.MAX_VALUE) {
      throw new IllegalArgumentException("not a whole number of bytes: '" + text + "'");
    }
    return (long) bytes;
  }

  /**
   * A duration such as {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h} or {@code 10} (seconds).
   *
   * @throws IllegalArgumentException naming the text when it is not a duration
   */
  public static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < t.length() && Character.isDigit(t.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 12) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 30s, 500ms, 2m)");
    }
    long n = Long.parseLong(t.substring(0, i));
    return switch (t.substring(i)) {
      case "", "s" -> Duration.ofSeconds(n);
      case "ms" -> Duration.ofMillis(n);
      case "m", "min" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default ->
          throw new IllegalArgumentException(
              "unknown duration unit in '" + text + "' (use ms, s, m, h)");
    };
  }

  /** {@code 4 KiB}, {@code 64 MiB}, {@code 1.5 GiB}, {@code 100 B}. */
  public static String formatSize(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double v = bytes;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v))
        + " "
        + units[u];
  }

  /** {@code 30s}, {@code 500ms}. */
  public static String formatDuration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
