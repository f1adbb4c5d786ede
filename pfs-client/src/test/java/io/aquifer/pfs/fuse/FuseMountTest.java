package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Mounting, INIT, unmounting from inside and outside, and the fusermount3 path. */
@Timeout(120)
class FuseMountTest {
  @TempDir Path tmp;
  private Path dir;
  private TestMount m;

  @BeforeEach
  void makeMountPoint() throws Exception {
    dir = Files.createDirectory(tmp.resolve("mnt"));
  }

  @AfterEach
  void unmount() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  private static int maxPagesLimit() throws Exception {
    Path limit = Path.of("/proc/sys/fs/fuse/max_pages_limit");
    return Files.exists(limit) ? Integer.parseInt(Files.readAllLines(limit).getFirst()) : 256;
  }

  @Test
  void initAgreesOnOneMebibyteWritesAndDdSendsThem() throws Exception {
    m = TestMount.mount(dir);
    int pages = Math.min(256, maxPagesLimit());
    FuseInit init = m.mount.init();
    assertEquals(7, init.major());
    assertEquals(pages * 4096, init.maxWrite(), init.toString());
    assertEquals(pages, init.maxPages());
    assertFalse(init.writebackCache());
    assertEquals(init, m.fs.initSeen, "ops.init saw what INIT agreed");
    assertTrue(m.mount.clonedDescriptors(), "each worker has a FUSE_DEV_IOC_CLONE descriptor");

    TestMount.Result dd =
        TestMount.run("dd", "if=/dev/zero", "of=" + m.path("z"), "bs=1M", "count=8", "status=none");
    assertEquals(0, dd.status(), dd.toString());
    assertEquals(8L << 20, Files.size(m.path("z")));
    assertEquals(pages * 4096, m.fs.maxWriteSeen.get(), "largest WRITE the file system received");
    assertEquals(8 * 256 / pages, m.fs.writes.get(), "one WRITE per dd block");
  }

  @Test
  void rootMountsWithMount2() throws Exception {
    m = TestMount.mount(dir);
    assertEquals(Libc.getuid() != 0, m.mount.viaFusermount(), m.mount.toString());
    MountTable.Mount entry = MountTable.find(dir.toRealPath(), "fuse.memfs").orElseThrow();
    assertEquals("memfs", entry.source());
  }

