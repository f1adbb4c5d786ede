package io.aquifer.deploy.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in config: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}. */
public final class Durations {
  private static final Pattern SYNTAX = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  /** Parses a duration with a unit, or an ISO-8601 duration such as {@code PT30S}. */
  public static Duration parse(String text) {
    String t = text.trim();
    if (t.startsWith("P") || t.startsWith("p")) {
      try {
        return Duration.parse(t);
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not a duration", e);
      }
    }
    Matcher m = SYNTAX.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (write for example 250ms, 30s, 5m, 2h or 7d)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** The shortest exact form: {@code 30s}, {@code 5m}, {@code 250ms}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0 || ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0 && s >= 600) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
