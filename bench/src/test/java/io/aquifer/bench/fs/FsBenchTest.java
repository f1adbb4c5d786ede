package io.aquifer.bench.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench fs} on a temporary directory with tiny sizes. */
class FsBenchTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result bench(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        FsBench.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static long entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.count();
    }
  }

  @Test
  void tinyRunReportsEveryPhaseWithNonZeroRatesAndCleansUp() throws IOException {
    Path data = Files.createDirectory(dir.resolve("data"));
    Path json = dir.resolve("fs.json");
    Result r =
        bench(
            "--dir",
            data.toString(),
            "--size",
            "1MiB",
            "--block",
            "64KiB",
            "--files",
            "50",
            "--file-size",
            "1KiB",
            "--threads",
            "2",
            "--duration",
            "200ms",
            "--json",
            json.toString());
    assertEquals(0, r.code(), r.toString());
    for (String phase :
        List.of(
            "seq write ",
            "fsync",
            "seq write+fsync",
            "seq read",
            "random read 4KiB",
            "create",
            "stat",
            "readdir",
            "unlink")) {
      assertTrue(r.out().contains(phase), phase + " in " + r.out());
    }
    assertTrue(r.out().contains("page cache"), r.out());
    assertEquals(0, entries(data), "the run removed what it created");
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertEquals("aquifer bench fs", j.get("tool").asText());
    assertTrue(j.get("machine").get("cores").asInt() > 0);
    JsonNode res = j.get("results");
    for (String p : List.of("seq write", "seq read", "random read 4KiB")) {
      assertTrue(res.get(p).get("mibPerSec").asDouble() > 0, p);
    }
    for (String p : List.of("create", "stat", "readdir", "unlink", "fsync")) {
      assertTrue(res.get(p).get("opsPerSec").asDouble() > 0, p);
    }
    assertEquals(2L * (1 << 20), res.get("seq write").get("bytes").asLong());
    assertEquals(50, res.get("create").get("ops").asLong());
    assertEquals(100, res.get("readdir").get("ops").asLong());
    assertTrue(res.get("random read 4KiB").get("latencyMillis").get("p99").asDouble() > 0);
  }

  static Result benchDropping(Path dropCaches, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        FsBench.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            dropCaches);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void dropCachesSaysWhetherItWorked() throws IOException {
    // a stand-in for /proc/sys/vm/drop_caches: a test must not empty a shared machine's page cache
    Path data = Files.createDirectory(dir.resolve("data"));
    String[] args = {
      "--dir",
      data.toString(),
      "--size",
      "64KiB",
      "--files",
      "5",
      "--duration",
      "50ms",
      "--drop-caches"
    };
    Path writable = dir.resolve("drop_caches");
    Result ok = benchDropping(writable, args);
    assertEquals(0, ok.code(), ok.toString());
    assertTrue(ok.out().contains("page cache dropped before the phase"), ok.out());
    assertEquals("3\n", Files.readString(writable));

    Result denied = benchDropping(dir.resolve("no/such/dir/drop_caches"), args);
    assertEquals(0, denied.code(), denied.toString());
    assertTrue(denied.out().contains("--drop-caches was not permitted"), denied.out());
    assertTrue(denied.err().contains("--drop-caches"), denied.err());
    assertEquals(0, entries(data));
  }

  @Test
  void baselineComparesWithPassthroughLlAndTheLocalDirectoryRoundByRound() throws Exception {
    // builds libfuse3's passthrough_ll example and mounts it for real (CI installs fuse3 and
    // libfuse3-dev); the subject here is a plain directory, so its ratios are near 1 by design
    Path subject = Files.createDirectory(dir.resolve("subject"));
    Path local = Files.createDirectory(dir.resolve("local"));
    Path json = dir.resolve("cmp.json");
    Result r =
        bench(
            "--dir",
            subject.toString(),
            "--baseline",
            local.toString(),
            "--rounds",
            "2",
            "--size",
            "256KiB",
            "--block",
            "64KiB",
            "--files",
            "20",
            "--duration",
            "50ms",
            "--json",
            json.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("/passthrough_ll"), r.out());
    assertTrue(r.err().contains("round 2/2: passthrough_ll"), r.err());
    assertEquals(0, entries(subject));
    assertEquals(0, entries(local), "nothing left in the baseline directory");
    assertFalse(PassthroughBaseline.isMounted(local), "no mount left behind");
    JsonNode cmp = new ObjectMapper().readTree(json.toFile()).get("comparison");
    for (String p : List.of("seq write", "seq read", "random read 4KiB", "create", "unlink")) {
      JsonNode row = cmp.get(p);
      assertEquals(2, row.get("passthroughLl").size(), p);
      for (String target : List.of("subject", "passthroughLl", "native")) {
        for (JsonNode v : row.get(target)) {
          assertTrue(v.asDouble() > 0, p + " " + target + " " + row);
        }
      }
      assertTrue(row.get("ratioToPassthroughLl").asDouble() > 0, p);
    }
    assertEquals("MiB/s", cmp.get("seq read").get("unit").asText());
    assertEquals("ops/s", cmp.get("stat").get("unit").asText());
  }

  @Test
  void baselineWithoutTheExampleSourceSaysWhatToInstall() throws Exception {
    PassthroughBaseline.Unavailable e =
        assertThrows(
            PassthroughBaseline.Unavailable.class,
            () -> PassthroughBaseline.build(dir.resolve("no-examples")));
    assertTrue(e.getMessage().contains("libfuse3-dev"), e.getMessage());
    Result r = bench("--dir", dir.toString(), "--baseline", dir.resolve("absent").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--baseline: not a directory"), r.err());
  }

  @Test
  void usageErrorsExit2() {
    assertEquals(2, bench().code());
    assertEquals(2, bench("--dir", dir.toString(), "--size", "1KiB").code());
    assertEquals(2, bench("--dir", dir.toString(), "--threads", "0").code());
    assertEquals(2, bench("--dir", dir.toString(), "--bogus", "1").code());
    assertEquals(2, bench("--dir", dir.resolve("missing").toString()).code());
    Result r = bench("--dir", dir.toString(), "--size", "lots");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--size"), r.err());
  }

  @Test
  void helpPrintsUsage() {
    Result r = bench("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("usage: aquifer bench fs"), r.out());
  }
}
