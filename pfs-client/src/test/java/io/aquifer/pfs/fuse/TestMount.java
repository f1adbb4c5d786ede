package io.aquifer.pfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link MemFs} mounted for real on a test directory. {@link #close()} unmounts and, if that
 * fails or hangs, detaches the mount lazily, so a failing test leaves no mount behind.
 */
final class TestMount implements AutoCloseable {
  final MemFs fs;
  final FuseMount mount;
  final Path dir;

  private TestMount(MemFs fs, FuseMount mount, Path dir) {
    this.fs = fs;
    this.mount = mount;
    this.dir = dir;
  }

  static TestMount mount(Path dir, FuseMountOptions options) throws IOException {
    MemFs fs = new MemFs();
    return new TestMount(fs, FuseMount.mount(dir, fs, options), dir);
  }

  /** Mounts another file system ({@link #fs} is then null). */
  static TestMount mount(Path dir, FuseOps ops, FuseMountOptions options) throws IOException {
    return new TestMount(null, FuseMount.mount(dir, ops, options), dir);
  }

  static TestMount mount(Path dir) throws IOException {
    return mount(dir, FuseMountOptions.defaults().withName("memfs", "memfs"));
  }

  Path path(String name) {
    return dir.resolve(name);
  }

  @Override
  public void close() throws IOException {
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              try {
                mount.close();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      closing.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      if (isMountPoint(dir)) {
        new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start();
      }
      throw new IOException("close of " + dir + " failed; detached it lazily", e);
    }
  }

  /** Whether {@code dir} is a mount point in this process's mount table. */
  static boolean isMountPoint(Path dir) throws IOException {
    String where = dir.toRealPath().toString();
    return MountTable.read().stream().anyMatch(m -> m.mountPoint().equals(where));
  }

  /** A process's exit status and output. */
  record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "exit " + status + ", stdout [" + out + "], stderr [" + err + "]";
    }
  }

  /** Runs a command to its end (at most two minutes). */
  static Result run(String... command) throws IOException, InterruptedException {
    return run(null, command);
  }

  static Result run(Path cwd, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of(command));
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    Path out = Files.createTempFile("fuse-test-", ".out");
    Path err = Files.createTempFile("fuse-test-", ".err");
    try {
      Process p =
          pb.redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
