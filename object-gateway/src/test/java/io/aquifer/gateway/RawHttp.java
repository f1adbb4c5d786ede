package io.aquifer.gateway;

import io.aquifer.gateway.auth.SdkSigning;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Hand-built HTTP/1.1 over a plain socket: requests signed with the AWS SDK's own SigV4 signer (as
 * the auth tests do), written byte for byte as the test wants them, and responses parsed without
 * any client library in between.
 */
final class RawHttp implements AutoCloseable {
  /** Bounds every blocking read so that a broken test fails instead of hanging. */
  private static final int READ_BOUND_MILLIS = 30_000;

  final Socket socket;
  final OutputStream out;
  final InputStream in;

  RawHttp(int port) {
    try {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(READ_BOUND_MILLIS);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A parsed response; {@code headers} have lowercase names. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The S3 error code of an XML error body, or null. */
    String code() {
      String t = text();
      int a = t.indexOf("<Code>");
      int b = t.indexOf("</Code>");
      return a < 0 || b < a ? null : t.substring(a + 6, b);
    }

    boolean closes() {
      return "close".equalsIgnoreCase(headers.get("connection"));
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + text();
    }
  }

  /**
   * Signs a request for the gateway at {@code port} with the SDK's signer.
   *
   * @param path the encoded path as it goes on the wire
   * @param query {@code name=value} pairs joined by '&', "" for none; the SDK encodes the values,
   *     so they are written plain
   * @param payload the body to sign (its SHA-256, or aws-chunked framing when {@code chunked}), or
   *     null for none
   * @param headers name, value pairs to sign along
   */
  static SdkSigning.Wire sign(
      int port,
      String method,
      String path,
      String query,
      byte[] payload,
      boolean chunked,
      String secret,
      Clock clock,
      String... headers) {
    return sign(port, method, path, query, payload, chunked, true, secret, clock, headers);
  }

  /** As above; without {@code signContentLength} the request is signed with no Content-Length. */
  static SdkSigning.Wire sign(
      int port,
      String method,
      String path,
      String query,
      byte[] payload,
      boolean chunked,
      boolean signContentLength,
      String secret,
      Clock clock,
      String... headers) {
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.fromValue(method))
            .protocol("http")
            .host("127.0.0.1")
            .port(port)
            .encodedPath(path);
    if (!query.isEmpty()) {
      for (String p : query.split("&")) {
        int eq = p.indexOf('=');
        b.appendRawQueryParameter(
            eq < 0 ? p : p.substring(0, eq), eq < 0 ? null : p.substring(eq + 1));
      }
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.appendHeader(headers[i], headers[i + 1]);
    }
    if (payload != null && signContentLength) {
      b.putHeader("Content-Length", Integer.toString(payload.length));
    }
    return SdkSigning.sign(
        b.build(), payload, GatewayFixture.ACCESS, secret, clock, true, chunked, null);
  }

  /**
   * The bytes of a request: its line, the signed headers, {@code extraHeaders} (name, value pairs,
   * unsigned), a Content-Length of {@code contentLength} when not negative (replacing a signed
   * one), and {@code body}.
   */
  static byte[] bytes(SdkSigning.Wire w, long contentLength, byte[] body, String... extraHeaders) {
    StringBuilder b = new StringBuilder();
    b.append(w.method()).append(' ').append(w.rawPath());
    if (!w.rawQuery().isEmpty()) {
      b.append('?').append(w.rawQuery());
    }
    b.append(" HTTP/1.1\r\n");
    for (Map.Entry<String, String> e : w.headers()) {
      if (contentLength >= 0 && e.getKey().equalsIgnoreCase("content-length")) {
        continue;
      }
      b.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
    }
    for (int i = 0; i < extraHeaders.length; i += 2) {
      b.append(extraHeaders[i]).append(": ").append(extraHeaders[i + 1]).append("\r\n");
    }
    if (contentLength >= 0) {
      b.append("Content-Length: ").append(contentLength).append("\r\n");
    }
    b.append("\r\n");
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      o.writeBytes(body);
    }
    return o.toByteArray();
  }

  RawHttp write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawHttp write(String ascii) {
    return write(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Half-closes: the gateway sees the end of the client's bytes. */
  void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one response (a HEAD response has no body), or returns null at end of stream. */
  Response read(boolean head) {
    try {
      String status = line();
      if (status == null) {
        return null;
      }
      String[] parts = status.split(" ", 3);
      int code = Integer.parseInt(parts[1]);
      Map<String, String> headers = new TreeMap<>();
      for (String l = line(); l != null && !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        headers.put(
            l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
      }
      byte[] body = new byte[0];
      String length = headers.get("content-length");
      if (!head && code >= 200 && code != 204 && code != 304 && length != null) {
        body = in.readNBytes(Integer.parseInt(length));
      }
      return new Response(code, headers, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response read() {
    return read(false);
  }

  /** Whether the gateway closed the connection: end of stream (or a reset) before any byte. */
  boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true; // reset: closed with unread bytes of ours
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] l = b.toByteArray();
        int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
        return new String(l, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
