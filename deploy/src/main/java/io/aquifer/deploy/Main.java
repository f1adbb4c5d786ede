package io.aquifer.deploy;

import io.aquifer.deploy.node.Node;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code aquifer} command: {@code server} runs a node, {@code mount} mounts its buckets with
 * FUSE, {@code admin} talks to a running one, {@code bench} measures any S3 endpoint, directory or
 * the erasure codec as a client, {@code demo} tours the erasure-coded core, {@code version} prints
 * the version. Exit codes: 0 success, 2 usage error, 1 anything else, with a one-line cause on
 * standard error.
 */
@Command(
    name = "aquifer",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Aquifer: a tiered storage daemon for AI clusters.",
    subcommands = {
      ServerCommand.class,
      MountCommand.class,
      AdminCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      Main.VersionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main extends GroupCommand {
  /** Runs a subcommand and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs a subcommand and returns its exit status. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    CommandLine cl = new CommandLine(new Main(), new Factory(out, err, env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          err.println("aquifer: " + oneLine(e));
          return 1;
        });
    return cl.execute(args);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replace('\n', ' ');
  }

  /** Gives commands the output stream and environment. */
  record Factory(PrintStream out, PrintStream err, Map<String, String> env)
      implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (cls == ServerCommand.class) {
        return cls.cast(new ServerCommand(out, env));
      }
      if (cls == MountCommand.class) {
        return cls.cast(new MountCommand(out, env));
      }
      if (cls == AdminCommand.class) {
        return cls.cast(new AdminCommand(out, env));
      }
      if (cls == BenchCommand.S3.class) {
        return cls.cast(new BenchCommand.S3(out, err));
      }
      if (cls == BenchCommand.Fs.class) {
        return cls.cast(new BenchCommand.Fs(out, err));
      }
      if (cls == BenchCommand.Ec.class) {
        return cls.cast(new BenchCommand.Ec(out, err));
      }
      if (cls == DemoCommand.class) {
        return cls.cast(new DemoCommand(out));
      }
      return CommandLine.defaultFactory().create(cls);
    }
  }

  /** The version for {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"aquifer " + Node.version()};
    }
  }

  /** {@code aquifer version}. */
  @Command(name = "version", description = "Print the version.", mixinStandardHelpOptions = true)
  static final class VersionCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().getOut().println("aquifer " + Node.version());
      spec.commandLine().getOut().flush();
    }
  }
}
