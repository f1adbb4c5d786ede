package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.pfs.DirEntry;
import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileAttr;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileClientConfig;
import io.aquifer.pfs.FsException;
import io.aquifer.transport.Connection;
import io.aquifer.transport.Transport;
import io.aquifer.transport.TransportConfig;
import io.aquifer.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The packaged node's pfs file service, used as {@code aquifer mount} uses it: a {@link FileClient}
 * on a TCP connection, authenticated with an S3 user's keys, seeing the same bytes as S3.
 */
class PfsNodeIT {
  private static final Map<String, String> ROOT =
      Map.of("AQUIFER_ROOT_ACCESS_KEY", "ROOTADMIN", "AQUIFER_ROOT_SECRET_KEY", "rootsecret-123");
  private static final FileClientConfig CLIENT = new FileClientConfig(1 << 20, 4, 256 << 10);

  @TempDir Path tmp;

  private static Transport transport() {
    return Transports.open(
        TransportConfig.defaults()
            .withKind(TransportConfig.Kind.TCP, false)
            .withSizes(2 << 20, 16 << 20, 64L << 20));
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void addUser(Path tmp, NodeProcess node, String name, String key, String secret)
      throws Exception {
    NodeProcess.Run add =
        NodeProcess.cli(
            tmp,
            ROOT,
            "admin",
            "--admin-endpoint",
            node.admin.toString(),
            "user",
            "add",
            name,
            "--access-key",
            key,
            "--secret-key",
            secret);
    assertEquals(0, add.exitCode(), add.toString());
  }

  private static void assertErrno(Errno expected, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  private static byte[] read(FileClient c, String bucket, String path, long length) {
    ByteBuf dst = Unpooled.buffer();
    try {
      c.read(bucket, path, 0, dst, length);
      byte[] out = new byte[dst.readableBytes()];
      dst.readBytes(out);
      return out;
    } finally {
      dst.release();
    }
  }

  /** Whether {@code dir} is a mount point now (field 5 of /proc/self/mountinfo). */
  private static boolean mounted(Path dir) throws Exception {
    String real = dir.toRealPath().toString();
    return java.nio.file.Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" "))
        .anyMatch(f -> f.length > 4 && f[4].equals(real));
  }

  private static String unquote(String etag) {
    return etag.replace("\"", "");
  }

