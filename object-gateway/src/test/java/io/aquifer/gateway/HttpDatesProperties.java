package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * {@link HttpDates} prints IMF-fixdate (two-digit day of the month) as a pattern formatter does,
 * and what it prints parses back with the gateway's (RFC 1123) parser.
 */
class HttpDatesProperties {
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.ROOT);

  private static String oracle(long second) {
    String s = IMF_FIXDATE.format(Instant.ofEpochSecond(second).atZone(ZoneOffset.UTC));
    assertEquals(
        second,
        java.time.ZonedDateTime.parse(s, Exchange.HTTP_DATE).toEpochSecond(),
        "parses back: " + s);
    return s;
  }

  /** Any second of the years 0 to 9999. */
  @Property(tries = 5000)
  void formatsLikeTheFormatter(
      @ForAll @LongRange(min = -62167219200L, max = 253402300799L) long s) {
    assertEquals(oracle(s), HttpDates.format(s));
  }

  /** Around now, where the dates a gateway prints are. */
  @Property(tries = 5000)
  void formatsRecentSecondsLikeTheFormatter(
      @ForAll @LongRange(min = 1_600_000_000L, max = 2_100_000_000L) long s) {
    assertEquals(oracle(s), HttpDates.format(s));
  }

  @Example
  void edges() {
    long[] seconds = {
      0,
      -1,
      86_399,
      86_400,
      951_782_400L /* 2000-02-29 */,
      1_212_491_130L /* 2008-06-03 */,
      -62167219200L,
      253402300799L,
      1_000_000_000L
    };
    for (long s : seconds) {
      assertEquals(oracle(s), HttpDates.format(s), "second " + s);
    }
    assertEquals("Tue, 03 Jun 2008 11:05:30 GMT", HttpDates.format(1_212_491_130L));
    assertEquals(
        oracle(1_212_491_130L), HttpDates.format(Instant.ofEpochSecond(1_212_491_130L, 7)));
  }

  /** Years the formatter cannot print in four digits fail the same way. */
  @Example
  void yearsPastFourDigitsBehaveAsTheFormatter() {
    long s = 253402300800L; // 10000-01-01
    Class<?> expected = null;
    try {
      Exchange.HTTP_DATE.format(Instant.ofEpochSecond(s).atZone(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      expected = e.getClass();
    }
    Class<?> actual = null;
    try {
      HttpDates.format(s);
    } catch (RuntimeException e) {
      actual = e.getClass();
    }
    assertEquals(expected, actual);
  }

  /** The cached current date is a well-formed date of the formatter's form. */
  @Example
  void nowParsesBack() {
    String now = HttpDates.now();
    long second = java.time.ZonedDateTime.parse(now, Exchange.HTTP_DATE).toEpochSecond();
    assertEquals(oracle(second), now);
  }

  @Example
  void requestIdsAreTheFormattedCounter() {
    long[] values = {1, 15, 16, 0xFFFFFFFFL, 0x100000000L, Long.MAX_VALUE, 0xABCDEFL};
    for (long v : values) {
      assertEquals("PFX" + String.format("%08X", v), S3Gateway.requestId("PFX", v));
    }
  }
}
