package io.aquifer.bench.fs;

import io.aquifer.bench.s3.Json;
import io.aquifer.bench.s3.MachineFacts;
import io.aquifer.bench.s3.Units;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code aquifer bench fs}: what a directory's file system delivers to one client, for a mounted
 * file system or any local directory. In a fresh subdirectory of {@code --dir} it writes one large
 * file per thread sequentially (then fsyncs it, timed apart), reads the files back sequentially,
 * reads random 4 KiB blocks of them for a duration, and creates, stats, lists and unlinks a number
 * of small files; then it removes everything it created.
 *
 * <p>Java has no O_DIRECT without FFM, so every read goes through the page cache: unless {@code
 * --drop-caches} succeeds (root, writable /proc/sys/vm/drop_caches) or the files exceed memory, the
 * read figures are those of the page cache, and the report says which case a run was.
 *
 * <p>Exit codes: 0 when every phase ran and cleanup succeeded, 1 on an I/O failure, 2 for a usage
 * error.
 */
public final class FsBench {
  static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

  private final FsOptions opt;
  private final PrintStream out;
  private final PrintStream err;
  private final Path runDir;
  private final Path dropCachesFile;
  private final List<Phase> phases = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  /**
   * The result of one phase.
   *
   * @param name phase name as printed
   * @param ops operations (blocks, files, entries, fsyncs)
   * @param bytes bytes moved, 0 for metadata phases
   * @param seconds wall time of the phase over all threads
   * @param latency per-operation latency in nanoseconds, or null when not recorded
   */
  record Phase(String name, long ops, long bytes, double seconds, Histogram latency) {
    double opsPerSec() {
      return seconds == 0 ? 0 : ops / seconds;
    }

    double mibPerSec() {
      return seconds == 0 ? 0 : bytes / seconds / (1 << 20);
    }
  }

