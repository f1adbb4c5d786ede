package io.aquifer.bench.fs;

import io.aquifer.bench.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * libfuse3's {@code passthrough_ll} example, compiled with gcc from the source Debian's {@code
 * libfuse3-dev} ships, mounted over a local directory: the FUSE ceiling of this machine (one kernel
 * round trip per request, a C server with no work of its own).
 */
final class PassthroughBaseline implements AutoCloseable {
  static final Path EXAMPLES = Path.of("/usr/share/doc/libfuse3-dev/examples");

  private final Path work;
  private final Path binary;
  private Path mountpoint;

  private PassthroughBaseline(Path work, Path binary) {
    this.work = work;
    this.binary = binary;
  }

  /** Why the baseline cannot run on this machine. */
  static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message);
    }
  }

  /**
   * Builds {@code passthrough_ll} from {@code examples} into a temporary directory.
   *
   * @throws Unavailable naming what is missing (gcc, the source, fuse3's pkg-config file)
   */
  static PassthroughBaseline build(Path examples) throws Unavailable, InterruptedException {
    Path source = examples.resolve("passthrough_ll.c");
    Path helpers = examples.resolve("passthrough_helpers.h");
    if (!Files.isRegularFile(source) || !Files.isRegularFile(helpers)) {
      throw new Unavailable(
          "no passthrough_ll.c and passthrough_helpers.h in "
              + examples
              + " (Debian: apt-get install libfuse3-dev fuse3)");
    }
    Path gcc = Processes.onPath("gcc");
    if (gcc == null) {
      throw new Unavailable("gcc is not on PATH (Debian: apt-get install gcc)");
    }
    Processes.Result flags =
        Processes.exec(List.of("pkg-config", "fuse3", "--cflags", "--libs"), 30);
    if (flags.code() != 0) {
      throw new Unavailable(
          "pkg-config knows no fuse3 ("
              + flags.firstLine()
              + "); Debian: apt-get install libfuse3-dev");
    }
    if (Processes.onPath("fusermount3") == null) {
      throw new Unavailable("fusermount3 is not on PATH (Debian: apt-get install fuse3)");
    }
    Path work;
    try {
      work = Files.createTempDirectory("aquifer-passthrough-ll");
      Files.copy(source, work.resolve(source.getFileName()));
      Files.copy(helpers, work.resolve(helpers.getFileName()));
    } catch (IOException e) {
      throw new Unavailable("cannot stage the example source: " + e.getMessage());
    }
    Path binary = work.resolve("passthrough_ll");
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                gcc.toString(),
                "-O2",
                "-o",
                binary.toString(),
                work.resolve("passthrough_ll.c").toString()));
    cmd.addAll(List.of(flags.output().strip().split("\\s+")));
    Processes.Result r = Processes.exec(cmd, 120);
    if (r.code() != 0) {
      Processes.deleteTree(work);
      throw new Unavailable("gcc could not build passthrough_ll: " + r.firstLine());
    }
    return new PassthroughBaseline(work, binary);
  }

  /**
   * Mounts {@code source} and returns the mountpoint. passthrough_ll mounts before it puts itself
   * in the background, so the mount exists once the launching process has exited 0.
   */
  Path mount(Path source) throws IOException, InterruptedException {
    if (mountpoint != null) {
      throw new IllegalStateException("already mounted at " + mountpoint);
    }
    Path mnt = Files.createDirectory(work.resolve("mnt"));
    Processes.Result r =
        Processes.exec(
            List.of(binary.toString(), "-o", "source=" + source.toAbsolutePath(), mnt.toString()),
            60);
    if (r.code() != 0) {
      Files.deleteIfExists(mnt);
      throw new IOException("passthrough_ll could not mount " + source + ": " + r.firstLine());
    }
    if (!isMounted(mnt)) {
      throw new IOException("passthrough_ll exited 0 but " + mnt + " is not a mount");
    }
    mountpoint = mnt;
    return mnt;
  }

  /** Whether {@code dir} is a mountpoint, by /proc/self/mountinfo. */
  static boolean isMounted(Path dir) throws IOException {
    String target = dir.toAbsolutePath().normalize().toString();
    for (String line :
        Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].replace("\\040", " ").equals(target)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    try {
      if (mountpoint != null) {
        Processes.Result r =
            Processes.exec(List.of("fusermount3", "-u", mountpoint.toString()), 60);
        if (r.code() != 0 && isMounted(mountpoint)) {
          Processes.exec(List.of("fusermount3", "-u", "-z", mountpoint.toString()), 60);
          throw new IOException("fusermount3 -u " + mountpoint + ": " + r.firstLine());
        }
        mountpoint = null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + mountpoint, e);
    } finally {
      if (mountpoint == null) {
        Processes.deleteTree(work);
      }
    }
  }
}
