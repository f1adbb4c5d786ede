package io.aquifer.bench.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3, header form ({@code Authorization: AWS4-HMAC-SHA256 ...}). The
 * signing key is derived once per day; digests and MACs are kept per thread. Thread-safe.
 */
final class SigV4Signer {
  /** SHA-256 of the empty string: the payload hash of a request without a body. */
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  /** The payload hash of a body that is not signed. */
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  private record DayKey(String day, byte[] key) {}

  private final String accessKey;
  private final String secretKey;
  private final String region;
  private final ThreadLocal<MessageDigest> sha256 = ThreadLocal.withInitial(SigV4Signer::sha256);
  private final ThreadLocal<Mac> hmac = ThreadLocal.withInitial(SigV4Signer::hmacSha256);
  private volatile DayKey dayKey;
  private volatile SecondDate secondDate = new SecondDate(Long.MIN_VALUE, "");

  private record SecondDate(long second, String text) {}

  SigV4Signer(String accessKey, String secretKey, String region) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.region = region;
  }

  /** {@code 20130524T000000Z} for an instant; cached for the current second. */
  String amzDate(Instant now) {
    long s = now.getEpochSecond();
    SecondDate d = secondDate;
    if (d.second() != s) {
      d = new SecondDate(s, AMZ_DATE.format(Instant.ofEpochSecond(s)));
      secondDate = d;
    }
    return d.text();
  }

  /**
   * The Authorization header value for a request.
   *
   * @param method HTTP method
   * @param canonicalUri the path as sent, each segment URI-encoded ({@link #encodePath})
   * @param canonicalQuery the query as sent, sorted and encoded ({@link Query}); "" for none
   * @param signedHeaders lower-case header names to sign, with their values (trimmed), sorted; must
   *     hold host, x-amz-content-sha256 and x-amz-date
   * @param payloadHash hex SHA-256 of the body or {@link #UNSIGNED_PAYLOAD}
   */
  String authorization(
      String method,
      String canonicalUri,
      String canonicalQuery,
      SortedMap<String, String> signedHeaders,
      String payloadHash) {
    String amzDate = signedHeaders.get("x-amz-date");
    String day = amzDate.substring(0, 8);
    StringBuilder canonical = new StringBuilder(256);
    canonical.append(method).append('\n').append(canonicalUri).append('\n');
    canonical.append(canonicalQuery).append('\n');
    StringBuilder names = new StringBuilder(64);
    for (Map.Entry<String, String> h : signedHeaders.entrySet()) {
      canonical.append(h.getKey()).append(':').append(h.getValue().trim()).append('\n');
      if (!names.isEmpty()) {
        names.append(';');
      }
      names.append(h.getKey());
    }
    canonical.append('\n').append(names).append('\n').append(payloadHash);
    MessageDigest md = sha256.get();
    String canonicalHash =
        HEX.formatHex(md.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    String scope = day + "/" + region + "/s3/aws4_request";
    String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + canonicalHash;
    String signature = HEX.formatHex(mac(signingKey(day), toSign));
    return "AWS4-HMAC-SHA256 Credential="
        + accessKey
        + "/"
        + scope
        + ",SignedHeaders="
        + names
        + ",Signature="
        + signature;
  }

  private byte[] signingKey(String day) {
    DayKey k = dayKey;
    if (k == null || !k.day().equals(day)) {
      byte[] key = ("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8);
      for (String part : new String[] {day, region, "s3", "aws4_request"}) {
        key = mac(key, part);
      }
      k = new DayKey(day, key);
      dayKey = k;
    }
    return k.key();
  }

  private byte[] mac(byte[] key, String data) {
    Mac m = hmac.get();
    try {
      m.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  /** URI-encodes each path segment (RFC 3986 unreserved characters stay), keeping '/'. */
  static String encodePath(String path) {
    return encode(path, false);
  }

  /** URI-encodes a query name or value, '/' included. */
  static String encodeComponent(String s) {
    return encode(s, true);
  }

  private static String encode(String s, boolean slash) {
    StringBuilder b = null;
    byte[] bytes = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!unreserved(c) && (slash || c != '/')) {
        bytes = s.getBytes(StandardCharsets.UTF_8);
        b = new StringBuilder(bytes.length * 3);
        break;
      }
    }
    if (b == null) {
      return s;
    }
    for (byte x : bytes) {
      char c = (char) (x & 0xff);
      if (x >= 0 && (unreserved(c) || (!slash && c == '/'))) {
        b.append(c);
      } else {
        b.append('%').append(HexFormat.of().withUpperCase().toHexDigits(x));
      }
    }
    return b.toString();
  }

  private static boolean unreserved(char c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_'
        || c == '.'
        || c == '~';
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Mac hmacSha256() {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
