package io.aquifer.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command-line shape every bench shares: {@code --name value}, {@code --name=value}, and
 * switches that take no value. Each bench then interprets the names it knows.
 */
public final class CliOptions {
  private CliOptions() {}

  /**
   * One option.
   *
   * @param name the option's name, {@code --size}; for a stray argument, the argument itself
   * @param value its value, or null for a switch
   */
  public record Option(String name, String value) {
    /** The one-line complaint about an option the bench does not know. */
    public String unknown() {
      return name.startsWith("--")
          ? "unknown option " + name
          : "unexpected argument '" + name + "'";
    }
  }

  /**
   * Splits {@code args} into options; names in {@code switches} take no value.
   *
   * @throws IllegalArgumentException with a one-line message: a switch given a value, an option
   *     without its value, or a stray argument at the end
   */
  public static List<Option> split(String[] args, Set<String> switches) {
    List<Option> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (switches.contains(name)) {
        if (value != null) {
          throw new IllegalArgumentException(name + " takes no value");
        }
        out.add(new Option(name, null));
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(
              a.startsWith("--") ? "missing value for " + a : "unexpected argument '" + a + "'");
        }
        value = args[++i];
      }
      out.add(new Option(name, value));
    }
    return out;
  }
}
