package io.aquifer.bench.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Samples another process's resident memory from {@code /proc/PID/status} on a daemon thread while
 * a run goes on: the highest VmRSS seen and, at the end, the kernel's own high-water mark VmHWM
 * (which also catches peaks between samples).
 */
final class ServerMemory implements AutoCloseable {
  static final long SAMPLE_MILLIS = 100;

  private final long pid;
  private final Path status;
  private final Thread sampler;
  private volatile boolean stopped;
  private volatile long peakRss;
  private volatile String failure;

  ServerMemory(long pid) throws IOException {
    this.pid = pid;
    this.status = Path.of("/proc", Long.toString(pid), "status");
    if (field(status, "VmRSS") < 0) {
      throw new IOException("--server-pid " + pid + ": no VmRSS in " + status);
    }
    sampler = Thread.ofPlatform().daemon().name("server-memory").start(this::sample);
  }

  private void sample() {
    while (!stopped) {
      try {
        long rss = field(status, "VmRSS");
        if (rss > peakRss) {
          peakRss = rss;
        }
        Thread.sleep(SAMPLE_MILLIS);
      } catch (IOException e) {
        failure = e.getMessage();
        return;
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A {@code kB} field of a status file, in bytes; -1 when absent. */
  static long field(Path status, String name) throws IOException {
    for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
      if (line.startsWith(name + ":")) {
        String[] f = line.substring(name.length() + 1).strip().split("\\s+");
        return Long.parseLong(f[0]) * 1024;
      }
    }
    return -1;
  }

  /** Stops sampling; returns pid, peak sampled RSS and VmHWM in bytes, and any failure. */
  Map<String, Object> finish() throws InterruptedException {
    stopped = true;
    sampler.interrupt();
    sampler.join();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", pid);
    m.put("peakRssBytes", peakRss);
    try {
      m.put("vmHwmBytes", field(status, "VmHWM"));
    } catch (IOException e) {
      m.put("vmHwmBytes", -1L);
      failure = failure == null ? e.getMessage() : failure;
    }
    if (failure != null) {
      m.put("failure", failure);
    }
    return m;
  }

  @Override
  public void close() {
    stopped = true;
    sampler.interrupt();
  }
}
