package io.aquifer.bench.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aquifer.storage.ListQuery;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code bench s3} against a real gateway over a real store on loopback. */
class S3BenchTest {
  @TempDir static Path dir;
  static TestGateway gw;

  @BeforeAll
  static void start() {
    gw = new TestGateway(dir.resolve("gw"), 4, 0);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  record Result(int code, String out, String err) {}

  static Result bench(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--endpoint",
                gw.endpoint,
                "--access-key",
                TestGateway.ACCESS,
                "--secret-key",
                TestGateway.SECRET,
                "--size",
                "4KiB",
                "--duration",
                "1s",
                "--concurrency",
                "2",
                "--objects",
                "20"));
    args.addAll(List.of(extra));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        S3Bench.run(
            args.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The ops column of the table's row for {@code op}. */
  static long ops(String table, String op) {
    Matcher m = Pattern.compile("(?m)^" + op + "\\s+(\\d+)\\s").matcher(table);
    assertTrue(m.find(), "no row for " + op + " in\n" + table);
    return Long.parseLong(m.group(1));
  }

  static void assertClean(Result r) {
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("\nerrors: 0\n"), r.out());
    assertTrue(gw.store.listBuckets().isEmpty(), "bench buckets left: " + gw.store.listBuckets());
  }

  @ParameterizedTest
  @ValueSource(strings = {"put", "get", "list"})
  void singleOperationRuns(String op, @TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("r.json");
    Result r = bench("--op", op, "--json", json.toString());
    assertClean(r);
    assertTrue(ops(r.out(), op) > 0, r.out());
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertEquals(op, j.get("op").asText());
    assertTrue(j.at("/machine/cores").asInt() > 0, j.toString());
    assertTrue(j.at("/machine/memoryBytes").asLong() > 0, j.toString());
    assertTrue(j.at("/machine/jdk").asText().contains("25"), j.toString());
    assertTrue(!j.at("/machine/kernel").asText().isBlank(), j.toString());
    assertTrue(j.at("/results/" + op + "/ops").asLong() > 0, j.toString());
    assertTrue(j.at("/results/" + op + "/latencyMillis/p99").asDouble() > 0, j.toString());
    assertEquals(0, j.get("errorsTotal").asLong());
    if (!op.equals("list")) {
      assertTrue(j.at("/results/" + op + "/mibPerSec").asDouble() > 0, j.toString());
    }
  }

  @Test
  void mixedRunsGetsPutsAndDeletes() {
    Result r = bench("--op", "mixed", "--verify");
    assertClean(r);
    assertTrue(ops(r.out(), "get") > 0, r.out());
    assertTrue(ops(r.out(), "put") > 0, r.out());
    assertTrue(ops(r.out(), "total") > 0, r.out());
  }

  @Test
  void rateRunsOpenLoopAndNeverSendsMoreThanScheduled(@TempDir Path tmp) throws Exception {
    // 40 requests/s for 1 s over 2 connections: at most 40 are due before the deadline, however
    // fast the server is (a closed loop sends thousands here)
    Path json = tmp.resolve("r.json");
    Result r = bench("--op", "get", "--rate", "40", "--json", json.toString());
    assertClean(r);
    long ops = ops(r.out(), "get");
    assertTrue(ops >= 1 && ops <= 40, r.out());
    assertEquals(ops, new ObjectMapper().readTree(json.toFile()).at("/results/get/ops").asLong());
  }

  @Test
  void latencyAtRunsAtSharesOfTheMeasuredPeakAndReportsServerMemory(@TempDir Path tmp)
      throws Exception {
    Path json = tmp.resolve("r.json");
    long pid = ProcessHandle.current().pid();
    Result r =
        bench(
            "--op",
            "get",
            "--latency-at",
            "10,20",
            "--server-pid",
            Long.toString(pid),
            "--json",
            json.toString());
    assertClean(r);
    assertTrue(r.out().contains("latency under load"), r.out());
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    double peak = j.at("/results/get/opsPerSec").asDouble();
    JsonNode points = j.get("latencyAt");
    assertEquals(2, points.size(), j.toString());
    for (int i = 0; i < 2; i++) {
      JsonNode p = points.get(i);
      int percent = i == 0 ? 10 : 20;
      assertEquals(percent, p.get("percentOfPeak").asInt());
      assertEquals(peak * percent / 100, p.get("targetOpsPerSec").asDouble(), peak * 1e-6);
      // open loop over 1 s: no more than the target's requests were sent
      assertTrue(p.get("opsPerSec").asDouble() > 0, p.toString());
      assertTrue(p.at("/latencyMillis/p99").asDouble() > 0, p.toString());
      assertEquals(0, p.get("errors").asLong());
    }
    JsonNode mem = j.get("serverMemory");
    assertEquals(pid, mem.get("pid").asLong());
    assertTrue(mem.get("peakRssBytes").asLong() > 0, mem.toString());
    // the kernel updates VmHWM lazily, so it may trail the highest sample; both are real readings
    assertTrue(mem.get("vmHwmBytes").asLong() > 0, mem.toString());
    assertTrue(r.out().contains("server pid " + pid + ": peak RSS"), r.out());
  }

  @Test
  void aWarmUpWithLatencyAtAlsoWarmsTheOpenLoopUnreported(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("r.json");
    Result r =
        bench("--op", "get", "--latency-at", "10", "--warmup", "1s", "--json", json.toString());
    assertClean(r);
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertTrue(
        java.util.regex.Pattern.compile("warm-up get open loop \\([0-9]+/s\\) for 1s")
            .matcher(r.err())
            .find(),
        r.err());
    assertEquals(1, j.get("latencyAt").size(), "the warm-up is not reported: " + j);
  }

  @Test
  void deleteRemovesEachPreparedObjectOnce() {
    Result r = bench("--op", "delete", "--duration", "30s");
    assertClean(r);
    assertEquals(20, ops(r.out(), "delete"), r.out());
  }

  @Test
  void anExistingBucketIsKeptAndEmptied() {
    gw.store.createBucket("bench-keep", TestGateway.ACCESS);
    try {
      Result r = bench("--op", "get", "--bucket", "bench-keep");
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(ops(r.out(), "get") > 0, r.out());
      assertTrue(gw.store.headBucket("bench-keep").isPresent());
      assertTrue(
          gw.store.list("bench-keep", ListQuery.prefix("")).objects().isEmpty(),
          "objects left in bench-keep");
    } finally {
      gw.store.deleteBucket("bench-keep");
    }
  }

  @Test
  void wrongSecretKeyReportsSignatureDoesNotMatchAndExits1() {
    Result r = bench("--op", "put", "--secret-key", "not-the-secret");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("SignatureDoesNotMatch (403)"), r.out());
    assertTrue(r.err().contains("SignatureDoesNotMatch"), r.err());
    assertTrue(gw.store.listBuckets().isEmpty());
  }

  @Test
  void getBaselineReportsRatios() {
    Result r = bench("--op", "get", "--baseline", "--duration", "300ms");
    assertClean(r);
    assertTrue(r.out().contains("netty in-memory server"), r.out());
    assertTrue(r.out().contains("ratio subject / netty in-memory server"), r.out());
    assertTrue(r.out().contains("nginx"), r.out());
  }

  @Test
  void putBaselineReportsFsyncAndMd5(@TempDir Path tmp) {
    Result r =
        bench("--op", "put", "--baseline", "--duration", "300ms", "--baseline-dir", tmp.toString());
    assertClean(r);
    assertTrue(r.out().contains("MD5, one core"), r.out());
    assertTrue(r.out().contains("ratio subject / min(write + fsync, MD5)"), r.out());
  }
}
