package io.aquifer.pfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mounting without privilege, as libfuse does: {@code fusermount3} (setuid root) opens /dev/fuse,
 * mounts, and passes the descriptor back over a socket named by {@code _FUSE_COMMFD}. The child is
 * started with posix_spawn because it must inherit the socket, which ProcessBuilder cannot pass.
 */
final class Fusermount {
  static final String COMMAND = "fusermount3";

  private Fusermount() {}

  /** Mounts {@code mountPoint} with mount options {@code options}; returns the /dev/fuse fd. */
  static int mount(Path mountPoint, String options) throws IOException {
    Path stderr = Files.createTempFile("fusermount3-", ".err");
    int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
    int mine = pair[0];
    int theirs = pair[1];
    try {
      int childFd = theirs == 3 ? 4 : 3;
      List<String> env = new ArrayList<>();
      for (Map.Entry<String, String> e : System.getenv().entrySet()) {
        if (!e.getKey().equals("_FUSE_COMMFD")) {
          env.add(e.getKey() + "=" + e.getValue());
        }
      }
      env.add("_FUSE_COMMFD=" + childFd);
      String[] argv = {COMMAND, "-o", options, "--", mountPoint.toString()};
      int pid = Libc.spawn(argv, env.toArray(String[]::new), theirs, childFd, stderr.toString());
      Libc.close(theirs);
      theirs = -1;
      int fd = -1;
      try {
        fd = Libc.receiveFd(mine); // returns when fusermount3 sends the fd or exits
      } finally {
        int status = Libc.waitpid(pid);
        if (status != 0) {
          if (fd >= 0) {
            Libc.close(fd);
          }
          throw new IOException(
              COMMAND + " " + mountPoint + " exited with " + status + ": " + text(stderr));
        }
      }
      if (fd < 0) {
        throw new IOException(COMMAND + " " + mountPoint + " sent no descriptor: " + text(stderr));
      }
      return fd;
    } finally {
      if (theirs >= 0) {
        Libc.close(theirs);
      }
      Libc.close(mine);
      Files.deleteIfExists(stderr);
    }
  }

  /** {@code fusermount3 -u} (with {@code -z}: lazily); null when it worked, else its failure. */
  static String unmount(Path mountPoint, boolean lazy) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(COMMAND, "-u"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add("--");
    cmd.add(mountPoint.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      int status = p.waitFor();
      return status == 0 ? null : "exit " + status + ": " + output;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(COMMAND + " -u interrupted", e);
    }
  }

  private static String text(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "(no stderr: " + e.getMessage() + ")";
    }
  }
}
