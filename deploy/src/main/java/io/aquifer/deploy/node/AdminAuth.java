package io.aquifer.deploy.node;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authentication of admin API requests with the root credentials: HMAC-SHA256 over the method, the
 * path with its query, the request time and the SHA-256 of the body, sent as {@code Authorization:
 * AQUIFER-HMAC-SHA256 Credential=<access key>, Signature=<hex>} with {@code X-Aquifer-Date:
 * yyyyMMdd'T'HHmmss'Z'}. Requests more than 15 minutes off the node's clock are refused.
 */
public final class AdminAuth {
  /** The scheme name in the Authorization header. */
  public static final String SCHEME = "AQUIFER-HMAC-SHA256";

  /** The header with the request time. */
  public static final String DATE_HEADER = "X-Aquifer-Date";

  /** Largest accepted difference between the request time and the node's clock. */
  public static final Duration MAX_SKEW = Duration.ofMinutes(15);

  static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private AdminAuth() {}

  /** The request time header value for {@code t}. */
  public static String date(Instant t) {
    return DATE.format(t);
  }

  /** The Authorization header value for a request. */
  public static String authorization(
      String accessKey,
      String secretKey,
      String method,
      String pathAndQuery,
      String date,
      byte[] body) {
    return SCHEME
        + " Credential="
        + accessKey
        + ", Signature="
        + signature(secretKey, method, pathAndQuery, date, body);
  }

  static String signature(
      String secretKey, String method, String pathAndQuery, String date, byte[] body) {
    try {
      String bodyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      String toSign = SCHEME + "\n" + date + "\n" + method + "\n" + pathAndQuery + "\n" + bodyHash;
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
    }
  }

  /** Why a request was refused. */
  enum Refusal {
    MISSING,
    MALFORMED,
    SKEWED,
    UNKNOWN_KEY,
    BAD_SIGNATURE,
    NOT_ROOT
  }

  /** The access key of an Authorization header, or null when it is not of this scheme. */
  static String accessKeyOf(String authorization) {
    if (authorization == null || !authorization.startsWith(SCHEME + " Credential=")) {
      return null;
    }
    int comma = authorization.indexOf(", Signature=");
    if (comma < 0) {
      return null;
    }
    return authorization.substring((SCHEME + " Credential=").length(), comma);
  }

  /**
   * Checks a request signed by {@code secretKey}.
   *
   * @return null when it is good, else why not
   */
  static Refusal check(
      String authorization,
      String date,
      String secretKey,
      String method,
      String pathAndQuery,
      byte[] body,
      Instant now) {
    if (authorization == null || date == null) {
      return Refusal.MISSING;
    }
    int sig = authorization.indexOf(", Signature=");
    if (accessKeyOf(authorization) == null || sig < 0) {
      return Refusal.MALFORMED;
    }
    Instant t;
    try {
      t = Instant.from(DATE.parse(date));
    } catch (DateTimeParseException e) {
      return Refusal.MALFORMED;
    }
    if (Duration.between(t, now).abs().compareTo(MAX_SKEW) > 0) {
      return Refusal.SKEWED;
    }
    String given = authorization.substring(sig + ", Signature=".length());
    String expected = signature(secretKey, method, pathAndQuery, date, body);
    return MessageDigest.isEqual(
            given.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))
        ? null
        : Refusal.BAD_SIGNATURE;
  }
}
