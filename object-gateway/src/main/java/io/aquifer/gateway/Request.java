package io.aquifer.gateway;

import io.aquifer.gateway.auth.Principal;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed S3 request: bucket and key from path-style or virtual-host-style addressing, decoded
 * query parameters, and the authenticated principal.
 */
final class Request {
  final Exchange ex;
  final HttpMethod method;
  final String rawPath;
  final String rawQuery;
  final Map<String, String> query;
  final String bucket;
  final String key;
  Principal principal;

  /** The authenticated user's name, set after authentication. */
  String user;

  /** Whether {@link #user} administers the node. */
  boolean admin;

  /**
   * The object from memory when the request is answered on the event loop ({@link
   * S3Handler#tryOnEventLoop}): then {@link ObjectOps} takes the object's info and bytes from it
   * instead of calling the store. Null on the normal path.
   */
  io.aquifer.storage.CachedObject cached;

  private Request(
      Exchange ex,
      String rawPath,
      String rawQuery,
      Map<String, String> query,
      String bucket,
      String key) {
    this.ex = ex;
    this.method = ex.method();
    this.rawPath = rawPath;
    this.rawQuery = rawQuery;
    this.query = query;
    this.bucket = bucket;
    this.key = key;
  }

  static Request parse(Exchange ex, List<String> virtualHostDomains) {
    String uri = ex.request.uri();
    if (uri.startsWith("http://") || uri.startsWith("https://")) {
      int slash = uri.indexOf('/', uri.indexOf("//") + 2);
      uri = slash < 0 ? "/" : uri.substring(slash);
    }
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String rawQuery = q < 0 ? "" : uri.substring(q + 1);
    if (!rawPath.startsWith("/")) {
      throw new S3Exception(S3Error.INVALID_REQUEST, "the request target must start with '/'");
    }
    Map<String, String> query = parseQuery(rawQuery);
    String path = decodePath(rawPath);
    String hostBucket = hostBucket(ex.headers().get("host"), virtualHostDomains);
    String bucket;
    String key;
    if (hostBucket != null) {
      bucket = hostBucket;
      key = path.length() > 1 ? path.substring(1) : null;
    } else {
      String rest = path.substring(1);
      int slash = rest.indexOf('/');
      if (rest.isEmpty()) {
        bucket = null;
        key = null;
      } else if (slash < 0) {
        bucket = rest;
        key = null;
      } else {
        bucket = rest.substring(0, slash);
        key = slash + 1 < rest.length() ? rest.substring(slash + 1) : null;
      }
    }
    return new Request(ex, rawPath, rawQuery, query, bucket, key);
  }

  private static String hostBucket(String host, List<String> domains) {
    if (host == null || domains.isEmpty()) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon > 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    for (String d : domains) {
      String dl = d.toLowerCase(Locale.ROOT);
      if (h.length() > dl.length() + 1 && h.endsWith("." + dl)) {
        return h.substring(0, h.length() - dl.length() - 1);
      }
    }
    return null;
  }

  HttpHeaders headers() {
    return ex.headers();
  }

  String header(String name) {
    return ex.headers().get(name);
  }

  boolean has(String param) {
    return query.containsKey(param);
  }

  /** Whether the request has any query parameter. */
  boolean hasParams() {
    return !query.isEmpty();
  }

  String param(String name) {
    return query.get(name);
  }

  /** The resource named in error responses. */
  String resource() {
    return rawPath;
  }

  // ---- decoding

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq), true);
      String value = eq < 0 ? "" : decode(part.substring(eq + 1), true);
      out.putIfAbsent(name, value);
    }
    return out;
  }

  static String decodePath(String raw) {
    return decode(raw, false);
  }

  /**
   * Percent-decodes {@code s} as UTF-8; in a query, '+' means space. Bad escapes or invalid UTF-8
   * fail with InvalidArgument.
   */
  static String decode(String s, boolean query) {
    if (s.indexOf('%') < 0 && (!query || s.indexOf('+') < 0)) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new S3Exception(S3Error.INVALID_URI, "invalid percent-encoding in the URI");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new S3Exception(S3Error.INVALID_URI, "invalid percent-encoding in the URI");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+' && query) {
        out.write(' ');
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.writeBytes(b);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new S3Exception(S3Error.INVALID_URI, "the URI is not valid UTF-8");
    }
  }

  /** Percent-encodes for URL encoding-type responses: everything but unreserved bytes and '/'. */
  static String urlEncode(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == '/') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.toString();
  }
}
