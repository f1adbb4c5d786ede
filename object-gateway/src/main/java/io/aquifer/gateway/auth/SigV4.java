package io.aquifer.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The primitives of AWS Signature Version 4 for S3: HMAC, hex, dates and the S3 URI encoding. */
final class SigV4 {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String SERVICE = "s3";
  static final String TERMINATOR = "aws4_request";
  static final String HMAC_SHA256 = "HmacSHA256";

  /** Hex SHA-256 of the empty string. */
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
          .withResolverStyle(ResolverStyle.STRICT)
          .withZone(ZoneOffset.UTC);

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

  private SigV4() {}

  static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC_SHA256);
      mac.init(new SecretKeySpec(key, HMAC_SHA256));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /**
   * An initialized HMAC-SHA256 like {@code prototype} (which is never used itself): a clone, which
   * skips the provider look-up and the key schedule of {@link #newMac}, or a new one when the
   * provider cannot clone.
   */
  static Mac copyMac(Mac prototype, byte[] key) {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      return newMac(key);
    }
  }

  /** A fresh SHA-256 digest: a clone of a never-used one, or a new one from the provider. */
  static MessageDigest newSha256() {
    if (SHA256_PROTOTYPE != null) {
      try {
        return (MessageDigest) SHA256_PROTOTYPE.clone();
      } catch (CloneNotSupportedException e) {
        // fall through to the provider
      }
    }
    return sha256Instance();
  }

  private static final MessageDigest SHA256_PROTOTYPE = cloneableSha256();

  private static MessageDigest cloneableSha256() {
    MessageDigest d = sha256Instance();
    try {
      d.clone();
      return d;
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  private static MessageDigest sha256Instance() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    return newMac(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  /** The SigV4 signing key of a secret for one day, region and service. */
  static byte[] signingKey(String secret, String date, String region, String service) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, service);
    return hmac(k, TERMINATOR);
  }

  /** Writes the lowercase hex of {@code in} as ASCII into {@code out} from {@code offset}. */
  static void hex(byte[] in, int length, byte[] out, int offset) {
    for (int i = 0; i < length; i++) {
      out[offset + 2 * i] = HEX[(in[i] >> 4) & 0xf];
      out[offset + 2 * i + 1] = HEX[in[i] & 0xf];
    }
  }

  static String hex(byte[] in) {
    byte[] out = new byte[in.length * 2];
    hex(in, in.length, out, 0);
    return new String(out, StandardCharsets.US_ASCII);
  }

  /** The value of a hex digit of either case, or -1. */
  static int hexValue(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** True for a string of exactly {@code length} hex digits of either case. */
  static boolean isHex(String s, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (hexValue(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses {@code yyyyMMdd'T'HHmmss'Z'} strictly (a real date and a time of 00:00:00 to 23:59:59),
   * or returns null. Read digit by digit: the same answers as the pattern {@code
   * uuuuMMdd'T'HHmmss'Z'} with {@link ResolverStyle#STRICT}, without its field resolution.
   */
  static Instant parseAmzDate(String s) {
    if (s == null || s.length() != 16 || s.charAt(8) != 'T' || s.charAt(15) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 4, 2);
    int day = digits(s, 6, 2);
    int hour = digits(s, 9, 2);
    int minute = digits(s, 11, 2);
    int second = digits(s, 13, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** The decimal value of {@code n} ASCII digits of {@code s} from {@code from}, or -1. */
  private static int digits(String s, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      int d = s.charAt(i) - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  static String formatAmzDate(Instant t) {
    return AMZ_DATE.format(t);
  }

  /** True for a valid {@code yyyyMMdd} date. */
  static boolean isScopeDate(String s) {
    if (s.length() != 8) {
      return false;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 4, 2);
    int day = digits(s, 6, 2);
    if ((year | month | day) < 0) {
      return false;
    }
    try {
      LocalDate.of(year, month, day);
      return true;
    } catch (DateTimeException e) {
      return false;
    }
  }

  /**
   * The bytes a request-line or header string stands for: Netty decodes them as ISO-8859-1, one
   * char per byte; a string with wider chars (built in code, not read from the wire) is UTF-8.
   */
  static boolean isLatin1(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xff) {
        return false;
      }
    }
    return true;
  }

  static byte[] bytesOf(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xff) {
        return s.getBytes(StandardCharsets.UTF_8);
      }
    }
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Percent-decodes {@code s} (no '+' rule), or returns null when an escape is malformed. */
  static byte[] percentDecode(String s) {
    byte[] in = bytesOf(s);
    byte[] out = new byte[in.length];
    int n = 0;
    for (int i = 0; i < in.length; i++) {
      byte b = in[i];
      if (b == '%') {
        if (i + 2 >= in.length) {
          return null;
        }
        int hi = hexValue(in[i + 1]);
        int lo = hexValue(in[i + 2]);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out[n++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else {
        out[n++] = b;
      }
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  /**
   * Appends the S3 URI encoding of {@code bytes}: every byte but A-Z a-z 0-9 - . _ ~ as %XX with
   * uppercase hex.
   */
  static void uriEncode(byte[] bytes, StringBuilder out) {
    for (byte b : bytes) {
      int c = b & 0xff;
      if (unreserved(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(UPPER_HEX[c >> 4]).append(UPPER_HEX[c & 0xf]);
      }
    }
  }

  /** As {@link #uriEncode(byte[], StringBuilder)}, into canonical-request bytes. */
  static void uriEncode(byte[] bytes, CanonicalBytes out) {
    for (byte b : bytes) {
      uriEncode(b, out);
    }
  }

  private static void uriEncode(byte b, CanonicalBytes out) {
    int c = b & 0xff;
    if (unreserved(c)) {
      out.append(c);
    } else {
      out.append('%').append(UPPER_HEX[c >> 4]).append(UPPER_HEX[c & 0xf]);
    }
  }

  private static boolean unreserved(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /** As {@link #uriEncode(byte[], CanonicalBytes)}, but a '/' byte stays '/'. */
  static void uriEncodeKeepingSlashes(byte[] bytes, CanonicalBytes out) {
    for (byte b : bytes) {
      if (b == '/') {
        out.append('/');
      } else {
        uriEncode(b, out);
      }
    }
  }

  /** A string safe to quote in an error message: printable ASCII, at most 80 chars. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 80; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (b.length() >= 80 && s.length() > 80) {
      b.append("...");
    }
    return b.toString();
  }
}
