package io.aquifer.gateway.auth;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;

/**
 * Verifies AWS Signature Version 4 on S3 requests: the {@code Authorization} header form and the
 * presigned-URL (query string) form, for the service {@code s3} in one region.
 *
 * <p>The canonical request follows S3's rules: the canonical URI is the request path, each segment
 * between '/' percent-decoded (no '+' rule) and re-encoded with every byte but {@code A-Z a-z 0-9 -
 * . _ ~} as {@code %XX} (so an escaped slash {@code %2F} stays escaped), without normalization (no
 * removal of {@code //} or dot segments, no double encoding); a path with an escaped slash is also
 * accepted when signed with that slash as '/', which is what the SDK for Java's Apache client does
 * for keys with {@code //} or a leading '/'; the canonical query decodes and re-encodes each name
 * and value the same way ('/' encoded too), sorted by name then value, a parameter without '='
 * having an empty value; each signed header is its values trimmed, runs of blanks collapsed to one
 * space, repeated headers joined with ','.
 *
 * <p>Errors, each an {@link S3Exception}:
 *
 * <ul>
 *   <li>both the Authorization header and query authentication: {@code InvalidArgument};
 *   <li>SigV2 ({@code AWS AK:sig}, or {@code AWSAccessKeyId}+{@code Signature} in the query) and
 *       SigV4a: {@code InvalidRequest}, only AWS4-HMAC-SHA256 is supported; any other scheme:
 *       {@code InvalidArgument};
 *   <li>a malformed header, a credential scope with another region or service, a bad terminator, a
 *       scope date other than the request's date, {@code host} not signed: {@code
 *       AuthorizationHeaderMalformed} (for presigned URLs: {@code
 *       AuthorizationQueryParametersError}, also for a missing parameter or {@code X-Amz-Expires}
 *       outside 1..604800);
 *   <li>no valid {@code x-amz-date} or {@code Date}: {@code AccessDenied};
 *   <li>request time more than 15 minutes from the clock: {@code RequestTimeTooSkewed}; presigned
 *       URL past its expiry: {@code AccessDenied} "Request has expired"; dated more than 15 minutes
 *       ahead: {@code AccessDenied} "Request is not valid yet";
 *   <li>header authentication without {@code x-amz-content-sha256}: {@code InvalidRequest}; a value
 *       that is neither 64 hex digits nor a known keyword: {@code InvalidArgument}; a SigV4a
 *       streaming keyword: {@code NotImplemented}; a signed streaming keyword on an anonymous
 *       request: {@code InvalidRequest};
 *   <li>an {@code x-amz-*} header present but not signed (header authentication only): {@code
 *       AccessDenied};
 *   <li>a malformed percent-escape in the path or query of a signed request: {@code
 *       InvalidArgument};
 *   <li>unknown access key: {@code InvalidAccessKeyId}; wrong signature: {@code
 *       SignatureDoesNotMatch}.
 * </ul>
 *
 * <p>Thread-safe; signing keys are cached per secret, day and region.
 */
public final class SigV4Verifier {
  /** The largest difference allowed between a request's time and the clock. */
  static final Duration MAX_SKEW = Duration.ofMinutes(15);

  /** The longest validity of a presigned URL, in seconds (one week). */
  static final long MAX_EXPIRES_SECONDS = 604_800;

  static final int KEY_CACHE_LIMIT = 4096;
  private static final String CONTENT_SHA256 = "x-amz-content-sha256";
  private static final String AMZ_DATE = "x-amz-date";
  private static final AsciiString AMZ_PREFIX = AsciiString.cached("x-amz-");
  private static final String HEADER_PREFIX = "The authorization header is malformed; ";
  private static final String CREDENTIAL_PREFIX = "Error parsing the X-Amz-Credential parameter; ";
  private static final String UNSUPPORTED_MECHANISM =
      "The authorization mechanism you have provided is not supported."
          + " Please use AWS4-HMAC-SHA256.";
  private static final String NEEDS_DATE =
      "AWS authentication requires a valid Date or x-amz-date header";

  private final CredentialStore credentials;
  private final String region;
  private final Clock clock;
  private final ConcurrentHashMap<KeyId, SigningKey> signingKeys = new ConcurrentHashMap<>();

  private record KeyId(String secret, String date, String region) {}

