package io.aquifer.bench.s3;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs one workload over a set of connections: each connection is a worker that issues its next
 * request from the completion of the previous one, on its event loop, until the workload has no
 * more or the duration is over; requests in flight at the deadline are waited for and counted. A
 * progress line goes to {@code progress} every second.
 */
final class Load {
  private Load() {}

  /** What the workers send. Called on the workers' event loops, concurrently for different ones. */
  interface Workload {
    /**
     * The next request of worker {@code worker}, or null when it has no more.
     *
     * @param seq how many requests this worker asked for before
     */
    S3Request next(int worker, long seq, SplittableRandom rnd);

    /** Called after each request of a worker completed. */
    default void completed(int worker, S3Request r, Outcome o) {}
  }

  /**
   * Runs the workload closed loop (each worker sends its next request when the previous one
   * completed) and returns the merged results.
   *
   * @param duration null to run until the workload ends
   * @param verifySize when positive, a 2xx GET whose body is not this long counts as an error
   */
  static RunStats run(
      List<Connection> connections,
      Workload workload,
      Duration duration,
      long verifySize,
      String label,
      PrintStream progress)
      throws InterruptedException {
    return run(connections, workload, duration, verifySize, 0, label, progress);
  }

  /**
   * Runs the workload and returns the merged results; with {@code rate > 0} open loop: request
   * {@code i} of the run is due at {@code start + i / rate}, worker {@code w} sends requests {@code
   * w, w + n, w + 2n, ...} at their due times (at once when it is behind), and latency counts from
   * the due time, so time spent queued behind a slow server is in the figures (no coordinated
   * omission).
   */
  static RunStats run(
      List<Connection> connections,
      Workload workload,
      Duration duration,
      long verifySize,
      double rate,
      String label,
      PrintStream progress)
      throws InterruptedException {
    int n = connections.size();
    double nanosPerRequest = rate > 0 ? 1e9 / rate : 0;
    CountDownLatch done = new CountDownLatch(n);
    LongAdder ops = new LongAdder();
    LongAdder bytes = new LongAdder();
    LongAdder errors = new LongAdder();
    List<RunStats> perWorker = new ArrayList<>(n);
    long start = System.nanoTime();
    long deadline = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
    long[] end = new long[n];
    for (int i = 0; i < n; i++) {
      RunStats s = new RunStats();
      perWorker.add(s);
      int w = i;
      Connection c = connections.get(i);
      SplittableRandom rnd = new SplittableRandom(0x9e3779b97f4a7c15L * (i + 1));
      Runnable[] loop = new Runnable[1];
      long[] seq = new long[1];
      long[] due = new long[1];
      Runnable[] send = new Runnable[1];
      loop[0] =
          () -> {
            long now = System.nanoTime();
            if (nanosPerRequest > 0) {
              due[0] = start + (long) ((w + (double) seq[0] * n) * nanosPerRequest);
              if (due[0] >= deadline) {
                end[w] = now;
                done.countDown();
                return;
              }
              if (due[0] > now) {
                c.loop().schedule(send[0], due[0] - now, TimeUnit.NANOSECONDS);
                return;
              }
            }
            send[0].run();
          };
      send[0] =
          () -> {
            long sent = System.nanoTime();
            S3Request r = sent >= deadline ? null : workload.next(w, seq[0]++, rnd);
            if (r == null) {
              end[w] = System.nanoTime();
              done.countDown();
              return;
            }
            long queued = nanosPerRequest > 0 ? Math.max(0, sent - due[0]) : 0;
            c.send(
                r,
                o -> {
                  String error = o.error();
                  if (error == null
                      && verifySize > 0
                      && r.kind() == S3Request.Kind.GET
                      && o.bodyBytes() != verifySize) {
                    error = "ShortBody (" + o.status() + ")";
                  }
                  if (error == null) {
                    s.success(
                        r.kind(),
                        r.kind() == S3Request.Kind.PUT ? r.bodySize() : o.bodyBytes(),
                        o.latencyNanos() + queued);
                    ops.increment();
                    bytes.add(r.kind() == S3Request.Kind.PUT ? r.bodySize() : o.bodyBytes());
                  } else {
                    s.error(error);
                    errors.increment();
                  }
                  workload.completed(w, r, o);
                  if (error != null && error.startsWith("transport:")) {
                    // do not spin on a refused or broken connection
                    c.loop().schedule(loop[0], 10, TimeUnit.MILLISECONDS);
                  } else {
                    loop[0].run();
                  }
                });
          };
      c.loop().execute(loop[0]);
    }
    long lastOps = 0;
    long lastBytes = 0;
    long lastTick = start;
    while (!done.await(1, TimeUnit.SECONDS)) {
      long now = System.nanoTime();
      long o = ops.sum();
      long b = bytes.sum();
      double dt = (now - lastTick) / 1e9;
      progress.printf(
          Locale.ROOT,
          "%s %5.0fs  %10.1f ops/s  %10.2f MiB/s  errors %d%n",
          label,
          (now - start) / 1e9,
          (o - lastOps) / dt,
          (b - lastBytes) / dt / (1 << 20),
          errors.sum());
      lastOps = o;
      lastBytes = b;
      lastTick = now;
    }
    RunStats total = new RunStats();
    long last = start;
    for (int i = 0; i < n; i++) {
      total.merge(perWorker.get(i));
      last = Math.max(last, end[i]);
    }
    total.elapsedNanos = last - start;
    return total;
  }
}
