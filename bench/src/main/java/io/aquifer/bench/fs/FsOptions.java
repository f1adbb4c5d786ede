package io.aquifer.bench.fs;

import io.aquifer.bench.CliOptions;
import io.aquifer.bench.s3.Units;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The options of one {@code bench fs} run, checked once.
 *
 * @param dir the directory measured; the run works in a fresh subdirectory and removes it
 * @param size bytes of each large file (one per thread)
 * @param files small files for the metadata phases, shared out among the threads
 * @param fileSize bytes written into each small file
 * @param threads threads, each with its own large file and its share of the small files
 * @param block I/O size of the sequential phases
 * @param duration length of the random-read phase
 * @param dropCaches whether to write 3 to /proc/sys/vm/drop_caches before the read phases
 * @param json where to write JSON results, or null
 * @param baseline a local directory to compare with (natively and through libfuse3's
 *     passthrough_ll), or null
 * @param rounds interleaved rounds of subject and baselines with {@code --baseline}
 */
record FsOptions(
    Path dir,
    long size,
    int files,
    long fileSize,
    int threads,
    int block,
    Duration duration,
    boolean dropCaches,
    Path json,
    Path baseline,
    int rounds) {

  static final int RANDOM_READ = 4096;

  static final String USAGE =
      """
      usage: aquifer bench fs --dir PATH [--size 1GiB] [--files 10000] [--file-size 0] \
      [--threads 1] [--block 1MiB] [--duration 10s] [--drop-caches] [--json FILE] \
      [--baseline LOCAL-DIR [--rounds 3]]
        sequential write (+ fsync, timed apart) and read of one --size file per thread, 4 KiB
        random reads over those files for --duration, then create, stat, readdir and unlink of
        --files small files; works in a fresh subdirectory of --dir and removes it.
        --baseline: also runs the phases on LOCAL-DIR itself and through libfuse3's
        passthrough_ll example mounted over it (built with gcc from libfuse3-dev's examples),
        interleaved for --rounds rounds, and prints median and spread of each and the ratios.""";

  /** A usage error: one line for the user, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Parses the command line.
   *
   * @throws UsageException with a one-line message naming the problem
   */
  static FsOptions parse(String[] args) throws UsageException {
    Path dir = null;
    long size = 1L << 30;
    int files = 10_000;
    long fileSize = 0;
    int threads = 1;
    long block = 1L << 20;
    Duration duration = Duration.ofSeconds(10);
    boolean dropCaches = false;
    Path json = null;
    Path baseline = null;
    int rounds = 3;
    List<CliOptions.Option> options;
    try {
      options = CliOptions.split(args, Set.of("--drop-caches"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    for (CliOptions.Option o : options) {
      String name = o.name();
      String value = o.value();
      if (value == null) {
        dropCaches = true;
        continue;
      }
      try {
        switch (name) {
          case "--dir" -> dir = Path.of(value);
          case "--size" -> size = Units.parseSize(value);
          case "--files" -> files = positive(value);
          case "--file-size" -> fileSize = Units.parseSize(value);
          case "--threads" -> threads = positive(value);
          case "--block" -> block = Units.parseSize(value);
          case "--duration" -> duration = Units.parseDuration(value);
          case "--json" -> json = Path.of(value);
          case "--baseline" -> baseline = Path.of(value);
          case "--rounds" -> rounds = positive(value);
          default -> throw new UsageException(o.unknown());
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(name + ": " + e.getMessage());
      }
    }
    if (dir == null) {
      throw new UsageException("--dir is required");
    }
    if (size < RANDOM_READ) {
      throw new UsageException("--size must be at least 4KiB: " + Units.formatSize(size));
    }
    if (block < RANDOM_READ || block > (64L << 20)) {
      throw new UsageException("--block must be 4KiB to 64MiB: " + Units.formatSize(block));
    }
    if (fileSize > (64L << 20)) {
      throw new UsageException("--file-size must be at most 64MiB: " + Units.formatSize(fileSize));
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new UsageException("--duration must be positive");
    }
    return new FsOptions(
        dir,
        size,
        files,
        fileSize,
        threads,
        (int) block,
        duration,
        dropCaches,
        json,
        baseline,
        rounds);
  }

  private static int positive(String v) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: '" + v + "'");
    }
    if (n < 1) {
      throw new IllegalArgumentException("must be positive: " + n);
    }
    return n;
  }
}