  /**
   * A derived signing key and an HMAC initialized with it, never used itself: each signature is
   * computed on a clone of it.
   */
  private record SigningKey(byte[] key, Mac prototype) {
    Mac mac() {
      return SigV4.copyMac(prototype, key);
    }
  }

  /** One query parameter as received, with its name decoded leniently for look-ups. */
  private record Param(String rawName, String rawValue, String name) {}

  /** A parsed credential scope. */
  private record Scope(String accessKey, String date, String region, String service) {
    String value() {
      return date + "/" + region + "/" + service + "/" + SigV4.TERMINATOR;
    }
  }

  /** How the body is authenticated, and the payload-hash line of the canonical request. */
  private record Payload(PayloadMode mode, String sha256, String line) {}

  /**
   * A verifier for one region.
   *
   * @param credentials where secrets come from
   * @param region the one region the gateway answers for, e.g. {@code us-east-1}
   * @param clock the time against which request dates and presigned expiries are checked
   */
  public SigV4Verifier(CredentialStore credentials, String region, Clock clock) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.region = Objects.requireNonNull(region, "region");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Authenticates one request.
   *
   * @param method the HTTP method, e.g. {@code GET}
   * @param rawPath the request-target path exactly as received, percent-encoded, without the query
   * @param rawQuery the query string exactly as received, without '?'; "" when none
   * @param headers the request headers
   * @return the principal: an access key, or anonymous when the request carries neither an
   *     Authorization header nor query authentication
   * @throws S3Exception with the precise S3 error when authentication fails
   */
  public Principal verify(String method, String rawPath, String rawQuery, HttpHeaders headers) {
    List<Param> params = parseQuery(rawQuery == null ? "" : rawQuery);
    List<String> authorization = headers.getAll(HttpHeaderNames.AUTHORIZATION);
    boolean queryAuth =
        has(params, "X-Amz-Signature")
            || has(params, "X-Amz-Algorithm")
            || has(params, "X-Amz-Credential");
    if (!authorization.isEmpty() && queryAuth) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT,
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature"
              + " query string parameter or the Authorization header should be specified");
    }
    if (!authorization.isEmpty()) {
      return headerAuth(method, rawPath, params, headers, authorization);
    }
    if (queryAuth) {
      return queryAuth(method, rawPath, params, headers);
    }
    if (has(params, "AWSAccessKeyId") && has(params, "Signature")) {
      throw new S3Exception(S3Error.INVALID_REQUEST, UNSUPPORTED_MECHANISM);
    }
    return anonymous(headers);
  }

  // ---------------------------------------------------------------- the Authorization header

  private Principal headerAuth(
      String method,
      String rawPath,
      List<Param> params,
      HttpHeaders headers,
      List<String> authorization) {
    S3Error malformed = S3Error.AUTHORIZATION_HEADER_MALFORMED;
    if (authorization.size() > 1) {
      throw new S3Exception(malformed, HEADER_PREFIX + "the request has several of them");
    }
    String value = authorization.get(0).strip();
    int space = firstBlank(value);
    String scheme = space < 0 ? value : value.substring(0, space);
    if (!scheme.equals(SigV4.ALGORITHM)) {
      if (scheme.equals("AWS") || scheme.equals("AWS4-ECDSA-P256-SHA256")) {
        throw new S3Exception(S3Error.INVALID_REQUEST, UNSUPPORTED_MECHANISM);
      }
      throw new S3Exception(S3Error.INVALID_ARGUMENT, "Unsupported Authorization Type");
    }
    String credential = null;
    String signedHeaders = null;
    String signature = null;
    String rest = space < 0 ? "" : value.substring(space);
    for (String part : components(rest)) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new S3Exception(
            malformed,
            HEADER_PREFIX
                + "the component '"
                + SigV4.quote(part)
                + "' is not of the form key=value");
      }
      String k = part.substring(0, eq);
      String v = part.substring(eq + 1);
      switch (k) {
        case "Credential" -> {
          requireOnce(credential, k);
          credential = v;
        }
        case "SignedHeaders" -> {
          requireOnce(signedHeaders, k);
          signedHeaders = v;
        }
        case "Signature" -> {
          requireOnce(signature, k);
          signature = v;
        }
        default ->
            throw new S3Exception(
                malformed, HEADER_PREFIX + "unknown component '" + SigV4.quote(k) + "'");
      }
    }
    if (credential == null || signedHeaders == null || signature == null) {
      throw new S3Exception(
          malformed,
          HEADER_PREFIX + "it must have the components Credential, SignedHeaders and Signature");
    }
    Scope scope = parseCredential(credential, malformed, HEADER_PREFIX);

    String amzDate;
    Instant time;
    String dateHeader = headers.get(AMZ_DATE);
    if (dateHeader != null) {
      amzDate = dateHeader.strip();
      time = SigV4.parseAmzDate(amzDate);
    } else {
      time = parseHttpDate(headers.get(HttpHeaderNames.DATE));
      amzDate = time == null ? null : SigV4.formatAmzDate(time);
    }
    if (time == null) {
      throw new S3Exception(S3Error.ACCESS_DENIED, NEEDS_DATE);
    }
    if (!amzDate.startsWith(scope.date())) {
      throw new S3Exception(
          malformed,
          HEADER_PREFIX + "Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    Duration skew = Duration.between(time, clock.instant()).abs();
    if (skew.compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(
          S3Error.REQUEST_TIME_TOO_SKEWED,
          "The difference between the request time and the current time is too large.");
    }

    List<String> names = signedHeaderNames(signedHeaders, malformed, HEADER_PREFIX);
    String sha = headers.get(CONTENT_SHA256);
    if (sha == null) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST, "Missing required header for this request: " + CONTENT_SHA256);
    }
    Payload payload = payload(sha.strip());
    Set<String> unsigned = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      if (AMZ_PREFIX.regionMatches(true, 0, name, 0, AMZ_PREFIX.length())) {
        String lower = name.toString().toLowerCase(Locale.ROOT);
        if (!names.contains(lower)) {
          if (unsigned == null) {
            unsigned = new TreeSet<>();
          }
          unsigned.add(lower);
        }
      }
    }
    if (unsigned != null) {
      throw new S3Exception(
          S3Error.ACCESS_DENIED,
          "There were headers present in the request which were not signed: "
              + String.join(", ", unsigned));
    }

    String secret = secret(scope.accessKey());
    SigningKey key = signingKey(secret, scope.date());
    String expected =
        matchingSignature(
            signature,
            key,
            amzDate,
            scope,
            method,
            rawPath,
            params,
            false,
            headers,
            names,
            signedHeaders,
            payload.line());
    ChunkSigner chunkSigner =
        payload.mode().signedChunks()
            ? new ChunkSigner(key.key(), amzDate, scope.value(), expected)
            : null;
    return new Principal(scope.accessKey(), payload.mode(), payload.sha256(), chunkSigner);
  }

  // ---------------------------------------------------------------- presigned URLs

  private Principal queryAuth(
      String method, String rawPath, List<Param> params, HttpHeaders headers) {
    S3Error error = S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR;
    String algorithm = single(params, "X-Amz-Algorithm");
    String credential = single(params, "X-Amz-Credential");
    String date = single(params, "X-Amz-Date");
    String expires = single(params, "X-Amz-Expires");
    String signedHeaders = single(params, "X-Amz-SignedHeaders");
    String signature = single(params, "X-Amz-Signature");
    if (algorithm == null
        || credential == null
        || date == null
        || expires == null
        || signedHeaders == null
        || signature == null) {
      throw new S3Exception(
          error,
          "Query-string authentication version 4 requires the X-Amz-Algorithm,"
              + " X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders,"
              + " and X-Amz-Expires parameters.");
    }
    if (!algorithm.equals(SigV4.ALGORITHM)) {
      throw new S3Exception(error, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    }
    Scope scope = parseCredential(credential, error, CREDENTIAL_PREFIX);
    Instant time = SigV4.parseAmzDate(date);
    if (time == null) {
      throw new S3Exception(
          error, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    long seconds = parseExpires(expires);
    if (!date.startsWith(scope.date())) {
      throw new S3Exception(
          error,
          CREDENTIAL_PREFIX + "Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    Instant now = clock.instant();
    if (now.isBefore(time.minus(MAX_SKEW))) {
      throw new S3Exception(S3Error.ACCESS_DENIED, "Request is not valid yet");
    }
    if (now.isAfter(time.plusSeconds(seconds))) {
      throw new S3Exception(S3Error.ACCESS_DENIED, "Request has expired");
    }
    List<String> names = signedHeaderNames(signedHeaders, error, "");
    Payload payload = new Payload(PayloadMode.UNSIGNED, null, PayloadMode.UNSIGNED.keyword());
    String hashParam = single(params, "X-Amz-Content-Sha256");
    if (hashParam != null) {
      if (SigV4.isHex(hashParam, 64)) {
        payload = new Payload(PayloadMode.SIGNED, hashParam.toLowerCase(Locale.ROOT), hashParam);
      } else if (!hashParam.equals(PayloadMode.UNSIGNED.keyword())) {
        throw new S3Exception(
            error, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex");
      }
    }
    String secret = secret(scope.accessKey());
    SigningKey key = signingKey(secret, scope.date());
    matchingSignature(
        signature,
        key,
        date,
        scope,
        method,
        rawPath,
        params,
        true,
        headers,
        names,
        signedHeaders,
        payload.line());
    return new Principal(scope.accessKey(), payload.mode(), payload.sha256(), null);
  }

  private static void requireOnce(String seen, String component) {
    if (seen != null) {
      throw new S3Exception(
          S3Error.AUTHORIZATION_HEADER_MALFORMED,
          HEADER_PREFIX + "the component " + component + " is repeated");
    }
  }

  private static long parseExpires(String expires) {
    long seconds = -1;
    if (!expires.isEmpty()
        && expires.length() <= 10
        && expires.chars().allMatch(Character::isDigit)) {
      seconds = Long.parseLong(expires);
    }
    if (seconds < 1 || seconds > MAX_EXPIRES_SECONDS) {
      throw new S3Exception(
          S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
          "X-Amz-Expires must be a number of seconds from 1 to "
              + MAX_EXPIRES_SECONDS
              + " (one week), not '"
              + SigV4.quote(expires)
              + "'");
    }
    return seconds;
  }

  // ---------------------------------------------------------------- anonymous requests

  private static Principal anonymous(HttpHeaders headers) {
    String sha = headers.get(CONTENT_SHA256);
    if (sha == null) {
      return new Principal(null, PayloadMode.UNSIGNED, null, null);
    }
    Payload payload = payload(sha.strip());
    if (payload.mode().signedChunks()) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST,
          CONTENT_SHA256
              + ": "
              + payload.line()
              + " needs a signed request, and this one has no Authorization");
    }
    return new Principal(null, payload.mode(), payload.sha256(), null);
  }

  // ---------------------------------------------------------------- pieces

  private static Payload payload(String value) {
    for (PayloadMode m : PayloadMode.values()) {
      if (value.equals(m.keyword())) {
        return new Payload(m, null, value);
      }
    }
    if (SigV4.isHex(value, 64)) {
      return new Payload(PayloadMode.SIGNED, value.toLowerCase(Locale.ROOT), value);
    }
    if (value.equals("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
        || value.equals("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER")) {
      throw new S3Exception(
          S3Error.NOT_IMPLEMENTED,
          CONTENT_SHA256 + ": " + value + " needs SigV4a signing, which is not supported");
    }
    throw new S3Exception(
        S3Error.INVALID_ARGUMENT,
        CONTENT_SHA256
            + " must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER,"
            + " STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
            + " or a valid sha256 value, not '"
            + SigV4.quote(value)
            + "'");
  }

  private Scope parseCredential(String credential, S3Error error, String prefix) {
    String[] parts = credential.split("/", -1);
    boolean empty = false;
    for (String p : parts) {
      empty |= p.isEmpty();
    }
    if (parts.length != 5 || empty) {
      throw new S3Exception(
          error,
          prefix
              + "the Credential is mal-formed; expecting"
              + " \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    }
    if (!SigV4.isScopeDate(parts[1])) {
      throw new S3Exception(
          error,
          prefix
              + "incorrect date format \""
              + SigV4.quote(parts[1])
              + "\". This date in the credential must be in the format \"yyyyMMdd\".");
    }
    if (!parts[2].equals(region)) {
      throw new S3Exception(
          error,
          prefix
              + "the region '"
              + SigV4.quote(parts[2])
              + "' is wrong; expecting '"
              + region
              + "'");
    }
    if (!parts[3].equals(SigV4.SERVICE)) {
      throw new S3Exception(
          error,
          prefix
              + "the service '"
              + SigV4.quote(parts[3])
              + "' is wrong; Credential should be scoped to correct service: 's3'.");
    }
    if (!parts[4].equals(SigV4.TERMINATOR)) {
      throw new S3Exception(
          error,
          prefix
              + "Credential should be scoped with a valid terminator: 'aws4_request', not '"
              + SigV4.quote(parts[4])
              + "'.");
    }
    return new Scope(parts[0], parts[1], parts[2], parts[3]);
  }

  private static List<String> signedHeaderNames(
      String signedHeaders, S3Error error, String prefix) {
    List<String> names = new ArrayList<>();
    for (String n : signedHeaders.split(";", -1)) {
      if (n.isEmpty()) {
        throw new S3Exception(
            error,
            prefix + "the SignedHeaders '" + SigV4.quote(signedHeaders) + "' has an empty name");
      }
      names.add(n.toLowerCase(Locale.ROOT));
    }
    if (!names.contains("host")) {
      throw new S3Exception(error, prefix + "the SignedHeaders must include 'host'");
    }
    return names;
  }

  private String secret(String accessKey) {
    Optional<String> secret = credentials.secretKey(accessKey);
    if (secret.isEmpty()) {
      throw new S3Exception(
          S3Error.INVALID_ACCESS_KEY_ID,
          "The AWS Access Key Id you provided does not exist in our records.");
    }
    return secret.get();
  }

  /**
   * The signing key of {@code secret} for {@code date} in this region. Cached by the secret itself,
   * so a rotated or removed secret is never matched by an entry made for it; the cache holds at
   * most {@link #KEY_CACHE_LIMIT} entries and is emptied when full.
   */
  private SigningKey signingKey(String secret, String date) {
    KeyId id = new KeyId(secret, date, region);
    SigningKey key = signingKeys.get(id);
    if (key == null) {
      if (signingKeys.size() >= KEY_CACHE_LIMIT) {
        signingKeys.clear();
      }
      byte[] k = SigV4.signingKey(secret, date, region, SigV4.SERVICE);
      key = new SigningKey(k, SigV4.newMac(k));
      signingKeys.put(id, key);
    }
    return key;
  }

  /** Entries in the signing-key cache (for tests of its bound). */
  int cachedSigningKeys() {
    return signingKeys.size();
  }

  private static void checkSignature(String expected, String provided) {
    if (!equal(expected, provided)) {
      throw new S3Exception(
          S3Error.SIGNATURE_DOES_NOT_MATCH,
          "The request signature we calculated does not match the signature you provided."
              + " Check your key and signing method.");
    }
  }

  /**
   * The expected signature that matches {@code provided}, lowercase hex, or {@code
   * SignatureDoesNotMatch}. The canonical URI keeps an escaped slash ({@code %2F}) escaped, as a
   * signer that encodes the path itself computes it; when that does not match and the path has an
   * escaped slash, the canonical URI with {@code %2F} read as '/' is tried too: the SDK for Java's
   * Apache client signs {@code /b/a//k} and then sends {@code /b/a/%2Fk}, because the Apache client
   * would otherwise collapse the double slash. Both forms name the same key (the gateway decodes
   * {@code %2F} to '/'), so accepting either lets no signature stand for another resource.
   */
  private static String matchingSignature(
      String provided,
      SigningKey key,
      String amzDate,
      Scope scope,
      String method,
      String rawPath,
      List<Param> params,
      boolean presigned,
      HttpHeaders headers,
      List<String> names,
      String signedHeaders,
      String payloadLine) {
    String expected =
        signature(
            key,
            amzDate,
            scope,
            method,
            rawPath,
            false,
            params,
            presigned,
            headers,
            names,
            signedHeaders,
            payloadLine);
    if (!equal(expected, provided) && hasEscapedSlash(rawPath)) {
      String slashes =
          signature(
              key,
              amzDate,
              scope,
              method,
              rawPath,
              true,
              params,
              presigned,
              headers,
              names,
              signedHeaders,
              payloadLine);
      if (equal(slashes, provided)) {
        return slashes;
      }
    }
    checkSignature(expected, provided);
    return expected;
  }

  private static boolean hasEscapedSlash(String rawPath) {
    for (int i = rawPath.indexOf('%'); i >= 0 && i + 2 < rawPath.length(); ) {
      if (rawPath.charAt(i + 1) == '2' && (rawPath.charAt(i + 2) | 0x20) == 'f') {
        return true;
      }
      i = rawPath.indexOf('%', i + 1);
    }
    return false;
  }

  /**
   * Whether the two signatures are equal, in time that depends only on their lengths: {@code
   * expected} is lowercase hex; {@code provided} is compared char by char as received.
   */
  static boolean equal(String expected, String provided) {
    if (expected.length() != provided.length()) {
      return false;
    }
    int diff = 0;
    for (int i = 0; i < expected.length(); i++) {
      diff |= expected.charAt(i) ^ provided.charAt(i);
    }
    return diff == 0;
  }

  /** The expected signature, lowercase hex. */
  private static String signature(
      SigningKey key,
      String amzDate,
      Scope scope,
      String method,
      String rawPath,
      boolean decodeSlashes,
      List<Param> params,
      boolean presigned,
      HttpHeaders headers,
      List<String> names,
      String signedHeaders,
      String payloadLine) {
    CanonicalBytes canonical =
        canonicalRequest(
            method,
            rawPath,
            decodeSlashes,
            params,
            presigned,
            headers,
            names,
            signedHeaders,
            payloadLine);
    MessageDigest sha = SigV4.newSha256();
    String stringToSign =
        SigV4.ALGORITHM
            + "\n"
            + amzDate
            + "\n"
            + scope.value()
            + "\n"
            + SigV4.hex(digest(sha, canonical));
    return SigV4.hex(key.mac().doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] digest(MessageDigest sha, CanonicalBytes canonical) {
    canonical.updateTo(sha);
    return sha.digest();
  }

  /** The canonical request's bytes. */
  private static CanonicalBytes canonicalRequest(
      String method,
      String rawPath,
      boolean decodeSlashes,
      List<Param> params,
      boolean presigned,
      HttpHeaders headers,
      List<String> names,
      String signedHeaders,
      String payloadLine) {
    // one char per byte throughout, as ISO-8859-1
    CanonicalBytes c = new CanonicalBytes(512);
    c.append(method).append('\n');
    appendCanonicalUri(rawPath, decodeSlashes, c);
    c.append('\n');
    appendCanonicalQuery(params, presigned, c);
    c.append('\n');
    for (String name : names) {
      c.append(name).append(':');
      boolean first = true;
      for (String v : headers.getAll(name)) {
        if (!first) {
          c.append(',');
        }
        first = false;
        appendHeaderValue(v, c);
      }
      c.append('\n');
    }
    c.append('\n');
    c.append(signedHeaders).append('\n');
    c.append(payloadLine);
    return c;
  }

  private static void appendCanonicalUri(String rawPath, boolean decodeSlashes, CanonicalBytes c) {
    if (rawPath == null || rawPath.isEmpty()) {
      c.append('/');
      return;
    }
    // segment by segment, so that an escaped slash (%2F) stays escaped, unless asked to read it
    // as a separator
    int from = 0;
    while (true) {
      int slash = rawPath.indexOf('/', from);
      String segment = slash < 0 ? rawPath.substring(from) : rawPath.substring(from, slash);
      byte[] bytes = SigV4.percentDecode(segment);
      if (bytes == null) {
        throw new S3Exception(
            S3Error.INVALID_ARGUMENT,
            "The request path has a malformed percent-encoding: " + SigV4.quote(rawPath));
      }
      if (decodeSlashes) {
        SigV4.uriEncodeKeepingSlashes(bytes, c);
      } else {
        SigV4.uriEncode(bytes, c);
      }
      if (slash < 0) {
        return;
      }
      c.append('/');
      from = slash + 1;
    }
  }

  private static void appendCanonicalQuery(
      List<Param> params, boolean presigned, CanonicalBytes c) {
    List<String[]> pairs = new ArrayList<>(params.size());
    for (Param p : params) {
      if (presigned && p.name().equals("X-Amz-Signature")) {
        continue;
      }
      pairs.add(new String[] {encodeQueryPart(p.rawName()), encodeQueryPart(p.rawValue())});
    }
    pairs.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
    boolean first = true;
    for (String[] p : pairs) {
      if (!first) {
        c.append('&');
      }
      first = false;
      c.append(p[0]).append('=').append(p[1]);
    }
  }

  private static String encodeQueryPart(String raw) {
    byte[] decoded = SigV4.percentDecode(raw);
    if (decoded == null) {
      throw new S3Exception(
          S3Error.INVALID_ARGUMENT,
          "The query string has a malformed percent-encoding: " + SigV4.quote(raw));
    }
    StringBuilder b = new StringBuilder(decoded.length + 8);
    SigV4.uriEncode(decoded, b);
    return b.toString();
  }

  /** Appends a header value trimmed, each run of blanks as one space, one char per byte. */
  private static void appendHeaderValue(String value, CanonicalBytes c) {
    if (SigV4.isLatin1(value)) {
      appendLatin1HeaderValue(value, c);
      return;
    }
    byte[] bytes = SigV4.bytesOf(value);
    int start = 0;
    int end = bytes.length;
    while (start < end && blank(bytes[start])) {
      start++;
    }
    while (end > start && blank(bytes[end - 1])) {
      end--;
    }
    boolean inBlank = false;
    for (int i = start; i < end; i++) {
      byte b = bytes[i];
      if (blank(b)) {
        if (!inBlank) {
          c.append(' ');
        }
        inBlank = true;
      } else {
        c.append(b & 0xff);
        inBlank = false;
      }
    }
  }

  /** {@link #appendHeaderValue} of a value whose chars are its bytes, read without a copy. */
  private static void appendLatin1HeaderValue(String value, CanonicalBytes c) {
    int start = 0;
    int end = value.length();
    while (start < end && blank(value.charAt(start))) {
      start++;
    }
    while (end > start && blank(value.charAt(end - 1))) {
      end--;
    }
    boolean inBlank = false;
    for (int i = start; i < end; i++) {
      char ch = value.charAt(i);
      if (blank(ch)) {
        if (!inBlank) {
          c.append(' ');
        }
        inBlank = true;
      } else {
        c.append(ch);
        inBlank = false;
      }
    }
  }

  private static boolean blank(char ch) {
    return ch == ' ' || ch == '\t';
  }

  /**
   * The components of the Authorization header after the scheme: the runs of characters between
   * commas and whitespace ({@code \\s}: space, tab, newline, vertical tab, form feed, carriage
   * return).
   */
  static List<String> components(String rest) {
    List<String> out = new ArrayList<>(3);
    int i = 0;
    int n = rest.length();
    while (i < n) {
      while (i < n && separator(rest.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && !separator(rest.charAt(i))) {
        i++;
      }
      if (i > start) {
        out.add(rest.substring(start, i));
      }
    }
    return out;
  }

  private static boolean separator(char c) {
    // every separator is at most ',' (0x2C), so one comparison settles the common char; '\t' to
    // '\r' are tab, newline, vertical tab, form feed and carriage return
    return c <= ',' && (c == ',' || c == ' ' || (c >= '\t' && c <= '\r'));
  }

  private static boolean blank(byte b) {
    return b == ' ' || b == '\t';
  }

  private static int firstBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static Instant parseHttpDate(String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static List<Param> parseQuery(String rawQuery) {
    List<Param> params = new ArrayList<>();
    if (rawQuery.isEmpty()) {
      return params;
    }
    for (String piece : rawQuery.split("&", -1)) {
      if (piece.isEmpty()) {
        continue;
      }
      int eq = piece.indexOf('=');
      String rawName = eq < 0 ? piece : piece.substring(0, eq);
      String rawValue = eq < 0 ? "" : piece.substring(eq + 1);
      byte[] decoded = SigV4.percentDecode(rawName);
      String name = decoded == null ? rawName : new String(decoded, StandardCharsets.UTF_8);
      params.add(new Param(rawName, rawValue, name));
    }
    return params;
  }

  private static boolean has(List<Param> params, String name) {
    for (Param p : params) {
      if (p.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The decoded value of a parameter that may appear at most once, or null when absent. */
  private static String single(List<Param> params, String name) {
    String value = null;
    for (Param p : params) {
      if (p.name().equals(name)) {
        if (value != null) {
          throw new S3Exception(
              S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
              "The query parameter " + name + " appears more than once");
        }
        byte[] decoded = SigV4.percentDecode(p.rawValue());
        if (decoded == null) {
          throw new S3Exception(
              S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
              "The query parameter " + name + " has a malformed percent-encoding");
        }
        value = new String(decoded, StandardCharsets.UTF_8);
      }
    }
    return value;
  }
}
