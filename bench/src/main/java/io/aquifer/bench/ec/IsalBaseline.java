package io.aquifer.bench.ec;

import io.aquifer.bench.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ISA-L C program ({@code src/main/c/isal_ec_bench.c}, shipped in this module's jar as a
 * resource) compiled with gcc into a temporary directory, as {@code codec-bench.sh} builds it.
 */
final class IsalBaseline implements AutoCloseable {
  static final String RESOURCE = "/io/aquifer/bench/ec/isal_ec_bench.c";
  private static final String REPO_PATH = "bench/src/main/c/isal_ec_bench.c";
  private static final Pattern LINE =
      Pattern.compile("RS\\((\\d+),(\\d+)\\) (\\w+) ([0-9.]+) GB/s");

  private final Path dir;
  private final Path binary;

  private IsalBaseline(Path dir, Path binary) {
    this.dir = dir;
    this.binary = binary;
  }

  /** Why a build failed: the baseline is unavailable. */
  static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  /**
   * Finds gcc and the C source, and compiles it against libisal.
   *
   * @throws Unavailable naming what is missing
   */
  static IsalBaseline build() throws Unavailable, InterruptedException {
    Path gcc = Processes.onPath("gcc");
    if (gcc == null) {
      throw new Unavailable("gcc is not on PATH (Debian: apt-get install gcc libisal-dev)");
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("aquifer-isal-bench");
    } catch (IOException e) {
      throw new Unavailable("cannot create a temporary directory: " + e.getMessage());
    }
    try {
      Path source = dir.resolve("isal_ec_bench.c");
      copySource(source);
      Path binary = dir.resolve("isal_ec_bench");
      Processes.Result r =
          Processes.exec(
              List.of(
                  gcc.toString(),
                  "-O2",
                  "-Wall",
                  "-o",
                  binary.toString(),
                  source.toString(),
                  "-lisal"),
              120);
      if (r.code() != 0) {
        String first = r.firstLine();
        String hint =
            r.output().contains("isa-l/erasure_code.h") || r.output().contains("-lisal")
                ? " (libisal-dev is needed: apt-get install libisal-dev)"
                : "";
        throw new Unavailable("gcc could not build the ISA-L baseline: " + first + hint);
      }
      return new IsalBaseline(dir, binary);
    } catch (Unavailable | InterruptedException | RuntimeException e) {
      Processes.deleteTree(dir);
      throw e;
    }
  }

  /**
   * Runs the C program on one shape for {@code seconds} per case.
   *
   * @return data GB/s by case (encode, lost1, lost2, lostm; those that fit the shape)
   */
  Map<String, Double> run(int shardBytes, double seconds, int k, int m)
      throws IOException, InterruptedException {
    Processes.Result r =
        Processes.exec(
            List.of(
                binary.toString(),
                Integer.toString(shardBytes),
                String.format(Locale.ROOT, "%.3f", seconds),
                k + "+" + m),
            (long) (seconds * 8) + 60);
    if (r.code() != 0) {
      throw new IOException("ISA-L baseline exited " + r.code() + ": " + r.output().strip());
    }
    Map<String, Double> gbps = new LinkedHashMap<>();
    Matcher mt = LINE.matcher(r.output());
    while (mt.find()) {
      gbps.put(mt.group(3), Double.parseDouble(mt.group(4)));
    }
    if (!gbps.containsKey("encode")) {
      throw new IOException("ISA-L baseline printed no result: " + r.output().strip());
    }
    return gbps;
  }

  @Override
  public void close() {
    Processes.deleteTree(dir);
  }

  private static void copySource(Path target) throws Unavailable {
    try (InputStream in = IsalBaseline.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        Files.copy(in, target);
        return;
      }
    } catch (IOException e) {
      throw new Unavailable("cannot copy " + RESOURCE + ": " + e.getMessage());
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve(REPO_PATH);
      if (Files.isRegularFile(p)) {
        try {
          Files.copy(p, target);
          return;
        } catch (IOException e) {
          throw new Unavailable("cannot copy " + p + ": " + e.getMessage());
        }
      }
    }
    throw new Unavailable(
        "the C source is neither on the class path ("
            + RESOURCE
            + ") nor under a repository checkout ("
            + REPO_PATH
            + ")");
  }
}
