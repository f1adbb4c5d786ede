package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit, checked by {@code systemd-analyze verify}. The verifier needs the ExecStart
 * program to exist, so it checks a copy whose ExecStart points at the launcher in the source tree
 * ({@code src/dist/bin/aquifer}, the file packaged as {@code /opt/aquifer/bin/aquifer}); every
 * other line is the original. The verifier does not resolve {@code User=}/{@code Group=} (systemd
 * 252 says nothing about a missing {@code aquifer} user, and warns only for special users like
 * {@code nobody}), so the copy keeps {@code User=aquifer}; creating that user is an install step in
 * docs/operations.md.
 */
class SystemdUnitTest {
  private static final Path UNIT = Path.of("systemd/aquifer.service");
  private static final Path LAUNCHER = Path.of("src/dist/bin/aquifer");
  private static final String EXEC_START =
      "ExecStart=/opt/aquifer/bin/aquifer server --config /etc/aquifer/aquifer.yaml";

  private static String analyze;

  @BeforeAll
  static void findSystemdAnalyze() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, "systemd-analyze"))) {
        analyze = dir + "/systemd-analyze";
        return;
      }
    }
    if (System.getenv("CI") != null) {
      fail("systemd-analyze is missing; .ci/run installs Debian's systemd package for it");
    }
    Assumptions.abort("systemd-analyze is not installed (Debian: apt-get install systemd)");
  }

  @Test
  void verifiesWithoutWarnings(@TempDir Path dir) throws Exception {
    Path copy = copyForVerify(dir, List.of());
    Result r = verify(copy);
    assertEquals(0, r.exitCode(), r.output());
    List<String> aboutUnit = r.linesAbout(copy);
    assertTrue(aboutUnit.isEmpty(), "systemd-analyze warned about the unit:\n" + r.output());
  }

  @Test
  void verifierReportsBadLines(@TempDir Path dir) throws Exception {
    // the same check on a broken copy must complain, or the test above proves nothing
    Path copy =
        copyForVerify(dir, List.of("ProtectSystem=strickt", "Frobnicate=yes", "Restart=sometimes"));
    List<String> aboutUnit = verify(copy).linesAbout(copy);
    assertTrue(
        aboutUnit.stream().anyMatch(l -> l.contains("Frobnicate")), "unknown key: " + aboutUnit);
    assertTrue(
        aboutUnit.stream().anyMatch(l -> l.contains("strickt")), "bad ProtectSystem: " + aboutUnit);
    assertTrue(
        aboutUnit.stream().anyMatch(l -> l.contains("sometimes")), "bad Restart: " + aboutUnit);
  }

  @Test
  void exposureStaysLow(@TempDir Path dir) throws Exception {
    // systemd's own score of the sandbox, 0 (locked down) to 10 (unprotected); this unit scores
    // 3.9 with systemd 252. The threshold is in tenths.
    Path copy = copyForVerify(dir, List.of());
    Result r =
        run(analyze, "security", "--offline=true", "--threshold=50", "--no-pager", copy.toString());
    assertEquals(0, r.exitCode(), "exposure above 5.0:\n" + r.output());
  }

  @Test
  void originalRunsTheNodeHardened() throws IOException {
    List<String> lines = Files.readAllLines(UNIT, StandardCharsets.UTF_8);
    for (String expected :
        List.of(
            EXEC_START,
            "User=aquifer",
            "Group=aquifer",
            "WorkingDirectory=/var/lib/aquifer",
            "Restart=on-failure",
            "KillSignal=SIGTERM",
            "TimeoutStopSec=60",
            "LimitNOFILE=1048576",
            "LimitMEMLOCK=infinity",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/aquifer",
            "PrivateTmp=yes",
            "ProtectHome=yes",
            "ProtectKernelTunables=yes",
            "ProtectControlGroups=yes",
            "RestrictSUIDSGID=yes")) {
      assertTrue(lines.contains(expected), "missing line: " + expected);
    }
    assertTrue(lines.stream().anyMatch(l -> l.matches("Type=(exec|simple)")), "Type=exec");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("RestartSec=")), "RestartSec=");
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("Environment=AQUIFER_JAVA_OPTS=")),
        "Environment=AQUIFER_JAVA_OPTS=");
    // the JIT writes code, so this must never be turned on
    assertFalse(lines.stream().anyMatch(l -> l.startsWith("MemoryDenyWriteExecute=")));
  }

  /** A copy named aquifer.service with ExecStart on the source launcher and extra lines. */
  private static Path copyForVerify(Path dir, List<String> extraServiceLines) throws IOException {
    assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " must be executable");
    String text = Files.readString(UNIT, StandardCharsets.UTF_8);
    assertTrue(text.contains(EXEC_START + "\n"), "ExecStart line");
    String exec =
        "ExecStart=" + LAUNCHER.toAbsolutePath() + " server --config /etc/aquifer/aquifer.yaml";
    StringBuilder replacement = new StringBuilder(exec).append('\n');
    extraServiceLines.forEach(l -> replacement.append(l).append('\n'));
    text = text.replace(EXEC_START + "\n", replacement);
    Path copy = dir.resolve("aquifer.service");
    Files.writeString(copy, text, StandardCharsets.UTF_8);
    return copy;
  }

  private static Result verify(Path unit) throws IOException, InterruptedException {
    return run(analyze, "verify", "--man=no", unit.toString());
  }

  private static Result run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  private record Result(int exitCode, String output) {
    /** Lines that name the unit file or the unit: what it says about our own lines. */
    List<String> linesAbout(Path unit) {
      return output
          .lines()
          .filter(l -> l.contains(unit.toString()) || l.contains("aquifer.service"))
          .toList();
    }
  }
}