  @Test
  void pfsServesTheS3UsersOwnBucketsWithTheSameBytes() throws Exception {
    Path data = tmp.resolve("data");
    try (NodeProcess node = NodeProcess.start(data, ROOT);
        Transport transport = transport()) {
      // --pfs-listen 127.0.0.1:0 (NodeProcess): a chosen port, written to node.json
      assertNotNull(node.pfs, "node.json has no pfs address");
      assertTrue(node.pfs.startsWith("127.0.0.1:"), node.pfs);
      assertNotEquals("127.0.0.1:9002", node.pfs);
      List<String> out = node.readUntil(l -> l.startsWith("  pfs:"));
      assertTrue(out.getLast().contains(node.pfs + "  (aquifer mount)"), out.toString());
      NodeProcess.Run info =
          NodeProcess.cli(tmp, ROOT, "admin", "--admin-endpoint", node.admin.toString(), "info");
      assertEquals(node.pfs, info.json().path("pfs").asText(), info.toString());

      addUser(tmp, node, "alice", "ALICEKEY01", "alicesecret-01");
      addUser(tmp, node, "bob", "BOBKEY01", "bobsecret-01");
      byte[] fromS3 = "written over S3".getBytes(StandardCharsets.UTF_8);
      byte[] big = new byte[3 << 20];
      new Random(7).nextBytes(big);
      try (S3Client a = node.client("ALICEKEY01", "alicesecret-01")) {
        a.createBucket(r -> r.bucket("alice-bucket"));
        String s3Etag =
            a.putObject(
                    r -> r.bucket("alice-bucket").key("docs/s3.txt"), RequestBody.fromBytes(fromS3))
                .eTag();

        Connection ca = transport.connect(address(node.pfs)).join();
        FileClient alice = FileClient.connect(ca, "ALICEKEY01", "alicesecret-01", CLIENT);
        // S3 -> pfs
        List<DirEntry> docs = alice.readdirAll("alice-bucket", "docs");
        assertEquals(List.of("s3.txt"), docs.stream().map(DirEntry::name).toList());
        FileAttr sa = alice.getattr("alice-bucket", "docs/s3.txt");
        assertEquals(fromS3.length, sa.size());
        assertEquals(unquote(s3Etag), unquote(sa.etag()));
        assertArrayEquals(fromS3, read(alice, "alice-bucket", "docs/s3.txt", 1 << 20));
        // pfs -> S3: several write chunks and read units
        alice.mkdir("alice-bucket", "train", 0755);
        FileAttr wa =
            alice.write("alice-bucket", "train/shard-0.bin", new ByteArrayInputStream(big), null);
        assertEquals(big.length, wa.size());
        assertArrayEquals(
            big,
            a.getObjectAsBytes(r -> r.bucket("alice-bucket").key("train/shard-0.bin"))
                .asByteArray());
        assertEquals(
            unquote(wa.etag()),
            unquote(a.headObject(r -> r.bucket("alice-bucket").key("train/shard-0.bin")).eTag()));
        assertArrayEquals(big, read(alice, "alice-bucket", "train/shard-0.bin", big.length));
        ca.close();
      }

      // bob is refused on alice's bucket, and sees his own (missing) bucket as missing
      Connection cb = transport.connect(address(node.pfs)).join();
      FileClient bob = FileClient.connect(cb, "BOBKEY01", "bobsecret-01", CLIENT);
      assertErrno(Errno.EACCES, () -> bob.getattr("alice-bucket", "docs/s3.txt"));
      assertErrno(Errno.EACCES, () -> bob.readdir("alice-bucket", "", null, 100));
      assertErrno(Errno.EACCES, () -> read(bob, "alice-bucket", "docs/s3.txt", 100));
      assertErrno(
          Errno.EACCES,
          () ->
              bob.write(
                  "alice-bucket",
                  "bob.txt",
                  new ByteArrayInputStream("no".getBytes(StandardCharsets.UTF_8)),
                  null));
      assertErrno(Errno.ENOENT, () -> bob.getattr("bob-bucket", ""));
      cb.close();

      // root reaches every bucket
      Connection cr = transport.connect(address(node.pfs)).join();
      FileClient root = FileClient.connect(cr, "ROOTADMIN", "rootsecret-123", CLIENT);
      assertEquals(big.length, root.getattr("alice-bucket", "train/shard-0.bin").size());
      cr.close();

      // a wrong secret, an unknown key and no authentication at all are refused
      Connection cw = transport.connect(address(node.pfs)).join();
      assertErrno(
          Errno.EACCES, () -> FileClient.connect(cw, "ALICEKEY01", "not-her-secret", CLIENT));
      assertErrno(Errno.EACCES, () -> FileClient.connect(cw, "NOSUCHKEY", "whatever", CLIENT));
      FileClient anonymous = new FileClient(cw, CLIENT, io.netty.buffer.ByteBufAllocator.DEFAULT);
      assertErrno(Errno.EACCES, () -> anonymous.getattr("alice-bucket", ""));
      cw.close();

      String metrics = node.adminGet("/metrics").body();
      assertTrue(metrics.contains("aquifer_pfs_connections"), metrics);
      assertTrue(
          metrics
              .lines()
              .anyMatch(
                  l ->
                      l.startsWith("aquifer_pfs_requests_total")
                          && l.contains("op=\"auth\"")
                          && l.contains("status=\"EACCES\"")),
          metrics);
      assertTrue(
          metrics
              .lines()
              .anyMatch(
                  l ->
                      l.startsWith("aquifer_pfs_requests_total")
                          && l.contains("op=\"write\"")
                          && l.contains("status=\"ok\"")),
          metrics);
      assertEquals(0, node.stop());
      assertTrue(!read(node.stderr).contains("SLF4J"), read(node.stderr));
    }
  }

