package io.aquifer.deploy.node;

import java.io.PrintStream;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event on standard error, as logfmt ({@code ts=... level=info logger=... msg="..."})
 * or JSON. An exception is folded into the same line ({@code error="..."}), so a log shipper never
 * has to join lines.
 */
public final class LogSetup {
  /** JUL keeps loggers weakly: a level set on one that is collected would be lost. */
  private static final java.util.List<Logger> CONFIGURED =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private LogSetup() {}

  /** Installs the format and level on the root logger, and switches the S3 access log. */
  public static void configure(String format, String level, boolean accessLog) {
    // Netty and Micrometer would log through slf4j when slf4j-api is on the class path
    // (rdma-transport brings it for DiSNI) and, with no binding, drop everything after a
    // three-line warning: keep both on JUL
    io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
        io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    io.micrometer.common.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
        io.micrometer.common.util.internal.logging.JdkLoggerFactory.INSTANCE);
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    Handler h = new StderrHandler();
    h.setFormatter(format.equals("json") ? new Json() : new Logfmt());
    Level l =
        switch (level) {
          case "debug" -> Level.FINE;
          case "warn" -> Level.WARNING;
          case "error" -> Level.SEVERE;
          default -> Level.INFO;
        };
    h.setLevel(Level.ALL); // the loggers' levels decide
    root.setLevel(l);
    root.addHandler(h);
    // the access log is written at DEBUG (FINE) so that it is off unless asked for
    Logger access = Logger.getLogger(io.aquifer.gateway.S3Gateway.ACCESS_LOGGER);
    access.setLevel(accessLog ? Level.FINE : Level.INFO);
    CONFIGURED.add(access);
    // the libraries' chatter stays at warnings unless debugging
    if (l.intValue() > Level.FINE.intValue()) {
      for (String name : new String[] {"io.netty", "software.amazon"}) {
        Logger quiet = Logger.getLogger(name);
        quiet.setLevel(Level.WARNING);
        CONFIGURED.add(quiet);
      }
    }
  }

  /** Writes each formatted record to standard error as one write, so lines never interleave. */
  static final class StderrHandler extends Handler {
    private final PrintStream err = System.err;

    @Override
    public void publish(LogRecord r) {
      if (!isLoggable(r)) {
        return;
      }
      String line = getFormatter().format(r);
      synchronized (err) {
        err.print(line);
        err.flush();
      }
    }

    @Override
    public void flush() {
      err.flush();
    }

    @Override
    public void close() {
      err.flush();
    }
  }

  static String levelName(Level l) {
    int v = l.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "error";
    }
    if (v >= Level.WARNING.intValue()) {
      return "warn";
    }
    if (v >= Level.INFO.intValue()) {
      return "info";
    }
    return "debug";
  }

  static String errorText(Throwable t) {
    StringBuilder b = new StringBuilder(t.toString());
    for (StackTraceElement e : t.getStackTrace()) {
      b.append(" at ").append(e);
      if (b.length() > 4000) {
        break;
      }
    }
    Throwable c = t.getCause();
    if (c != null && c != t) {
      b.append(" caused by ").append(c);
    }
    return b.toString();
  }

  /** logfmt. */
  static final class Logfmt extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(160);
      b.append("ts=").append(Instant.ofEpochMilli(r.getMillis()));
      b.append(" level=").append(levelName(r.getLevel()));
      b.append(" logger=").append(shortName(r.getLoggerName()));
      b.append(" msg=");
      quote(b, formatMessage(r));
      if (r.getThrown() != null) {
        b.append(" error=");
        quote(b, errorText(r.getThrown()));
      }
      return b.append('\n').toString();
    }

    private static void quote(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> b.append(c);
        }
      }
      b.append('"');
    }
  }

  /** JSON lines. */
  static final class Json extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(160);
      b.append("{\"ts\":\"").append(Instant.ofEpochMilli(r.getMillis())).append('"');
      b.append(",\"level\":\"").append(levelName(r.getLevel())).append('"');
      b.append(",\"logger\":");
      str(b, shortName(r.getLoggerName()));
      b.append(",\"msg\":");
      str(b, formatMessage(r));
      if (r.getThrown() != null) {
        b.append(",\"error\":");
        str(b, errorText(r.getThrown()));
      }
      return b.append("}\n").toString();
    }

    private static void str(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      b.append('"');
    }
  }

  private static String shortName(String logger) {
    if (logger == null) {
      return "-";
    }
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }
}
