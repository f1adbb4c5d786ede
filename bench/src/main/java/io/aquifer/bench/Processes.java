package io.aquifer.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The external programs a baseline builds and runs: finding, running, cleaning up after them. */
public final class Processes {
  private Processes() {}

  /**
   * What a finished program did.
   *
   * @param code its exit code, or -1 when it could not start or timed out
   * @param output stdout and stderr together
   */
  public record Result(int code, String output) {
    /** The first line of the output, or the exit code when there is none. */
    public String firstLine() {
      return output.lines().findFirst().orElse("exit " + code);
    }
  }

  /** The executable {@code name} on PATH, or null. */
  public static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Runs {@code cmd} with no input and waits for it, killing it after the timeout. */
  public static Result exec(List<String> cmd, long timeoutSeconds) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out after " + timeoutSeconds + "s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, cmd.getFirst() + ": " + e.getMessage());
    }
  }

  /** Removes a directory tree, best effort (a temporary directory may be left behind). */
  public static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      // a temporary directory left behind
    }
  }
}