  @Test
  void aquiferMountServesABucketAndUnmountsOnSigterm() throws Exception {
    Path data = tmp.resolve("data");
    Path mnt = java.nio.file.Files.createDirectories(tmp.resolve("mnt"));
    Path home = java.nio.file.Files.createDirectories(tmp.resolve("home/.aws")).getParent();
    java.nio.file.Files.writeString(
        home.resolve(".aws/credentials"),
        "[alice]\naws_access_key_id = ALICEKEY01\naws_secret_access_key = alicesecret-01\n");
    Map<String, String> noKeys =
        Map.of(
            "HOME",
            home.toString(),
            "AWS_ACCESS_KEY_ID",
            "",
            "AWS_SECRET_ACCESS_KEY",
            "",
            "AWS_PROFILE",
            "");
    try (NodeProcess node = NodeProcess.start(data, ROOT)) {
      addUser(tmp, node, "alice", "ALICEKEY01", "alicesecret-01");
      addUser(tmp, node, "bob", "BOBKEY01", "bobsecret-01");
      try (S3Client a = node.client("ALICEKEY01", "alicesecret-01")) {
        a.createBucket(r -> r.bucket("alice-bucket"));
        a.putObject(
            r -> r.bucket("alice-bucket").key("from-s3.txt"), RequestBody.fromString("over S3"));

        // refusals: one line on stderr, exit 1 (failure) or 2 (usage)
        NodeProcess.Run none =
            NodeProcess.cli(tmp, noKeys, "mount", "--endpoint", node.pfs, mnt.toString());
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.stderr().contains("no credentials"), none.stderr());
        assertEquals(1, none.stderr().lines().count(), none.stderr());
        NodeProcess.Run wrong =
            NodeProcess.cli(
                tmp,
                noKeys,
                "mount",
                "--endpoint",
                node.pfs,
                "--access-key",
                "ALICEKEY01",
                "--secret-key",
                "wrong",
                mnt.toString());
        assertEquals(1, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.stderr().contains("refused access key ALICEKEY01"), wrong.stderr());
        assertEquals(1, wrong.stderr().lines().count(), wrong.stderr());
        NodeProcess.Run bob =
            NodeProcess.cli(
                tmp,
                noKeys,
                "mount",
                "--endpoint",
                node.pfs,
                "--bucket",
                "alice-bucket",
                "--access-key",
                "BOBKEY01",
                "--secret-key",
                "bobsecret-01",
                mnt.toString());
        assertEquals(1, bob.exitCode(), bob.toString());
        assertTrue(bob.stderr().contains("access denied to bucket alice-bucket"), bob.stderr());
        assertTrue(!mounted(mnt));

        // alice's keys from her profile in ~/.aws/credentials
        Path mountErr = tmp.resolve("mount.err");
        Process mount =
            startMount(
                tmp,
                noKeys,
                "--endpoint",
                node.pfs,
                "--bucket",
                "alice-bucket",
                "--profile",
                "alice",
                mnt.toString());
        try {
          assertTrue(mounted(mnt));
          assertEquals("over S3", java.nio.file.Files.readString(mnt.resolve("from-s3.txt")));
          byte[] big = new byte[(2 << 20) + 12345];
          new Random(11).nextBytes(big);
          java.nio.file.Files.createDirectories(mnt.resolve("ckpt"));
          java.nio.file.Files.write(mnt.resolve("ckpt/step-1.bin"), big);
          assertArrayEquals(
              big,
              a.getObjectAsBytes(r -> r.bucket("alice-bucket").key("ckpt/step-1.bin"))
                  .asByteArray());
          assertArrayEquals(big, java.nio.file.Files.readAllBytes(mnt.resolve("ckpt/step-1.bin")));
        } finally {
          mount.destroy(); // SIGTERM
        }
        assertTrue(
            mount.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "no exit after SIGTERM");
        assertEquals(0, mount.exitValue(), read(mountErr));
        assertTrue(!read(mountErr).contains("SLF4J"), read(mountErr)); // Netty logs through JUL
        NodeProcess.assertNoLeaks(mountErr);
        assertTrue(!mounted(mnt), "still mounted after SIGTERM");
        try (var left = java.nio.file.Files.list(mnt)) {
          assertEquals(0, left.count()); // the files were in the bucket, not the directory
        }
      }
      assertEquals(0, node.stop());
    }
  }

  @Test
  void aFileFsyncedThroughTheMountSurvivesANodeSigkill() throws Exception {
    Path data = tmp.resolve("data");
    Path mnt = java.nio.file.Files.createDirectories(tmp.resolve("mnt"));
    Map<String, String> keys =
        Map.of(
            "HOME",
            tmp.toString(),
            "AWS_ACCESS_KEY_ID",
            "ROOTADMIN",
            "AWS_SECRET_ACCESS_KEY",
            "rootsecret-123",
            "AWS_PROFILE",
            "");
    byte[] synced = new byte[(5 << 20) + 7];
    byte[] unsynced = new byte[3 << 20];
    new Random(21).nextBytes(synced);
    new Random(22).nextBytes(unsynced);
    Process mount;
    try (NodeProcess node = NodeProcess.start(data, ROOT)) {
      try (S3Client s3 = node.client("ROOTADMIN", "rootsecret-123")) {
        s3.createBucket(r -> r.bucket("ckpt-bucket"));
      }
      mount =
          startMount(tmp, keys, "--endpoint", node.pfs, "--bucket", "ckpt-bucket", mnt.toString());
      FileChannel a =
          FileChannel.open(
              mnt.resolve("step-1.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      FileChannel b =
          FileChannel.open(
              mnt.resolve("partial.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        a.write(ByteBuffer.wrap(synced));
        a.force(true);
        b.write(ByteBuffer.wrap(unsynced)); // neither fsynced nor closed
        // SIGKILL right after the fsync returned, both files still open
        node.process.destroyForcibly();
        assertTrue(node.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      } finally {
        closeQuietly(a); // already committed: nothing left to send
        closeQuietly(b); // the commit at close fails (EIO): the node is gone
      }
    }
    try {
      try (NodeProcess node = NodeProcess.start(data, ROOT);
          S3Client s3 = node.client("ROOTADMIN", "rootsecret-123")) {
        var head = s3.headObject(r -> r.bucket("ckpt-bucket").key("step-1.bin"));
        assertEquals(synced.length, head.contentLength());
        assertEquals(md5Hex(synced), unquote(head.eTag()));
        assertArrayEquals(
            synced,
            s3.getObjectAsBytes(r -> r.bucket("ckpt-bucket").key("step-1.bin")).asByteArray());
        // the unsynced file is what its create made (empty), never a part of what was written
        assertEquals(
            0, s3.headObject(r -> r.bucket("ckpt-bucket").key("partial.bin")).contentLength());
        assertEquals(0, node.stop());
      }
    } finally {
      mount.destroy(); // SIGTERM: unmounts even with its node gone
      assertTrue(mount.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "no exit after SIGTERM");
    }
    assertTrue(!mounted(mnt), "still mounted after SIGTERM");
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (java.io.IOException e) {
      // EIO from the commit at close: expected when the node is gone
    }
  }

  private static String md5Hex(byte[] b) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("MD5").digest(b));
  }

  /**
   * Starts {@code aquifer mount ARGS} and returns once it says it mounted; its stdout is copied to
   * {@code tmp/mount.out} line by line, its stderr goes to {@code tmp/mount.err}.
   */
  private static Process startMount(Path tmp, Map<String, String> env, String... args)
      throws Exception {
    Path mountOut = tmp.resolve("mount.out");
    Path mountErr = tmp.resolve("mount.err");
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(NodeProcess.DIST.resolve("bin/aquifer").toString());
    cmd.add("mount");
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
            .redirectError(mountErr.toFile());
    NodeProcess.env(pb, env);
    Process mount = pb.start();
    java.util.concurrent.CompletableFuture<Boolean> said =
        new java.util.concurrent.CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (java.io.BufferedReader r =
                      new java.io.BufferedReader(
                          new java.io.InputStreamReader(
                              mount.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                  java.io.Writer copy = java.nio.file.Files.newBufferedWriter(mountOut)) {
                for (String line; (line = r.readLine()) != null; ) {
                  copy.write(line + "\n");
                  copy.flush();
                  if (line.contains("Mounted ")) {
                    said.complete(true);
                  }
                }
              } catch (java.io.IOException e) {
                said.completeExceptionally(e);
              }
              said.complete(false); // stdout ended without the line: the process ended
            });
    boolean ok;
    try {
      ok = said.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      mount.destroyForcibly();
      throw e;
    }
    if (!ok) {
      mount.destroyForcibly();
      throw new AssertionError("aquifer mount ended: " + read(mountOut) + " " + read(mountErr));
    }
    return mount;
  }

  private static String read(Path p) {
    try {
      return java.nio.file.Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
