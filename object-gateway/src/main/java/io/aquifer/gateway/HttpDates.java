package io.aquifer.gateway;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * HTTP dates in the IMF-fixdate form HTTP requires senders to use (RFC 9110, section 5.6.7: {@code
 * Tue, 03 Jun 2008 11:05:30 GMT}, the day of the month always two digits; {@link
 * java.time.format.DateTimeFormatter#RFC_1123_DATE_TIME} prints one digit for days below 10), built
 * without a formatter, and the current one cached for the second it names. Years outside 0 to 9999
 * fall back to the formatter (which fails past 9999, as before).
 */
final class HttpDates {
  private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] MONTHS = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };

  /** The current second and its text; replaced whole, so readers never see a torn pair. */
  private record Stamp(long second, String text, AsciiString ascii) {}

  private static volatile Stamp now = new Stamp(Long.MIN_VALUE, "", AsciiString.EMPTY_STRING);

  private HttpDates() {}

  /** The current time (of the system clock) as an HTTP date. */
  static String now() {
    return stamp().text();
  }

  /** {@link #now} as an {@link AsciiString}, for a response header. */
  static AsciiString nowAscii() {
    return stamp().ascii();
  }

  private static Stamp stamp() {
    long second = Math.floorDiv(System.currentTimeMillis(), 1000L);
    Stamp s = now;
    if (s.second() != second) {
      String text = format(second);
      s = new Stamp(second, text, new AsciiString(text));
      now = s;
    }
    return s;
  }

  static String format(Instant t) {
    return format(t.getEpochSecond());
  }

  /** The second {@code epochSecond} as an HTTP date. */
  static String format(long epochSecond) {
    long day = Math.floorDiv(epochSecond, 86_400L);
    int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
    LocalDate d = LocalDate.ofEpochDay(day);
    int year = d.getYear();
    if (year < 0 || year > 9999) {
      // what the formatter does with years it cannot print in four digits
      return Exchange.HTTP_DATE.format(Instant.ofEpochSecond(epochSecond).atZone(ZoneOffset.UTC));
    }
    byte[] b = new byte[29];
    int n = put(b, 0, DAYS[(int) Math.floorMod(day + 3, 7L)]);
    b[n++] = ',';
    b[n++] = ' ';
    n = two(b, n, d.getDayOfMonth());
    b[n++] = ' ';
    n = put(b, n, MONTHS[d.getMonthValue() - 1]);
    b[n++] = ' ';
    n = two(b, n, year / 100);
    n = two(b, n, year % 100);
    b[n++] = ' ';
    n = two(b, n, secondOfDay / 3600);
    b[n++] = ':';
    n = two(b, n, secondOfDay / 60 % 60);
    b[n++] = ':';
    n = two(b, n, secondOfDay % 60);
    n = put(b, n, " GMT");
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  private static int put(byte[] b, int at, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      b[at++] = (byte) ascii.charAt(i);
    }
    return at;
  }

  private static int two(byte[] b, int at, int v) {
    b[at] = (byte) ('0' + v / 10);
    b[at + 1] = (byte) ('0' + v % 10);
    return at + 2;
  }
}
