package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The `aws` command and a boto3 script, run as real processes against the gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliProcessTest {
  @TempDir static Path dir;
  @TempDir static Path work;
  GatewayFixture fx;

  @BeforeAll
  void start() {
    fx = new GatewayFixture(dir);
    fx.store.createBucket("cli");
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  record Result(int exit, String out) {}

  private Result run(List<String> cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("AWS_ACCESS_KEY_ID", GatewayFixture.ACCESS);
    env.put("AWS_SECRET_ACCESS_KEY", GatewayFixture.SECRET);
    env.put("AWS_DEFAULT_REGION", "us-east-1");
    env.put("AWS_CONFIG_FILE", work.resolve("no-config").toString());
    env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-credentials").toString());
    env.put("AQ_ENDPOINT", fx.endpoint.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "process timed out: " + cmd);
    return new Result(p.exitValue(), out);
  }

  private Result aws(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("aws", "--endpoint-url", fx.endpoint.toString()));
    cmd.addAll(List.of(args));
    Result r = run(cmd);
    assertEquals(0, r.exit(), String.join(" ", cmd) + "\n" + r.out());
    return r;
  }

  private static Path file(Path d, String name, long size, long seed) throws IOException {
    Path f = d.resolve(name);
    Random rnd = new Random(seed);
    byte[] buf = new byte[1 << 20];
    try (var out = Files.newOutputStream(f)) {
      for (long left = size; left > 0; left -= buf.length) {
        rnd.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    return f;
  }

  @Test
  void awsCpUpAndDownCompareBytes() throws Exception {
    Path up = Files.createDirectories(work.resolve("up"));
    Path down = Files.createDirectories(work.resolve("down"));
    long[] sizes = {0, 1024, 20L << 20, 200L << 20};
    for (long size : sizes) {
      String name = "f" + size;
      Path f = file(up, name, size, size);
      aws("s3", "cp", f.toString(), "s3://cli/cp/" + name);
      Path back = down.resolve(name);
      aws("s3", "cp", "s3://cli/cp/" + name, back.toString());
      assertEquals(Files.size(f), Files.size(back), name);
      assertEquals(-1L, Files.mismatch(f, back), name);
    }
    assertEquals(20L << 20, fx.store.head("cli", "cp/f" + (20L << 20)).size());
    assertTrue(fx.store.head("cli", "cp/f" + (200L << 20)).parts() > 1, "200 MiB went multipart");
  }

  @Test
  void awsSyncLsRm() throws Exception {
    Path tree = Files.createDirectories(work.resolve("tree"));
    for (int i = 0; i < 500; i++) {
      Path d = Files.createDirectories(tree.resolve("d" + (i % 10)));
      Files.writeString(d.resolve("file" + i + ".txt"), "content " + i);
    }
    aws("s3", "sync", tree.toString(), "s3://cli/sync/");
    Result ls = aws("s3", "ls", "--recursive", "s3://cli/sync/");
    long lines = ls.out().lines().filter(l -> l.contains("sync/d")).count();
    assertEquals(500, lines, ls.out());
    // a second sync uploads nothing
    Result again = aws("s3", "sync", tree.toString(), "s3://cli/sync/");
    assertTrue(again.out().isBlank(), again.out());
    Path back = work.resolve("tree-back");
    aws("s3", "sync", "s3://cli/sync/", back.toString());
    try (Stream<Path> s = Files.walk(tree)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        assertArrayEquals(
            Files.readAllBytes(p), Files.readAllBytes(back.resolve(tree.relativize(p))));
      }
    }
    aws("s3", "rm", "--recursive", "s3://cli/sync/");
    // `aws s3 ls` exits 1 when nothing matches
    Result empty =
        run(
            List.of(
                "aws",
                "--endpoint-url",
                fx.endpoint.toString(),
                "s3",
                "ls",
                "--recursive",
                "s3://cli/sync/"));
    assertEquals("", empty.out().strip());
  }

  @Test
  void boto3Script() throws Exception {
    Path script = Path.of("src/test/python/boto3_smoke.py").toAbsolutePath();
    Result r = run(List.of("python3", script.toString()));
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().strip().endsWith("OK"), r.out());
  }
}
