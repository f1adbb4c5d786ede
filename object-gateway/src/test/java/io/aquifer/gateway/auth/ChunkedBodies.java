package io.aquifer.gateway.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test encoder of aws-chunked bodies, written from the published format independently of the
 * decoder and of {@link ChunkSigner}: its own HMAC and hashing, its own framing.
 */
public final class ChunkedBodies {
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String AMZ_DATE = "20130524T000000Z";
  static final String SCOPE = "20130524/us-east-1/s3/aws4_request";

  private ChunkedBodies() {}

  /** The keys and chain state of one signed body. */
  public static final class Signing {
    final byte[] key;
    final String amzDate;
    final String scope;
    final String seed;
    String previous;

    public Signing(byte[] key, String amzDate, String scope, String seed) {
      this.key = key;
      this.amzDate = amzDate;
      this.scope = scope;
      this.seed = seed;
      this.previous = seed;
    }

    /** The decoder-side signer for the same request. */
    ChunkSigner signer() {
      return new ChunkSigner(key, amzDate, scope, seed);
    }

    String chunk(byte[] data, int from, int length) {
      String s =
          "AWS4-HMAC-SHA256-PAYLOAD\n"
              + amzDate
              + "\n"
              + scope
              + "\n"
              + previous
              + "\n"
              + sha256Hex(new byte[0], 0, 0)
              + "\n"
              + sha256Hex(data, from, length);
      previous = hmacHex(key, s);
      return previous;
    }

    String trailer(String canonicalTrailers) {
      byte[] t = canonicalTrailers.getBytes(StandardCharsets.ISO_8859_1);
      String s =
          "AWS4-HMAC-SHA256-TRAILER\n"
              + amzDate
              + "\n"
              + scope
              + "\n"
              + previous
              + "\n"
              + sha256Hex(t, 0, t.length);
      previous = hmacHex(key, s);
      return previous;
    }
  }

  /** The signing key of the AWS documentation's examples. */
  static byte[] docKey() {
    return signingKey(SECRET, "20130524", "us-east-1");
  }

  public static byte[] signingKey(String secret, String date, String region) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, "s3");
    return hmac(k, "aws4_request");
  }

  /**
   * Encodes {@code payload} in chunks of the given sizes (the last size repeats; a final 0-size
   * chunk is added), signed when {@code signing} is non-null, with {@code trailers} after the final
   * chunk when non-null (signed with the trailer signature when signing).
   */
  public static byte[] encode(
      byte[] payload, List<Integer> sizes, Signing signing, Map<String, String> trailers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    int i = 0;
    while (pos < payload.length) {
      int size = Math.min(sizes.get(Math.min(i++, sizes.size() - 1)), payload.length - pos);
      header(out, size, signing == null ? null : signing.chunk(payload, pos, size));
      out.write(payload, pos, size);
      ascii(out, "\r\n");
      pos += size;
    }
    header(out, 0, signing == null ? null : signing.chunk(payload, 0, 0));
    if (trailers != null) {
      StringBuilder canonical = new StringBuilder();
      for (Map.Entry<String, String> e : trailers.entrySet()) {
        ascii(out, e.getKey() + ":" + e.getValue() + "\r\n");
        canonical.append(e.getKey()).append(':').append(e.getValue()).append('\n');
      }
      if (signing != null) {
        ascii(out, "x-amz-trailer-signature:" + signing.trailer(canonical.toString()) + "\r\n");
      }
    }
    ascii(out, "\r\n");
    return out.toByteArray();
  }

  private static void header(ByteArrayOutputStream out, int size, String signature) {
    ascii(out, Integer.toHexString(size));
    if (signature != null) {
      ascii(out, ";chunk-signature=" + signature);
    }
    ascii(out, "\r\n");
  }

  static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static String sha256Hex(byte[] data, int from, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, from, length);
      return HexFormat.of().formatHex(md.digest());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  public static String hmacHex(byte[] key, String data) {
    return HexFormat.of().formatHex(hmac(key, data));
  }
}
