package io.aquifer.deploy.config;

/**
 * A listen address, written {@code HOST:PORT} ({@code [::1]:9000} for IPv6); port 0 picks a free
 * port.
 *
 * @param host host name or address
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {
  /** Checks the values. */
  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the host is empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not 0 to 65535");
    }
  }

  /** Parses {@code HOST:PORT}. */
  @com.fasterxml.jackson.annotation.JsonCreator
  public static HostPort parse(String text) {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:9000)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': the port is not a number", e);
    }
    return new HostPort(host, port);
  }

  @com.fasterxml.jackson.annotation.JsonValue
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