  @Test
  void closeUnmountsAndCallsDestroyOnce() throws Exception {
    m = TestMount.mount(dir);
    Files.writeString(m.path("a"), "x");
    assertTrue(m.mount.isMounted());
    assertTrue(TestMount.isMountPoint(dir));
    m.mount.close();
    assertFalse(m.mount.isMounted());
    assertFalse(TestMount.isMountPoint(dir), "mountinfo still lists " + dir);
    assertNotEquals(0, TestMount.run("mountpoint", "-q", dir.toString()).status());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(0, s.count(), "the mount point is a plain empty directory again");
    }
    assertEquals(1, m.fs.destroys.get());
    m.mount.close();
    assertEquals(1, m.fs.destroys.get(), "a second close does nothing");
    assertFalse(m.fs.opAfterDestroy.get());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fusermount3 -u", "umount"})
  void unmountFromOutsideEndsAwaitExit(String command) throws Exception {
    m = TestMount.mount(dir);
    Files.writeString(m.path("a"), "x");
    CompletableFuture<Void> exit =
        CompletableFuture.runAsync(
            () -> {
              try {
                m.mount.awaitExit();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertFalse(exit.isDone());
    String[] argv = (command + " " + dir).split(" ");
    TestMount.Result r = TestMount.run(argv);
    assertEquals(0, r.status(), r.toString());
    exit.get(30, TimeUnit.SECONDS);
    assertFalse(m.mount.isMounted());
    assertFalse(TestMount.isMountPoint(dir));
    assertEquals(1, m.fs.destroys.get(), "the session ended by itself and called destroy");
    m.mount.close();
    assertEquals(1, m.fs.destroys.get());
  }

  @Test
  void mountsThroughFusermount3WhenForced() throws Exception {
    m =
        TestMount.mount(
            dir, FuseMountOptions.defaults().withName("memfs", "memfs").withForceFusermount(true));
    assertTrue(m.mount.viaFusermount());
    MountTable.Mount entry = MountTable.find(dir.toRealPath(), "fuse.memfs").orElseThrow();
    assertEquals("memfs", entry.source());
    Files.writeString(m.path("hello"), "through fusermount3");
    TestMount.Result cat = TestMount.run("cat", m.path("hello").toString());
    assertEquals("through fusermount3", cat.out(), cat.toString());
    assertEquals(1 << 20, m.mount.init().maxWrite());
    m.mount.close();
    assertFalse(TestMount.isMountPoint(dir));
    assertEquals(1, m.fs.destroys.get());
  }

  /**
   * A user other than root mounts with the fusermount3 path (mount(2) is not theirs to call), uses
   * the mount, and unmounts it by closing the session. The child runs {@link FuseBenchMain} on
   * {@link MemFs} as {@code nobody} through {@code setpriv}, from a world-readable copy of the
   * classes (the build's own directories may sit under a home only root can enter).
   */
  @Test
  void aUserOtherThanRootMountsThroughFusermount3() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Libc.getuid() == 0, "run as root: the other tests already mount as this user");
    Path setpriv = Path.of("/usr/bin/setpriv");
    assertTrue(Files.isExecutable(setpriv), "util-linux setpriv");
    // distributions make /dev/fuse 0666 (udev); a bare VM's devtmpfs may leave it 0600, and then
    // fusermount3 cannot open it for anyone but root: give it the usual mode for this test
    Path dev = Path.of("/dev/fuse");
    var devMode = Files.getPosixFilePermissions(dev);
    Files.setPosixFilePermissions(dev, PosixFilePermissions.fromString("rw-rw-rw-"));
    Path shared = Files.createTempDirectory(Path.of("/tmp"), "aquifer-nonroot-");
    try {
      Path classes = Files.createDirectory(shared.resolve("classes"));
      for (Class<?> c : List.of(FuseMount.class, FuseBenchMain.class)) {
        Path from = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        copyTree(from, classes);
      }
      Path mnt = Files.createDirectory(shared.resolve("mnt"));
      for (Path p : List.of(shared, classes)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Files.setOwner(
          mnt, mnt.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> asNobody =
          List.of(setpriv.toString(), "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--");
      List<String> cmd = new java.util.ArrayList<>(asNobody);
      cmd.addAll(
          List.of(
              javaBin,
              "--enable-native-access=ALL-UNNAMED",
              "-cp",
              classes.toString(),
              FuseBenchMain.class.getName(),
              "mem",
              mnt.toString()));
      Process child =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.PIPE)
              .start();
      try (var out =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
        StringBuilder said = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
          said.append(line).append('\n');
          if (line.startsWith("mounted ")) {
            break;
          }
        }
        assertTrue(said.toString().contains("fusermount3"), said.toString());
        String real = mnt.toRealPath().toString();
        String entry =
            Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(real))
                .findFirst()
                .orElseThrow(() -> new AssertionError("not mounted: " + said));
        assertTrue(entry.contains("fuse.aquifer-bench") && entry.contains("user_id=65534"), entry);
        // the mount is its owner's (no allow_other): use it as nobody
        List<String> use = new java.util.ArrayList<>(asNobody);
        use.addAll(
            List.of(
                "sh",
                "-c",
                "echo hello > " + mnt + "/f && cat " + mnt + "/f && stat -c %u " + mnt + "/f"));
        TestMount.Result r = TestMount.run(use.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello\n65534\n", r.out(), r.toString());
        child.getOutputStream().close(); // FuseBenchMain serves until stdin ends, then unmounts
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
        assertEquals(0, child.exitValue());
        assertFalse(TestMount.isMountPoint(mnt), "still mounted after the session closed");
      } finally {
        if (child.isAlive()) {
          child.destroyForcibly();
          TestMount.run("fusermount3", "-u", "-z", mnt.toString());
        }
      }
    } finally {
      Files.setPosixFilePermissions(dev, devMode);
      io.aquifer.pfs.PfsFixture.deleteTree(shared);
    }
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path dst = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dst);
          Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else if (!Files.exists(dst)) {
          Files.copy(p, dst);
          Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
        }
      }
    }
  }

  @Test
  void mountOnAMissingDirectoryFails() {
    Path missing = tmp.resolve("missing");
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> TestMount.mount(missing));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }
}
