package io.aquifer.deploy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code aquifer} command. Today it has {@code demo}, which exercises the erasure-coded core on
 * real files; the node ({@code server}) and the admin commands come with the node issue.
 */
public final class Main {
  private Main() {}

  /** Runs a subcommand and exits with its status: 0 success, 2 usage error, 1 failure. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      out.println(usage());
      return args.length == 0 ? 2 : 0;
    }
    try {
      return switch (args[0]) {
        case "demo" -> Demo.run(parseData(Arrays.copyOfRange(args, 1, args.length)), out);
        case "version" -> {
          out.println("aquifer " + version());
          yield 0;
        }
        default -> {
          err.println("aquifer: unknown command '" + args[0] + "'\n" + usage());
          yield 2;
        }
      };
    } catch (UsageException e) {
      err.println("aquifer: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("aquifer: " + e.getMessage());
      return 1;
    }
  }

  private static Path parseData(String[] args) {
    Path data = Path.of("aquifer-data");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--data") && i + 1 < args.length) {
        data = Path.of(args[++i]);
      } else {
        throw new UsageException("unknown option '" + args[i] + "' (demo takes --data DIR)");
      }
    }
    return data;
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  private static String usage() {
    return """
        usage: aquifer <command> [options]
          demo [--data DIR]   store, lose two drives, read back, heal: a tour of the core
                              (data under DIR/demo, default ./aquifer-data/demo)
          version             print the version""";
  }

  /** A command-line mistake: exit code 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
