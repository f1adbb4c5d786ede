package io.aquifer.bench.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void sizesAndDurations() {
    assertEquals(4096, Units.parseSize("4KiB"));
    assertEquals(64L << 20, Units.parseSize("64MiB"));
    assertEquals(4L << 30, Units.parseSize("4GiB"));
    assertEquals(1_000_000, Units.parseSize("1MB"));
    assertEquals(1536, Units.parseSize("1.5k"));
    assertEquals(Duration.ofSeconds(30), Units.parseDuration("30s"));
    assertEquals(Duration.ofMillis(250), Units.parseDuration("250ms"));
    assertEquals(Duration.ofMinutes(2), Units.parseDuration("2m"));
    assertEquals("64 MiB", Units.formatSize(64L << 20));
  }

  static String usageError(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        S3Bench.run(
            args,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
  }

  @Test
  void helpPrintsTheUsageAndExits0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        S3Bench.run(
            new String[] {"--op", "put", "--help"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, code);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("--endpoint URL"));
  }

  @Test
  void usageErrorsAreOneLineAndExit2() {
    String[] base = {"--endpoint", "http://127.0.0.1:1", "--access-key", "a", "--secret-key", "s"};
    assertEquals("bench s3: --op is required (put, get, mixed, list or delete)", usageError(base));
    assertEquals(
        "bench s3: --size must be 4KiB to 4GiB: 1 KiB",
        usageError(concat(base, "--op", "get", "--size", "1KiB")));
    assertEquals(
        "bench s3: --duration: unknown duration unit in '3x' (use ms, s, m, h)",
        usageError(concat(base, "--op", "get", "--duration", "3x")));
    assertEquals("bench s3: unknown option --bogus", usageError(concat(base, "--bogus", "1")));
    assertEquals(
        "bench s3: --op: unknown operation 'copy' (put, get, mixed, list or delete)",
        usageError(concat(base, "--op", "copy")));
    assertEquals(
        "bench s3: --baseline is measured for --op get and put only",
        usageError(concat(base, "--op", "list", "--baseline")));
    assertTrue(usageError("--op", "get").startsWith("bench s3: --endpoint is required"));
    assertEquals(
        "bench s3: --rate: must be a positive rate: 0",
        usageError(concat(base, "--op", "get", "--rate", "0")));
    assertEquals(
        "bench s3: --latency-at: percentages are 1 to 100: 150",
        usageError(concat(base, "--op", "get", "--latency-at", "50,150")));
    assertEquals(
        "bench s3: --rate and --latency-at exclude each other",
        usageError(concat(base, "--op", "get", "--rate", "10", "--latency-at", "50")));
    assertEquals(
        "bench s3: --baseline runs closed loop; leave out --rate and --latency-at",
        usageError(concat(base, "--op", "get", "--rate", "10", "--baseline")));
    assertEquals(
        "bench s3: --warmup would delete the prepared objects of --op delete",
        usageError(concat(base, "--op", "delete", "--warmup", "2s")));
  }

  @Test
  void warmupDefaultsToTheShorterOfDurationAnd15sWithBaselineOnly() throws Exception {
    String[] base = {
      "--endpoint", "http://127.0.0.1:1", "--access-key", "a", "--secret-key", "s", "--op", "get"
    };
    assertEquals(Duration.ZERO, Options.parse(base).warmup());
    assertEquals(
        Duration.ofSeconds(15),
        Options.parse(concat(base, "--baseline", "--duration", "30s")).warmup());
    assertEquals(
        Duration.ofSeconds(4),
        Options.parse(concat(base, "--baseline", "--duration", "4s")).warmup());
    assertEquals(Duration.ofSeconds(2), Options.parse(concat(base, "--warmup", "2s")).warmup());
    assertEquals(
        Duration.ZERO, Options.parse(concat(base, "--baseline", "--warmup", "0s")).warmup());
  }

  @Test
  void ecNamesDataAndParityShards() throws Exception {
    String[] base = {
      "--endpoint", "http://127.0.0.1:1", "--access-key", "a", "--secret-key", "s", "--op", "put"
    };
    assertEquals(null, Options.parse(base).ec());
    Options.Ec ec = Options.parse(concat(base, "--ec", "4+2")).ec();
    assertEquals(4, ec.k());
    assertEquals(2, ec.m());
    assertEquals(4.0 / 6, ec.dataFraction(), 1e-12);
    assertEquals("bench s3: --ec: need K+M, e.g. 2+2: '4'", usageError(concat(base, "--ec", "4")));
    assertEquals(
        "bench s3: --ec: need K+M, e.g. 2+2: 'a+b'", usageError(concat(base, "--ec", "a+b")));
    assertEquals(
        "bench s3: --ec: need K+M with K >= 1, M >= 0, K+M <= 255",
        usageError(concat(base, "--ec", "0+2")));
  }

  @Test
  void putRatiosWithEcUseTheConcurrentCeiling() throws Exception {
    String[] args = {
      "--endpoint",
      "http://127.0.0.1:1",
      "--access-key",
      "a",
      "--secret-key",
      "s",
      "--op",
      "put",
      "--concurrency",
      "4",
      "--ec",
      "2+2"
    };
    List<S3Bench.Series> series =
        List.of(
            new S3Bench.Series("subject", List.of(500.0, 600.0, 700.0), List.of(), null),
            new S3Bench.Series(S3Bench.FSYNC_PREFIX + "/d)", List.of(1200.0), List.of(), null),
            new S3Bench.Series(S3Bench.MD5_ONE, List.of(800.0), List.of(), null),
            new S3Bench.Series(S3Bench.md5Threads(2), List.of(1500.0), List.of(), null));
    Map<String, Double> r = Report.ratios(Options.parse(args), series);
    // the disk bounds: 1200 x 2/4 = 600 < MD5 on 2 threads 1500
    assertEquals(1.0, r.get("min(MD5, 2 threads, write + fsync x 2/4)"), 1e-12);
    assertEquals(600.0 / 800, r.get("min(write + fsync, MD5)"), 1e-12);
    // without --ec the endpoint's code is unknown: no such ratio
    String[] noEc = java.util.Arrays.copyOf(args, args.length - 2);
    assertEquals(
        List.of(
            S3Bench.FSYNC_PREFIX + "/d)",
            S3Bench.MD5_ONE,
            S3Bench.md5Threads(2),
            "min(write + fsync, MD5)"),
        List.copyOf(Report.ratios(Options.parse(noEc), series).keySet()));
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = new String[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
