package io.aquifer.deploy;

import io.aquifer.bench.ec.EcBench;
import io.aquifer.bench.fs.FsBench;
import io.aquifer.bench.s3.S3Bench;
import io.aquifer.deploy.node.LogSetup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code aquifer bench}: throughput runs as a client: against any S3 endpoint ({@code s3}), any
 * directory ({@code fs}), and of the erasure codec ({@code ec}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure throughput and latency as a client; 'aquifer bench s3|fs|ec --help' for options.",
    subcommands = {BenchCommand.S3.class, BenchCommand.Fs.class, BenchCommand.Ec.class})
final class BenchCommand extends GroupCommand {
  // Each bench logs warnings on standard error through JUL, as the node does (LogSetup): Netty's
  // client would otherwise log into slf4j, which has no binding here and prints its own warning.

  /** {@code aquifer bench s3 ...}: hands its arguments, {@code --help} included, to the bench. */
  @Command(
      name = "s3",
      description = "S3 load generator (put, get, mixed, list, delete) with an optional baseline.")
  static final class S3 implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @CommandLine.Unmatched List<String> args = new ArrayList<>();

    S3(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() {
      LogSetup.configure("logfmt", "warn", false);
      return S3Bench.run(args.toArray(String[]::new), out, err);
    }
  }

  /** {@code aquifer bench fs ...}: hands its arguments, {@code --help} included, to the bench. */
  @Command(
      name = "fs",
      description =
          "File system bench of any directory: sequential and 4 KiB random I/O, metadata rates.")
  static final class Fs implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @CommandLine.Unmatched List<String> args = new ArrayList<>();

    Fs(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() {
      LogSetup.configure("logfmt", "warn", false);
      return FsBench.run(args.toArray(String[]::new), out, err);
    }
  }

  /** {@code aquifer bench ec ...}: hands its arguments, {@code --help} included, to the bench. */
  @Command(
      name = "ec",
      description = "Erasure codec throughput per implementation, optionally against ISA-L from C.")
  static final class Ec implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @CommandLine.Unmatched List<String> args = new ArrayList<>();

    Ec(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() {
      LogSetup.configure("logfmt", "warn", false);
      return EcBench.run(args.toArray(String[]::new), out, err);
    }
  }
}
