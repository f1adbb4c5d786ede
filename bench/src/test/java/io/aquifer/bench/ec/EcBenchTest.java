package io.aquifer.bench.ec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aquifer.storage.codec.ErasureCodecs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench ec}: tiny runs of each available codec. */
class EcBenchTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result bench(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        EcBench.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static List<String> available() {
    List<String> kinds = new ArrayList<>(List.of("scalar", "vector"));
    if (ErasureCodecs.isalAvailable()) {
      kinds.add("isal");
    }
    return kinds;
  }

  @Test
  void eachAvailableCodecReportsNonZeroThroughput() throws IOException {
    for (String kind : available()) {
      Path json = dir.resolve(kind + ".json");
      Result r =
          bench(
              "--codec",
              kind,
              "--k",
              "4",
              "--m",
              "2",
              "--shard-size",
              "4KiB",
              "--duration",
              "50ms",
              "--warmup",
              "20ms",
              "--rounds",
              "2",
              "--json",
              json.toString());
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().contains(kind), r.out());
      JsonNode res = new ObjectMapper().readTree(json.toFile()).get("results").get(0);
      assertEquals(kind, res.get("name").asText());
      for (String op : List.of("encode", "reconstruct")) {
        assertEquals(2, res.get(op).get("gbps").size(), op);
        assertTrue(res.get(op).get("medianGbps").asDouble() > 0, kind + " " + op);
      }
    }
  }

  @Test
  void allSkipsWhatIsUnavailableAndBaselineRunsOrSaysWhy() throws IOException {
    Path json = dir.resolve("all.json");
    Result r =
        bench(
            "--k",
            "3",
            "--m",
            "2",
            "--lost",
            "1",
            "--shard-size",
            "4KiB",
            "--duration",
            "50ms",
            "--warmup",
            "0s",
            "--rounds",
            "1",
            "--baseline",
            "--json",
            json.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("C ISA-L (baseline)"), r.out());
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertTrue(j.get("machine").get("cores").asInt() > 0);
    JsonNode last = j.get("results").get(j.get("results").size() - 1);
    assertEquals("C ISA-L (baseline)", last.get("name").asText());
    if (last.has("skipped")) {
      assertTrue(last.get("skipped").asText().startsWith("unavailable: "), last.toString());
    } else {
      assertTrue(last.get("encode").get("medianGbps").asDouble() > 0);
      assertTrue(last.get("reconstruct").get("medianGbps").asDouble() > 0);
      assertTrue(j.get("ratiosToC").get("vector").get("encode").asDouble() > 0);
      assertTrue(r.out().contains("vector / C"), r.out());
    }
  }

  @Test
  void usageErrorsExit2() {
    assertEquals(2, bench("--k", "15", "--m", "2").code());
    assertEquals(2, bench("--codec", "fast").code());
    assertEquals(2, bench("--m", "2", "--lost", "3").code());
    assertEquals(2, bench("--rounds", "0").code());
    assertEquals(2, bench("extra").code());
    Result h = bench("--help");
    assertEquals(0, h.code());
    assertTrue(h.out().contains("usage: aquifer bench ec"), h.out());
  }
}
