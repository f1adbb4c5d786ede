package io.aquifer.bench.s3;

import io.aquifer.bench.Processes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The PUT baselines, each for a duration, whole objects at a time (at least one): sequential write
 * of the object's bytes to a temporary file plus {@code fsync} (the file is truncated and rewritten
 * per object), and MD5 over the same bytes (the ETag a PUT must compute), on one thread or several.
 *
 * <p>They run in a child JVM ({@link #inChild}), never in the bench's own process: after an
 * in-process MD5 loop, the bench client's 4 KiB PUT rate fell from about 5,500 to about 1,250 ops/s
 * for the rest of the run (docs/benchmarks.md), so the subject measured between baselines was not
 * the subject measured alone. The child gets the same random bytes ({@link Client#randomBuffer}'s
 * seed) and warms its own JIT before the timed run.
 */
final class PutBaseline {
  private PutBaseline() {}

  /** Objects done and seconds taken. */
  record Rate(long objects, long bytes, double seconds) {
    double mibPerSec() {
      return bytes / seconds / (1 << 20);
    }

    double opsPerSec() {
      return objects / seconds;
    }
  }

  /** What a child runs. */
  enum Kind {
    /** Write + fsync to a file in a directory, one object at a time. */
    FSYNC,
    /** MD5 on the given number of threads at once. */
    MD5
  }

  /**
   * Runs one baseline in a child JVM on the same classpath and returns its rate.
   *
   * @param dir the directory for {@link Kind#FSYNC} (ignored for MD5)
   * @param threads threads for {@link Kind#MD5} (1 for one core)
   * @param warm an unreported run first, in the child, for its JIT (zero for none)
   */
  static Rate inChild(Kind kind, Path dir, long size, Duration duration, int threads, Duration warm)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                PutBaseline.class.getName(),
                kind.name(),
                dir == null ? "-" : dir.toString(),
                Long.toString(size),
                Long.toString(duration.toMillis()),
                Integer.toString(threads),
                Long.toString(warm.toMillis())));
    long timeout = duration.plus(warm).multipliedBy(2).toSeconds() + 60;
    Processes.Result r = Processes.exec(cmd, timeout);
    String last = r.output().lines().reduce((a, b) -> b).orElse("");
    String[] f = last.split(" ");
    if (r.code() != 0 || f.length != 4 || !f[0].equals("rate")) {
      throw new IOException(
          "baseline " + kind.name().toLowerCase(Locale.ROOT) + " failed: " + r.firstLine());
    }
    return new Rate(Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]));
  }

  /**
   * The child: {@code KIND DIR SIZE MILLIS THREADS WARM_MILLIS}; prints {@code rate OBJECTS BYTES
   * SECONDS} as its last line.
   */
  public static void main(String[] args) throws Exception {
    Kind kind = Kind.valueOf(args[0]);
    Path dir = args[1].equals("-") ? null : Path.of(args[1]);
    long size = Long.parseLong(args[2]);
    Duration duration = Duration.ofMillis(Long.parseLong(args[3]));
    int threads = Integer.parseInt(args[4]);
    Duration warm = Duration.ofMillis(Long.parseLong(args[5]));
    ByteBuffer bytes = randomBytes((int) Math.min(size, Client.MAX_CHUNK));
    if (!warm.isZero()) {
      run(kind, dir, bytes, size, warm, threads);
    }
    Rate r = run(kind, dir, bytes, size, duration, threads);
    System.out.println("rate " + r.objects() + " " + r.bytes() + " " + r.seconds());
  }

  /** The bytes {@link Client#randomBuffer} makes, in a plain direct buffer (no Netty here). */
  static ByteBuffer randomBytes(int n) {
    ByteBuffer b = ByteBuffer.allocateDirect(n);
    SplittableRandom rnd = new SplittableRandom(Client.PAYLOAD_SEED);
    while (b.remaining() >= 8) {
      b.putLong(rnd.nextLong());
    }
    while (b.hasRemaining()) {
      b.put((byte) rnd.nextInt());
    }
    return b.flip();
  }

  private static Rate run(
      Kind kind, Path dir, ByteBuffer bytes, long size, Duration duration, int threads)
      throws IOException, InterruptedException {
    return switch (kind) {
      case FSYNC -> writeFsync(dir, bytes, size, duration);
      case MD5 ->
          threads <= 1 ? md5(bytes, size, duration) : md5Parallel(bytes, size, duration, threads);
    };
  }

  /** Writes and fsyncs objects of {@code size} bytes, cut from {@code bytes}, to a file in dir. */
  private static Rate writeFsync(Path dir, ByteBuffer bytes, long size, Duration duration)
      throws IOException {
    Path file = Files.createTempFile(dir, "aquifer-bench-put", ".bin");
    try {
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      long objects = 0;
      do {
        try (FileChannel ch =
            FileChannel.open(
                file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          long left = size;
          while (left > 0) {
            int n = (int) Math.min(left, bytes.remaining());
            ByteBuffer b = bytes.duplicate().limit(bytes.position() + n);
            while (b.hasRemaining()) {
              ch.write(b);
            }
            left -= n;
          }
          ch.force(true);
        }
        objects++;
      } while (System.nanoTime() < deadline);
      return new Rate(objects, objects * size, (System.nanoTime() - start) / 1e9);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** MD5 on {@code threads} threads at once, each for the duration; the rate is their sum. */
  private static Rate md5Parallel(ByteBuffer bytes, long size, Duration duration, int threads)
      throws InterruptedException {
    Rate[] rates = new Rate[threads];
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int t = i;
      ByteBuffer mine = bytes.duplicate();
      running.add(Thread.ofPlatform().start(() -> rates[t] = md5(mine, size, duration)));
    }
    for (Thread t : running) {
      t.join();
    }
    // each thread ran for about the duration: the rate is the sum of theirs, over the longest
    double seconds = 0;
    double perSecond = 0;
    for (Rate r : rates) {
      seconds = Math.max(seconds, r.seconds());
      perSecond += r.objects() / r.seconds();
    }
    long objects = Math.round(perSecond * seconds);
    return new Rate(objects, objects * size, seconds);
  }

  private static Rate md5(ByteBuffer bytes, long size, Duration duration) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("MD5");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    int cap = bytes.remaining();
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    long objects = 0;
    long sink = 0;
    do {
      long left = size;
      while (left > 0) {
        int n = (int) Math.min(left, cap);
        md.update(bytes.duplicate().limit(n));
        left -= n;
      }
      sink += md.digest()[0];
      objects++;
    } while (System.nanoTime() < deadline);
    if (sink == Long.MIN_VALUE) {
      throw new AssertionError(); // keeps the digests live
    }
    return new Rate(objects, objects * size, (System.nanoTime() - start) / 1e9);
  }
}
