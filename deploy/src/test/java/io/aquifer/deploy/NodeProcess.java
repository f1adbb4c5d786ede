package io.aquifer.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The packaged node run as a separate process, as an operator runs it: {@code <dist>/bin/aquifer
 * server ...}. Its standard output is read line by line, so a test waits for the node's "is
 * running" line rather than for time to pass.
 */
final class NodeProcess implements AutoCloseable {
  static final Path DIST = Path.of(System.getProperty("aquifer.dist", "target/aquifer-dist"));
  private static final ObjectMapper JSON = new ObjectMapper();

  final Process process;
  final Path data;
  final List<String> stdout = new ArrayList<>();
  final Path stderr;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  URI s3;
  URI admin;
  String pfs; // host:port, or null when the node serves none

  private NodeProcess(Process process, Path data, Path stderr) {
    this.process = process;
    this.data = data;
    this.stderr = stderr;
    Thread.ofPlatform()
        .daemon()
        .name("node-stdout")
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  lines.add(l);
                }
              } catch (IOException ignored) {
                // the process ended
              }
              lines.add("\u0000EOF");
            });
  }

  /**
   * The environment of a node or command: the test's, without root credentials, and with Netty's
   * leak detector tracking every buffer ({@link #assertNoLeaks} reads what it reports).
   */
  static Map<String, String> env(ProcessBuilder pb, Map<String, String> extra) {
    Map<String, String> env = pb.environment();
    env.remove("AQUIFER_ROOT_ACCESS_KEY");
    env.remove("AQUIFER_ROOT_SECRET_KEY");
    env.put("AQUIFER_JAVA_OPTS", "-Xmx384m -Dio.netty.leakDetection.level=paranoid");
    env.putAll(extra);
    return env;
  }

  /** Starts a node on {@code data} with free ports; waits until it says it is running. */
  static NodeProcess start(Path data, Map<String, String> extraEnv, String... extraArgs)
      throws Exception {
    NodeProcess n = launch(data, extraEnv, extraArgs);
    n.awaitRunning();
    return n;
  }

  /** Starts a node without waiting. */
  static NodeProcess launch(Path data, Map<String, String> extraEnv, String... extraArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(DIST.resolve("bin/aquifer").toString());
    cmd.add("server");
    cmd.add("--data");
    cmd.add(data.toString());
    cmd.add("--s3-listen");
    cmd.add("127.0.0.1:0");
    cmd.add("--admin-listen");
    cmd.add("127.0.0.1:0");
    cmd.add("--pfs-listen");
    cmd.add("127.0.0.1:0");
    cmd.addAll(List.of(extraArgs));
    Files.createDirectories(data.getParent());
    Path err = Files.createTempFile(data.getParent(), "node-stderr", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
    env(pb, extraEnv);
    return new NodeProcess(pb.start(), data, err);
  }

  /** Reads standard output until the node is running; fails if the process ends first. */
  void awaitRunning() throws Exception {
    while (true) {
      String l = lines.poll(120, TimeUnit.SECONDS);
      if (l == null || l.equals("\u0000EOF")) {
        throw new AssertionError(
            "the node did not start (exit "
                + (process.isAlive() ? "none" : process.exitValue())
                + "); stdout: "
                + stdout
                + "; stderr: "
                + Files.readString(stderr));
      }
      stdout.add(l);
      if (l.startsWith("Aquifer ") && l.endsWith(" is running.")) {
        break;
      }
    }
    JsonNode j = JSON.readTree(data.resolve("node.json").toFile());
    s3 = URI.create("http://" + j.path("s3").asText());
    admin = URI.create("http://" + j.path("admin").asText());
    pfs = j.hasNonNull("pfs") ? j.path("pfs").asText() : null;
  }

  /** Reads standard output up to and including the first line that {@code last} accepts. */
  List<String> readUntil(java.util.function.Predicate<String> last) throws InterruptedException {
    while (true) {
      String l = lines.poll(60, TimeUnit.SECONDS);
      if (l == null || l.equals("\u0000EOF")) {
        throw new AssertionError("the expected output did not come; so far: " + stdout);
      }
      stdout.add(l);
      if (last.test(l)) {
        return stdout;
      }
    }
  }

  /** Sends SIGTERM and returns the exit status. */
  int stop() throws Exception {
    process.destroy(); // SIGTERM
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the node did not stop within 90 s of SIGTERM");
    }
    return process.exitValue();
  }

  S3Client client(String accessKey, String secretKey) {
    return client(accessKey, secretKey, c -> {});
  }

  /** A client with more of its configuration set by {@code override}. */
  S3Client client(
      String accessKey,
      String secretKey,
      java.util.function.Consumer<
              software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.Builder>
          override) {
    return S3Client.builder()
        .endpointOverride(s3)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .forcePathStyle(true)
        .overrideConfiguration(override)
        .build();
  }

  /** GET on the admin port without credentials. */
  HttpResponse<String> adminGet(String path) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(
          HttpRequest.newBuilder(admin.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /** Ends the process if it still runs; fails if its log reports a leaked Netty buffer. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.onExit().join();
    }
    assertNoLeaks(stderr);
  }

  /**
   * Fails when a process's log holds a report of Netty's leak detector (a pooled buffer collected
   * without its release: memory the pool never gets back).
   */
  static void assertNoLeaks(Path log) {
    String text;
    try {
      text = Files.readString(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    int at = text.indexOf("LEAK: ");
    if (at >= 0) {
      throw new AssertionError(
          "Netty reported a leaked buffer in "
              + log
              + ":\n"
              + text.substring(Math.max(0, at - 200)));
    }
  }

  /** The outcome of a CLI run. */
  record Run(int exitCode, String stdout, String stderr) {
    JsonNode json() throws IOException {
      return JSON.readTree(stdout);
    }
  }

  /** Runs {@code <dist>/bin/aquifer args...} to completion. */
  static Run cli(Path cwd, Map<String, String> extraEnv, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(DIST.resolve("bin/aquifer").toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("aquifer-cli", ".out");
    Path err = Files.createTempFile("aquifer-cli", ".err");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(cwd.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    env(pb, extraEnv);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("aquifer " + String.join(" ", args) + " did not finish");
    }
    Run r =
        new Run(p.exitValue(), Files.readString(out), stripIncubatorNotice(Files.readString(err)));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  static String stripIncubatorNotice(String s) {
    StringBuilder b = new StringBuilder();
    for (String l : s.lines().toList()) {
      if (!l.startsWith("WARNING: Using incubator modules")) {
        b.append(l).append('\n');
      }
    }
    return b.toString();
  }
}
