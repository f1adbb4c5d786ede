package io.aquifer.deploy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aquifer demo}: the core on real files, losing and healing drives. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Store, lose two of four drives, read back, heal: a tour of the erasure-coded core"
            + " (data under DIR/demo, started from scratch each run).")
final class DemoCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "data directory (default: ${DEFAULT-VALUE})")
  Path data = Path.of("aquifer-data");

  DemoCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    return Demo.run(data, out);
  }
}
