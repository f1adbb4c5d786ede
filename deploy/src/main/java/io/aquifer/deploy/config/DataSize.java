package io.aquifer.deploy.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes, written in config as {@code 64MiB}, {@code 1GiB}, {@code 512KiB}, {@code 10GB}
 * (powers of 1000), {@code 100B} or a plain number of bytes.
 *
 * @param bytes the size
 */
public record DataSize(long bytes) {
  private static final Pattern SYNTAX =
      Pattern.compile(
          "(\\d+)\\s*(B|KiB|MiB|GiB|TiB|PiB|KB|MB|GB|TB|PB)?", Pattern.CASE_INSENSITIVE);
  private static final String[] BINARY = {"PiB", "TiB", "GiB", "MiB", "KiB"};

  /** Checks the value. */
  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size must not be negative: " + bytes);
    }
  }

  /** Bytes. */
  public static DataSize ofBytes(long bytes) {
    return new DataSize(bytes);
  }

  /** Mebibytes. */
  public static DataSize ofMiB(long mib) {
    return new DataSize(Math.multiplyExact(mib, 1L << 20));
  }

  /** Parses {@code 64MiB}, {@code 10GB}, {@code 4096}. */
  public static DataSize parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (write for example 64MiB, 1GiB, 10GB or 4096)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large", e);
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "B" -> 1L;
          case "KIB" -> 1L << 10;
          case "MIB" -> 1L << 20;
          case "GIB" -> 1L << 30;
          case "TIB" -> 1L << 40;
          case "PIB" -> 1L << 50;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          case "TB" -> 1_000_000_000_000L;
          default -> 1_000_000_000_000_000L; // PB
        };
    try {
      return new DataSize(Math.multiplyExact(n, factor));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large", e);
    }
  }

  /** For Jackson: a string with a unit, or a number of bytes. */
  @JsonCreator
  static DataSize fromJson(Object value) {
    if (value instanceof Number n) {
      return new DataSize(n.longValue());
    }
    return parse(String.valueOf(value));
  }

  /** The largest exact binary unit: {@code 64MiB}, {@code 1536KiB}, {@code 100B}. */
  @JsonValue
  @Override
  public String toString() {
    for (int i = 0; i < BINARY.length; i++) {
      long unit = 1L << (10 * (BINARY.length - i));
      if (bytes != 0 && bytes % unit == 0) {
        return (bytes / unit) + BINARY[i];
      }
    }
    return bytes + "B";
  }

  /** The size as an int, for settings that must fit one. */
  public int toIntExact(String key) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + ": " + this + " is too large");
    }
    return (int) bytes;
  }
}