  private FsBench(
      FsOptions opt, Path target, PrintStream out, PrintStream err, Path dropCachesFile) {
    this.opt = opt;
    this.dropCachesFile = dropCachesFile;
    this.out = out;
    this.err = err;
    this.runDir =
        target.resolve(
            "aqfsbench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
  }

  /** Runs {@code aquifer bench fs} and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the benchmark as the command line describes ({@link FsOptions#USAGE}): progress on {@code
   * err}, the results table on {@code out}.
   *
   * @return 0 on success, 1 on an I/O failure (cleanup included), 2 for a usage error
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, DROP_CACHES);
  }

  /** As {@link #run(String[], PrintStream, PrintStream)}, writing 3 to {@code dropCaches}. */
  static int run(String[] args, PrintStream out, PrintStream err, Path dropCaches) {
    List<String> list = Arrays.asList(args);
    if (list.contains("--help") || list.contains("-h")) {
      out.println(FsOptions.USAGE);
      return 0;
    }
    FsOptions opt;
    try {
      opt = FsOptions.parse(args);
    } catch (FsOptions.UsageException e) {
      err.println("bench fs: " + e.getMessage());
      err.println(FsOptions.USAGE);
      return 2;
    }
    if (!Files.isDirectory(opt.dir())) {
      err.println("bench fs: --dir: not a directory: " + opt.dir());
      return 2;
    }
    if (opt.baseline() != null && !Files.isDirectory(opt.baseline())) {
      err.println("bench fs: --baseline: not a directory: " + opt.baseline());
      return 2;
    }
    try {
      if (opt.baseline() != null) {
        return Comparison.run(opt, out, err, dropCaches);
      }
      return new FsBench(opt, opt.dir(), out, err, dropCaches).execute();
    } catch (PassthroughBaseline.Unavailable e) {
      err.println("bench fs: --baseline: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench fs: interrupted");
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("bench fs: " + e);
      return 1;
    }
  }

  private int execute() throws IOException, InterruptedException {
    boolean cleaned = measure();
    report();
    return cleaned ? 0 : 1;
  }

  /**
   * Runs every phase once on {@code target} and returns them with the run's notes; throws when a
   * phase or the cleanup failed.
   */
  static Pass pass(FsOptions opt, Path target, PrintStream err, Path dropCaches)
      throws IOException, InterruptedException {
    FsBench b = new FsBench(opt, target, err, err, dropCaches);
    if (!b.measure()) {
      throw new IOException("cannot remove " + b.runDir + " after the run");
    }
    return new Pass(List.copyOf(b.phases), List.copyOf(b.notes));
  }

  /** One run's phases and notes. */
  record Pass(List<Phase> phases, List<String> notes) {}

  /** Runs the phases in a fresh subdirectory; returns whether it was removed afterwards. */
  private boolean measure() throws IOException, InterruptedException {
    Files.createDirectory(runDir);
    try {
      largeFiles();
      metadata();
    } catch (IOException | RuntimeException | InterruptedException e) {
      removeRunDir();
      throw e;
    }
    return removeRunDir();
  }

  private Path largeFile(int t) {
    return runDir.resolve("large-" + t);
  }

  private void largeFiles() throws IOException, InterruptedException {
    int n = opt.threads();
    long size = opt.size();
    int block = opt.block();
    ByteBuffer data = ByteBuffer.allocateDirect(block);
    byte[] random = new byte[block];
    ThreadLocalRandom.current().nextBytes(random);
    data.put(0, random);
    FileChannel[] channels = new FileChannel[n];
    try {
      for (int t = 0; t < n; t++) {
        channels[t] =
            FileChannel.open(
                largeFile(t),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ);
      }
      long blocksPerFile = (size + block - 1) / block;
      err.printf(Locale.ROOT, "seq write: %d x %s%n", n, Units.formatSize(size));
      double write =
          parallel(
              t -> {
                ByteBuffer b = data.duplicate();
                long pos = 0;
                while (pos < size) {
                  int len = (int) Math.min(block, size - pos);
                  b.clear().limit(len);
                  while (b.hasRemaining()) {
                    pos += channels[t].write(b, pos);
                  }
                }
              });
      phases.add(new Phase("seq write", blocksPerFile * n, size * n, write, null));
      double fsync = parallel(t -> channels[t].force(true));
      phases.add(new Phase("fsync", n, 0, fsync, null));
      phases.add(new Phase("seq write+fsync", blocksPerFile * n, size * n, write + fsync, null));
    } finally {
      for (FileChannel c : channels) {
        if (c != null) {
          c.close();
        }
      }
    }
    String cache = dropCaches("seq read");
    err.println("seq read");
    double read =
        parallel(
            t -> {
              ByteBuffer b = ByteBuffer.allocateDirect(block);
              try (FileChannel c = FileChannel.open(largeFile(t), StandardOpenOption.READ)) {
                long pos = 0;
                while (pos < size) {
                  b.clear();
                  int r = c.read(b, pos);
                  if (r < 0) {
                    throw new IOException("short file " + largeFile(t) + " at " + pos);
                  }
                  pos += r;
                }
              }
            });
    phases.add(new Phase("seq read", ((size + block - 1) / block) * n, size * n, read, null));
    notes.add("seq read: " + cache);
    randomReads();
  }

  private void randomReads() throws IOException, InterruptedException {
    int n = opt.threads();
    String cache = dropCaches("random reads");
    long blocks = opt.size() / FsOptions.RANDOM_READ;
    long deadline = System.nanoTime() + opt.duration().toNanos();
    Histogram[] hist = new Histogram[n];
    long[] ops = new long[n];
    err.printf(Locale.ROOT, "random 4 KiB reads for %s%n", Units.formatDuration(opt.duration()));
    double seconds =
        parallel(
            t -> {
              Histogram h = new Histogram(3_600_000_000_000L, 3);
              hist[t] = h;
              ByteBuffer b = ByteBuffer.allocateDirect(FsOptions.RANDOM_READ);
              ThreadLocalRandom rnd = ThreadLocalRandom.current();
              long count = 0;
              try (FileChannel c = FileChannel.open(largeFile(t), StandardOpenOption.READ)) {
                long now = System.nanoTime();
                while (now < deadline) {
                  long pos = rnd.nextLong(blocks) * FsOptions.RANDOM_READ;
                  b.clear();
                  while (b.hasRemaining()) {
                    if (c.read(b, pos + b.position()) < 0) {
                      throw new IOException("short file " + largeFile(t));
                    }
                  }
                  long end = System.nanoTime();
                  h.recordValue(end - now);
                  now = end;
                  count++;
                }
              }
              ops[t] = count;
            });
    Histogram all = new Histogram(3_600_000_000_000L, 3);
    long total = 0;
    for (int t = 0; t < n; t++) {
      all.add(hist[t]);
      total += ops[t];
    }
    phases.add(new Phase("random read 4KiB", total, total * FsOptions.RANDOM_READ, seconds, all));
    long memory = memoryBytes();
    long fileBytes = opt.size() * n;
    String scope =
        memory > 0 && fileBytes > memory
            ? "the files ("
                + Units.formatSize(fileBytes)
                + ") exceed memory ("
                + Units.formatSize(memory)
                + "), so most reads reach the device"
            : "the files ("
                + Units.formatSize(fileBytes)
                + ") fit in memory ("
                + Units.formatSize(memory)
                + "): once a block is cached, later reads of it are page-cache hits, not device"
                + " reads (Java has no O_DIRECT)";
    notes.add("random read: " + cache + "; " + scope);
  }

  /** Writes 3 to drop_caches when asked; says what the following reads will see. */
  private String dropCaches(String phase) {
    if (!opt.dropCaches()) {
      return "page cache warm (the files were just written or read; --drop-caches to empty it)";
    }
    try {
      Files.writeString(dropCachesFile, "3\n", StandardCharsets.US_ASCII);
      err.println("dropped the page cache before " + phase);
      return "page cache dropped before the phase";
    } catch (IOException | SecurityException e) {
      String why = "cannot write 3 to " + dropCachesFile + " (" + e + ")";
      err.println("bench fs: --drop-caches: " + why + "; reads go through a warm page cache");
      return "page cache warm: --drop-caches was not permitted: " + why;
    }
  }

  private void metadata() throws IOException, InterruptedException {
    Path meta = runDir.resolve("meta");
    Files.createDirectory(meta);
    int n = opt.threads();
    int files = opt.files();
    byte[] content = new byte[(int) opt.fileSize()];
    ThreadLocalRandom.current().nextBytes(content);
    err.printf(Locale.ROOT, "metadata: %d files%n", files);
    double create =
        parallel(
            t -> {
              ByteBuffer b = ByteBuffer.wrap(content);
              for (int i = t; i < files; i += n) {
                try (FileChannel c =
                    FileChannel.open(
                        smallFile(meta, i),
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                  b.clear();
                  while (b.hasRemaining()) {
                    c.write(b);
                  }
                }
              }
            });
    phases.add(new Phase("create", files, (long) files * content.length, create, null));
    double stat =
        parallel(
            t -> {
              for (int i = t; i < files; i += n) {
                BasicFileAttributes a =
                    Files.readAttributes(smallFile(meta, i), BasicFileAttributes.class);
                if (a.size() != content.length) {
                  throw new IOException(smallFile(meta, i) + ": size " + a.size());
                }
              }
            });
    phases.add(new Phase("stat", files, 0, stat, null));
    double readdir =
        parallel(
            t -> {
              long count = 0;
              try (DirectoryStream<Path> ds = Files.newDirectoryStream(meta)) {
                for (Path ignored : ds) {
                  count++;
                }
              }
              if (count != files) {
                throw new IOException("readdir of " + meta + " found " + count + " of " + files);
              }
            });
    phases.add(new Phase("readdir", (long) files * n, 0, readdir, null));
    double unlink =
        parallel(
            t -> {
              for (int i = t; i < files; i += n) {
                Files.delete(smallFile(meta, i));
              }
            });
    phases.add(new Phase("unlink", files, 0, unlink, null));
    notes.add(
        "metadata: "
            + files
            + " files of "
            + Units.formatSize(content.length)
            + " in one directory, shared out among "
            + n
            + " thread(s); readdir: every thread lists the whole directory (ops = entries)");
  }

  private static Path smallFile(Path dir, int i) {
    return dir.resolve(String.format(Locale.ROOT, "f%08d", i));
  }

  /** One thread's share of a phase. */
  private interface Task {
    void run(int thread) throws IOException;
  }

  /** Runs {@code task} on each of the threads from a common start; returns the wall seconds. */
  private double parallel(Task task) throws IOException, InterruptedException {
    int n = opt.threads();
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    Throwable[] failures = new Throwable[n];
    Thread[] threads = new Thread[n];
    for (int t = 0; t < n; t++) {
      int id = t;
      threads[t] =
          Thread.ofPlatform()
              .name("bench-fs-" + t)
              .start(
                  () -> {
                    ready.countDown();
                    try {
                      go.await();
                      task.run(id);
                    } catch (IOException | RuntimeException | Error e) {
                      failures[id] = e;
                    } catch (InterruptedException e) {
                      failures[id] = e;
                      Thread.currentThread().interrupt();
                    }
                  });
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Throwable f : failures) {
      switch (f) {
        case null -> {}
        case IOException e -> throw e;
        case UncheckedIOException e -> throw e.getCause();
        case RuntimeException e -> throw e;
        case Error e -> throw e;
        default -> throw new IOException(f);
      }
    }
    return seconds;
  }

  private boolean removeRunDir() {
    try (Stream<Path> walk = Files.walk(runDir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
      return true;
    } catch (IOException | UncheckedIOException e) {
      err.println("bench fs: cleanup: cannot remove " + runDir + ": " + e);
      return false;
    }
  }

  private static long memoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return -1;
  }

  private void report() throws IOException {
    out.printf(
        Locale.ROOT,
        "aquifer bench fs: dir %s, %d thread(s), %s per large file in %s blocks, %d small files"
            + " of %s, random reads for %s%n",
        opt.dir(),
        opt.threads(),
        Units.formatSize(opt.size()),
        Units.formatSize(opt.block()),
        opt.files(),
        Units.formatSize(opt.fileSize()),
        Units.formatDuration(opt.duration()));
    out.printf(
        Locale.ROOT,
        "%-17s %10s %9s %12s %10s %9s %9s %9s%n",
        "phase",
        "ops",
        "seconds",
        "ops/s",
        "MiB/s",
        "p50 ms",
        "p99 ms",
        "max ms");
    for (Phase p : phases) {
      String lat = "";
      if (p.latency() != null) {
        lat =
            String.format(
                Locale.ROOT,
                " %9.3f %9.3f %9.3f",
                p.latency().getValueAtPercentile(50) / 1e6,
                p.latency().getValueAtPercentile(99) / 1e6,
                p.latency().getMaxValue() / 1e6);
      }
      out.printf(
          Locale.ROOT,
          "%-17s %10d %9.3f %12.1f %10s%s%n",
          p.name(),
          p.ops(),
          p.seconds(),
          p.opsPerSec(),
          p.bytes() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", p.mibPerSec()),
          lat);
    }
    for (String n : notes) {
      out.println("  " + n);
    }
    if (opt.json() != null) {
      Files.writeString(opt.json(), Json.write(json()), StandardCharsets.UTF_8);
    }
  }

  private Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tool", "aquifer bench fs");
    m.put("dir", opt.dir().toString());
    m.put("threads", opt.threads());
    m.put("sizeBytes", opt.size());
    m.put("blockBytes", opt.block());
    m.put("files", opt.files());
    m.put("fileSizeBytes", opt.fileSize());
    m.put("randomReadMillis", opt.duration().toMillis());
    m.put("dropCaches", opt.dropCaches());
    m.put("machine", MachineFacts.read());
    Map<String, Object> results = new LinkedHashMap<>();
    for (Phase p : phases) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("ops", p.ops());
      r.put("bytes", p.bytes());
      r.put("seconds", p.seconds());
      r.put("opsPerSec", p.opsPerSec());
      r.put("mibPerSec", p.mibPerSec());
      if (p.latency() != null) {
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", p.latency().getValueAtPercentile(50) / 1e6);
        lat.put("p90", p.latency().getValueAtPercentile(90) / 1e6);
        lat.put("p99", p.latency().getValueAtPercentile(99) / 1e6);
        lat.put("p99.9", p.latency().getValueAtPercentile(99.9) / 1e6);
        lat.put("max", p.latency().getMaxValue() / 1e6);
        r.put("latencyMillis", lat);
      }
      results.put(p.name(), r);
    }
    m.put("results", results);
    m.put("notes", notes);
    return m;
  }
}
