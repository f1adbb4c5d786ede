package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The packaged node as an operator runs it: a separate process, used over S3 and the admin port.
 */
class NodeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ROOT =
      Map.of("AQUIFER_ROOT_ACCESS_KEY", "ROOTADMIN", "AQUIFER_ROOT_SECRET_KEY", "rootsecret-123");

  @TempDir Path tmp;

  @Test
  void firstStartGeneratesCredentialsServesAndRestartsOnTheSameData() throws Exception {
    Path data = tmp.resolve("data");
    String ak;
    String sk;
    try (NodeProcess node = NodeProcess.start(data, Map.of())) {
      List<String> out = node.readUntil(l -> l.contains(" s3 cp "));
      String text = String.join("\n", out);
      Properties creds = new Properties();
      try (var in = Files.newBufferedReader(data.resolve("root-credentials"))) {
        creds.load(in);
      }
      ak = creds.getProperty("AQUIFER_ROOT_ACCESS_KEY");
      sk = creds.getProperty("AQUIFER_ROOT_SECRET_KEY");
      assertTrue(text.contains(ak) && text.contains(sk), text);
      assertTrue(text.contains("aws configure set aws_access_key_id " + ak), text);
      assertTrue(text.contains("aws --profile aquifer --endpoint-url " + node.s3), text);
      String mount = node.readUntil(l -> l.contains("aquifer mount ")).getLast();
      assertTrue(
          mount.contains("aquifer mount --endpoint " + node.pfs + " --profile aquifer"), mount);
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(data.resolve("root-credentials"))));
      JsonNode nodeJson = JSON.readTree(data.resolve("node.json").toFile());
      assertEquals(node.process.pid(), nodeJson.path("pid").asLong());
      assertNotEquals(0, node.s3.getPort());
      assertFalse(nodeJson.path("version").asText().isEmpty());
      // the default layout: 4 drive directories under the data directory
      for (int i = 0; i < 4; i++) {
        assertTrue(Files.isDirectory(data.resolve("drives/drive" + i)), "drive" + i);
      }

      // the printed lines work as printed: configure a fresh profile, make a bucket, list it
      Path home = Files.createDirectories(tmp.resolve("home"));
      for (String line : out) {
        if (line.startsWith("  aws configure set") || line.contains(" s3 mb ")) {
          ProcessBuilder pb =
              new ProcessBuilder("bash", "-c", line.trim()).redirectErrorStream(true);
          pb.environment().put("HOME", home.toString());
          pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
          Process p = pb.start();
          String said = new String(p.getInputStream().readAllBytes());
          assertEquals(0, p.waitFor(), line + ": " + said);
        }
      }
      try (S3Client s3 = node.client(ak, sk)) {
        assertTrue(s3.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("my-bucket")));
        s3.createBucket(b -> b.bucket("first"));
        s3.putObject(b -> b.bucket("first").key("hello.txt"), RequestBody.fromString("hello"));
        assertEquals(
            "hello", s3.getObjectAsBytes(b -> b.bucket("first").key("hello.txt")).asUtf8String());
      }
      // aquifer bench s3 drives the node as a client
      NodeProcess.Run bench =
          NodeProcess.cli(
              tmp,
              Map.of(),
              "bench",
              "s3",
              "--endpoint",
              node.s3.toString(),
              "--access-key",
              ak,
              "--secret-key",
              sk,
              "--op",
              "mixed",
              "--size",
              "4KiB",
              "--objects",
              "8",
              "--concurrency",
              "2",
              "--duration",
              "1s");
      assertEquals(0, bench.exitCode(), bench.toString());
      assertTrue(bench.stdout().contains("ops/s"), bench.stdout());
      // its Netty client logs through JUL like the node, not into slf4j without a binding
      assertTrue(!bench.stderr().contains("SLF4J"), bench.stderr());
      assertEquals(200, node.adminGet("/health/live").statusCode());
      HttpResponse<String> ready = node.adminGet("/health/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      String metrics = node.adminGet("/metrics").body();
      for (String name :
          List.of(
              "aquifer_s3_requests_total",
              "aquifer_s3_request_seconds_bucket",
              "aquifer_s3_received_bytes_total",
              "aquifer_ec_encoded_bytes_total",
              "aquifer_ec_encode_seconds_total",
              "aquifer_kv_size_bytes",
              "aquifer_kv_pending_compaction_bytes",
              "aquifer_storage_heal_queued_objects",
              "aquifer_store_small_cache_hits_total",
              "aquifer_store_small_cache_misses_total",
              "aquifer_store_small_cache_evictions_total",
              "aquifer_store_small_cache_bytes",
              "aquifer_s3_eventloop_requests_total",
              "aquifer_drive_online",
              "aquifer_drive_read_bytes_total",
              "aquifer_drive_reads_inflight",
              "aquifer_bucket_objects{bucket=\"first\"}",
              "aquifer_buffer_pool_used_direct_bytes",
              "jvm_memory_used_bytes",
              "jvm_threads_live_threads")) {
        assertTrue(metrics.contains(name), "metrics lack " + name);
      }
      // the admin API needs the root credentials
      assertEquals(401, node.adminGet("/admin/v1/info").statusCode());

      // a second node on the same data directory is refused while the first runs
      NodeProcess.Run second =
          NodeProcess.cli(
              tmp,
              Map.of(),
              "server",
              "--data",
              data.toString(),
              "--s3-listen",
              "127.0.0.1:0",
              "--admin-listen",
              "127.0.0.1:0");
      assertEquals(1, second.exitCode(), second.toString());
      assertTrue(second.stderr().contains("is using the data directory"), second.stderr());
      assertTrue(second.stderr().contains("pid " + node.process.pid()), second.stderr());

      assertEquals(0, node.stop(), "exit status after SIGTERM");
      assertFalse(Files.exists(data.resolve("node.json")), "node.json outlives the node");
    }

    try (NodeProcess node = NodeProcess.start(data, Map.of())) {
      List<String> out = node.readUntil(l -> l.contains("root user:"));
      String text = String.join("\n", out);
      assertFalse(text.contains(sk), "the secret is printed again: " + text);
      assertTrue(text.contains("from file"), text);
      try (S3Client s3 = node.client(ak, sk)) {
        assertEquals(
            "hello", s3.getObjectAsBytes(b -> b.bucket("first").key("hello.txt")).asUtf8String());
      }
      assertEquals(0, node.stop());
    }
  }

  @Test
  void usersOwnTheirBucketsAndQuotasHold() throws Exception {
    Path data = tmp.resolve("data");
    try (NodeProcess node = NodeProcess.start(data, ROOT)) {
      String endpoint = node.admin.toString();
      NodeProcess.Run add =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "user", "add", "alice");
      assertEquals(0, add.exitCode(), add.toString());
      JsonNode alice = add.json();
      assertEquals("alice", alice.path("name").asText());
      String[] addBob = {
        "admin",
        "--data",
        data.toString(),
        "user",
        "add",
        "bob",
        "--access-key",
        "BOBKEY01",
        "--secret-key",
        "bobsecret-01"
      };
      NodeProcess.Run bobRun = NodeProcess.cli(tmp, Map.of(), addBob);
      // --data finds the endpoint in node.json; the credentials come from the environment here,
      // since root's keys are not in the data directory when given by environment
      assertEquals(1, bobRun.exitCode(), bobRun.toString());
      assertTrue(bobRun.stderr().contains("no root credentials"), bobRun.stderr());
      bobRun = NodeProcess.cli(tmp, ROOT, addBob);
      assertEquals(0, bobRun.exitCode(), bobRun.toString());

      try (S3Client root = node.client("ROOTADMIN", "rootsecret-123");
          S3Client a =
              node.client(alice.path("accessKey").asText(), alice.path("secretKey").asText());
          S3Client b = node.client("BOBKEY01", "bobsecret-01")) {
        root.createBucket(r -> r.bucket("root-bucket"));
        a.createBucket(r -> r.bucket("alice-bucket"));
        a.putObject(r -> r.bucket("alice-bucket").key("x"), RequestBody.fromString("alice's"));
        assertEquals(
            List.of("alice-bucket"), a.listBuckets().buckets().stream().map(Bucket::name).toList());
        assertEquals(List.of(), b.listBuckets().buckets());
        assertCode(403, "AccessDenied", () -> b.getObject(r -> r.bucket("alice-bucket").key("x")));
        assertCode(403, "AccessDenied", () -> b.listObjectsV2(r -> r.bucket("alice-bucket")));
        assertCode(
            403,
            "AccessDenied",
            () ->
                b.putObject(r -> r.bucket("alice-bucket").key("y"), RequestBody.fromString("no")));
        assertCode(
            403, "AccessDenied", () -> b.deleteObject(r -> r.bucket("alice-bucket").key("x")));
        // HEAD has no body: only the status tells
        assertEquals(
            403,
            assertThrows(S3Exception.class, () -> a.headBucket(r -> r.bucket("root-bucket")))
                .statusCode());
        assertCode(409, "BucketAlreadyExists", () -> b.createBucket(r -> r.bucket("alice-bucket")));
        assertCode(
            409, "BucketAlreadyOwnedByYou", () -> a.createBucket(r -> r.bucket("alice-bucket")));
        b.createBucket(r -> r.bucket("bob-bucket"));
        assertCode(
            403,
            "AccessDenied",
            () ->
                b.copyObject(
                    r ->
                        r.sourceBucket("alice-bucket")
                            .sourceKey("x")
                            .destinationBucket("bob-bucket")
                            .destinationKey("stolen")));
        assertEquals(
            List.of("bob-bucket"), b.listBuckets().buckets().stream().map(Bucket::name).toList());
        // root administers the node and sees every bucket
        assertEquals(
            "alice's",
            root.getObjectAsBytes(r -> r.bucket("alice-bucket").key("x")).asUtf8String());
        assertEquals(
            List.of("alice-bucket", "bob-bucket", "root-bucket"),
            root.listBuckets().buckets().stream().map(Bucket::name).toList());

        NodeProcess.Run quota =
            NodeProcess.cli(
                tmp,
                ROOT,
                "admin",
                "--admin-endpoint",
                endpoint,
                "bucket",
                "quota",
                "set",
                "alice-bucket",
                "--max-objects",
                "2",
                "--max-bytes",
                "1KiB");
        assertEquals(0, quota.exitCode(), quota.toString());
        assertEquals(2, quota.json().path("maxObjects").asLong());
        assertEquals(1024, quota.json().path("maxBytes").asLong());
        a.putObject(r -> r.bucket("alice-bucket").key("y"), RequestBody.fromString("second"));
        assertCode(
            403,
            "QuotaExceeded",
            () ->
                a.putObject(r -> r.bucket("alice-bucket").key("z"), RequestBody.fromString("3rd")));
        assertCode(
            403,
            "QuotaExceeded",
            () ->
                a.putObject(
                    r -> r.bucket("alice-bucket").key("y"), RequestBody.fromBytes(new byte[2000])));
        assertCode(404, "NoSuchKey", () -> a.headObject(r -> r.bucket("alice-bucket").key("z")));
        assertEquals(6, a.headObject(r -> r.bucket("alice-bucket").key("y")).contentLength());
        NodeProcess.Run get =
            NodeProcess.cli(
                tmp,
                ROOT,
                "admin",
                "--admin-endpoint",
                endpoint,
                "bucket",
                "quota",
                "get",
                "alice-bucket");
        assertEquals(2, get.json().path("objects").asLong(), get.toString());
        assertEquals("alice", get.json().path("owner").asText(), get.toString());

        NodeProcess.Run rotate =
            NodeProcess.cli(
                tmp, ROOT, "admin", "--admin-endpoint", endpoint, "user", "rotate", "bob");
        assertEquals(0, rotate.exitCode(), rotate.toString());
        assertCode(403, "InvalidAccessKeyId", () -> b.listBuckets());
        NodeProcess.Run remove =
            NodeProcess.cli(
                tmp, ROOT, "admin", "--admin-endpoint", endpoint, "user", "remove", "alice");
        assertEquals(0, remove.exitCode(), remove.toString());
        assertCode(403, "InvalidAccessKeyId", () -> a.listBuckets());
        // alice's bucket stays, and root still reaches it
        assertEquals(
            "alice's",
            root.getObjectAsBytes(r -> r.bucket("alice-bucket").key("x")).asUtf8String());
        NodeProcess.Run again =
            NodeProcess.cli(
                tmp, ROOT, "admin", "--admin-endpoint", endpoint, "user", "remove", "alice");
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.stderr().contains("NoSuchUser"), again.stderr());
      }

      NodeProcess.Run list =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "user", "list");
      assertEquals(0, list.exitCode(), list.toString());
      assertFalse(list.stdout().contains("secretKey"), list.stdout());
      assertEquals(2, list.json().size()); // root and bob
      NodeProcess.Run info =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "info");
      assertEquals(0, info.exitCode(), info.toString());
      assertEquals("2+2", info.json().path("erasure").asText());
      assertEquals(2, info.json().path("objects").asLong());
      NodeProcess.Run drives =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "drives");
      assertEquals(0, drives.exitCode(), drives.toString());
      assertEquals(4, drives.stdout().lines().filter(l -> l.contains("ONLINE")).count());
      NodeProcess.Run heal =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "heal", "alice-bucket");
      assertEquals(0, heal.exitCode(), heal.toString());
      assertEquals(2, heal.json().path("objectsChecked").asLong());
      NodeProcess.Run scrub =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", endpoint, "scrub", "status");
      assertEquals(0, scrub.exitCode(), scrub.toString());
      NodeProcess.Run wrong =
          NodeProcess.cli(
              tmp,
              Map.of(
                  "AQUIFER_ROOT_ACCESS_KEY",
                  "ROOTADMIN",
                  "AQUIFER_ROOT_SECRET_KEY",
                  "wrong-secret"),
              "admin",
              "--admin-endpoint",
              endpoint,
              "info");
      assertEquals(1, wrong.exitCode(), wrong.toString());
      assertTrue(wrong.stderr().contains("SignatureDoesNotMatch"), wrong.stderr());
      assertEquals(0, node.stop());
    }
  }

  @Test
  void sigtermDrainsAnUploadInFlightBeforeExiting() throws Exception {
    Path data = tmp.resolve("data");
    int size = 8 << 20;
    CountDownLatch halfSent = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    InputStream body =
        new InputStream() {
          int sent;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (sent >= size) {
              return -1;
            }
            if (sent >= size / 2) {
              halfSent.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            int n = Math.min(len, Math.min(64 * 1024, size - sent));
            java.util.Arrays.fill(b, off, off + n, (byte) 'a');
            sent += n;
            return n;
          }
        };
    try (NodeProcess node = NodeProcess.start(data, ROOT);
        S3Client s3 =
            node.client(
                "ROOTADMIN",
                "rootsecret-123",
                // no retries: the stream body cannot be resent, and a failed first attempt is the
                // error this test must show
                c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))) {
      s3.createBucket(r -> r.bucket("drain"));
      CompletableFuture<String> put =
          CompletableFuture.supplyAsync(
              () ->
                  s3.putObject(
                          r -> r.bucket("drain").key("big"),
                          RequestBody.fromInputStream(body, size))
                      .eTag());
      halfSent.await();
      // the SDK has read half the body, but that does not mean the node has the request yet: wait
      // until the gateway counts it in flight (with nothing in flight, a stopping gateway closes
      // its connections at once, and the SDK cannot resend a stream body)
      while (s3RequestsInFlight(node) < 1) {
        Thread.onSpinWait();
      }
      node.process.destroy(); // SIGTERM with half the body still to come
      // the node says it is stopping (not ready) while the upload is still in flight
      while (node.adminGet("/health/ready").statusCode() != 503) {
        Thread.onSpinWait();
      }
      release.countDown();
      assertFalse(put.get(60, TimeUnit.SECONDS).isEmpty());
      assertTrue(node.process.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, node.process.exitValue());
    }
    try (NodeProcess node = NodeProcess.start(data, ROOT);
        S3Client s3 = node.client("ROOTADMIN", "rootsecret-123")) {
      assertEquals(size, s3.headObject(r -> r.bucket("drain").key("big")).contentLength());
      assertEquals(0, node.stop());
    }
  }

  /** The node's {@code aquifer_s3_inflight_requests} gauge. */
  private static double s3RequestsInFlight(NodeProcess node) throws Exception {
    return node.adminGet("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith("aquifer_s3_inflight_requests"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void rebuildIndexRestoresObjectsOfAStoppedNode() throws Exception {
    Path data = tmp.resolve("data");
    Path conf = tmp.resolve("access.yaml");
    Files.writeString(conf, "log:\n  format: json\n  access-log: true\n");
    try (NodeProcess node = NodeProcess.start(data, ROOT, "--config", conf.toString())) {
      try (S3Client s3 = node.client("ROOTADMIN", "rootsecret-123")) {
        s3.createBucket(r -> r.bucket("keep"));
        for (int i = 0; i < 5; i++) {
          int n = i;
          s3.putObject(r -> r.bucket("keep").key("k" + n), RequestBody.fromString("v" + n));
        }
      }
      NodeProcess.Run busy =
          NodeProcess.cli(
              tmp, ROOT, "admin", "--data", data.toString(), "rebuild-index", "--force");
      assertEquals(1, busy.exitCode(), busy.toString());
      assertTrue(busy.stderr().contains("stop it first"), busy.stderr());
      assertEquals(0, node.stop());
      // the access log: one JSON line per request, naming the operation and the user
      List<String> log = Files.readAllLines(node.stderr);
      assertEquals(
          5,
          log.stream()
              .filter(l -> l.startsWith("{\"ts\":") && l.contains("op=PutObject status=200"))
              .filter(l -> l.contains("user=root"))
              .count(),
          String.join("\n", log));
    }
    NodeProcess.Run refused =
        NodeProcess.cli(tmp, ROOT, "admin", "--data", data.toString(), "rebuild-index");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("--force"), refused.stderr());
    NodeProcess.Run rebuilt =
        NodeProcess.cli(tmp, ROOT, "admin", "--data", data.toString(), "rebuild-index", "--force");
    assertEquals(0, rebuilt.exitCode(), rebuilt.toString());
    assertTrue(rebuilt.stdout().contains("\"objects\" : 5"), rebuilt.stdout());
    try (NodeProcess node = NodeProcess.start(data, ROOT);
        S3Client s3 = node.client("ROOTADMIN", "rootsecret-123")) {
      assertEquals("v3", s3.getObjectAsBytes(r -> r.bucket("keep").key("k3")).asUtf8String());
      assertEquals(0, node.stop());
    }
  }

  @Test
  void badConfigAndBadFlagsFailWithOneClearLine() throws Exception {
    Path conf = tmp.resolve("bad.yaml");
    Files.writeString(
        conf, "data: " + tmp.resolve("d") + "\ns3:\n  listen: 127.0.0.1:0\n  regoin: x\n");
    NodeProcess.Run r = NodeProcess.cli(tmp, ROOT, "server", "--config", conf.toString());
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("line 4") && r.stderr().contains("'s3.regoin'"), r.stderr());
    assertFalse(Files.exists(tmp.resolve("d")), "a bad config must not create the data directory");

    Files.writeString(conf, "storage:\n  engine:\n    block-size: huge\n");
    r = NodeProcess.cli(tmp, ROOT, "server", "--config", conf.toString());
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("storage.engine.block-size"), r.stderr());

    r = NodeProcess.cli(tmp, ROOT, "server", "--s3-listen", "nowhere");
    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("HOST:PORT"), r.stderr());
    r = NodeProcess.cli(tmp, ROOT, "server", "--no-such-flag");
    assertEquals(2, r.exitCode(), r.toString());
    r = NodeProcess.cli(tmp, ROOT, "frobnicate");
    assertEquals(2, r.exitCode(), r.toString());

    Files.writeString(conf, "auth:\n  root-access-key: CFGKEY\n  root-secret-key: cfg-secret-1\n");
    r = NodeProcess.cli(tmp, Map.of(), "server", "--config", conf.toString(), "--print-config");
    assertEquals(0, r.exitCode(), r.toString());
    assertFalse(r.stdout().contains("cfg-secret-1"), r.stdout());
    assertTrue(r.stdout().contains("CFGKEY") && r.stdout().contains("listen: 127.0.0.1:9000"));

    r = NodeProcess.cli(tmp, Map.of(), "server", "--help");
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stdout().contains("--s3-listen"), r.stdout());
    r = NodeProcess.cli(tmp, Map.of(), "admin", "user", "--help");
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stdout().contains("rotate"), r.stdout());
  }

  private static void assertCode(int status, String code, Runnable call) {
    S3Exception e = assertThrows(S3Exception.class, call::run);
    assertEquals(status, e.statusCode(), e.getMessage());
    assertEquals(code, e.awsErrorDetails().errorCode(), e.getMessage());
  }
}
