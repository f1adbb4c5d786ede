package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged distribution ({@code target/aquifer-VERSION/} and its tarball), run as an operator
 * runs it. Failsafe passes {@code aquifer.dist} and {@code aquifer.version}.
 */
class DistributionIT {
  private static final String INCUBATOR_WARNING = "WARNING: Using incubator modules";

  private final Path dist = Path.of(required("aquifer.dist"));
  private final String version = required("aquifer.version");

  @Test
  void versionRunsFromAnyDirectoryThroughASymlink(@TempDir Path dir) throws Exception {
    Path link = dir.resolve("aquifer");
    Files.createSymbolicLink(link, dist.resolve("bin/aquifer"));
    for (Path launcher : List.of(dist.resolve("bin/aquifer"), link)) {
      Run r = run(dir, launcher.toString(), "version");
      assertEquals(0, r.exitCode(), r.toString());
      assertTrue(r.stdout().startsWith("aquifer "), r.toString());
      // the JVM's incubator notice is the only thing on stderr
      for (String line : r.stderr().lines().toList()) {
        assertTrue(line.startsWith(INCUBATOR_WARNING), "unexpected stderr: " + r);
      }
    }
  }

  @Test
  void benchRunsWithItsWholeHeapTakenAndTouchedAtStart(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("fs.json");
    Files.createDirectories(dir.resolve("d"));
    Run r =
        run(
            dir,
            dist.resolve("bin/aquifer").toString(),
            "bench",
            "fs",
            "--dir",
            dir.resolve("d").toString(),
            "--size",
            "1MiB",
            "--files",
            "10",
            "--duration",
            "1s",
            "--json",
            json.toString());
    assertEquals(0, r.exitCode(), r.toString());
    com.fasterxml.jackson.databind.JsonNode m =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("machine");
    List<String> options = new java.util.ArrayList<>();
    m.get("jvmOptions").forEach(o -> options.add(o.asText()));
    assertTrue(
        options.containsAll(List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch")), m.toString());
    assertEquals(1L << 30, m.get("initialHeapBytes").asLong(), m.toString());
  }

  @Test
  void treeHoldsTheLayout() {
    assertTrue(Files.isExecutable(dist.resolve("bin/aquifer")), "bin/aquifer executable");
    for (String f :
        List.of(
            "lib/deploy-" + version + ".jar",
            "lib/storage-core-" + version + ".jar",
            "conf/aquifer.yaml",
            "systemd/aquifer.service",
            "LICENSE",
            "README.md")) {
      assertTrue(Files.isRegularFile(dist.resolve(f)), "missing " + f);
    }
  }

  @Test
  void tarballHoldsTheSameTree(@TempDir Path dir) throws Exception {
    Path tarball = dist.resolveSibling(dist.getFileName() + ".tar.gz");
    assertTrue(Files.isRegularFile(tarball), "missing " + tarball);
    Run r = run(dir, "tar", "tzvf", tarball.toString());
    assertEquals(0, r.exitCode(), r.toString());
    List<String> lines = r.stdout().lines().toList();
    String top = "aquifer-" + version + "/";
    for (String f :
        List.of(
            "bin/aquifer",
            "lib/deploy-" + version + ".jar",
            "conf/aquifer.yaml",
            "systemd/aquifer.service",
            "LICENSE",
            "README.md")) {
      assertTrue(lines.stream().anyMatch(l -> l.endsWith(" " + top + f)), "tarball lacks " + f);
    }
    String launcher =
        lines.stream().filter(l -> l.endsWith(" " + top + "bin/aquifer")).findFirst().orElseThrow();
    assertTrue(launcher.startsWith("-rwxr-xr-x"), "bin/aquifer mode in the tarball: " + launcher);
    try (var tree = Files.walk(dist)) {
      long files = tree.filter(Files::isRegularFile).count();
      long entries = lines.stream().filter(l -> l.startsWith("-")).count();
      assertEquals(files, entries, "the tree and the tarball hold the same files");
    }
  }

  private static String required(String property) {
    String v = System.getProperty(property);
    assertNotNull(v, property + " is set by failsafe (run with ./mvnw verify)");
    return v;
  }

  private record Run(int exitCode, String stdout, String stderr) {}

  private static Run run(Path cwd, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("AQUIFER_JAVA_OPTS"); // the launcher's own defaults
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish");
    }
    return new Run(p.exitValue(), out, err.join());
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
