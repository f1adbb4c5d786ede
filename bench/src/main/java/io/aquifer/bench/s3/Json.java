package io.aquifer.bench.s3;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** A minimal JSON writer for the results: maps, collections, strings, numbers, booleans, null. */
public final class Json {
  private Json() {}

  /** The value as indented JSON text with a final newline. */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object v, int indent) {
    switch (v) {
      case null -> b.append("null");
      case Map<?, ?> m -> {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          b.append(first ? "\n" : ",\n");
          first = false;
          b.append("  ".repeat(indent + 1));
          string(b, String.valueOf(e.getKey()));
          b.append(": ");
          write(b, e.getValue(), indent + 1);
        }
        if (!first) {
          b.append('\n').append("  ".repeat(indent));
        }
        b.append('}');
      }
      case Collection<?> c -> {
        b.append('[');
        boolean first = true;
        for (Object o : c) {
          b.append(first ? "" : ", ");
          first = false;
          write(b, o, indent + 1);
        }
        b.append(']');
      }
      case Double d -> {
        if (d.isNaN() || d.isInfinite()) {
          b.append("null");
        } else {
          b.append(String.format(Locale.ROOT, "%.4f", d));
        }
      }
      case Number n -> b.append(n);
      case Boolean x -> b.append(x);
      default -> string(b, v.toString());
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
