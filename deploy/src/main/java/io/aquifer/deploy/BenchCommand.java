package io.aquifer.deploy;

import io.aquifer.bench.s3.S3Bench;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code aquifer bench}: throughput runs against any S3 endpoint, as a client. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure throughput and latency as a client; 'aquifer bench s3 --help' for options.",
    subcommands = BenchCommand.S3.class)
final class BenchCommand extends GroupCommand {

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
      return S3Bench.run(args.toArray(String[]::new), out, err);
    }
  }
}
