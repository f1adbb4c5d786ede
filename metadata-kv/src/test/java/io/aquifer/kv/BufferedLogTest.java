package io.aquifer.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvStores#openRocksBufferingLog}: a SIGKILL loses the commits after the last sync, as power
 * loss would, and nothing before it; a normal store loses nothing on SIGKILL.
 */
class BufferedLogTest {
  @TempDir Path dir;

  @Test
  void sigkillLosesTheUnsyncedTailOfABufferedLog() throws Exception {
    KvStore after = killed("buffered");
    try (after) {
      assertNotNull(after.get(after.table("t"), BufferedLogChild.bytes("synced")));
      assertNull(after.get(after.table("t"), BufferedLogChild.bytes("unsynced")), "lost");
    }
  }

  @Test
  void aFlushMakesTheBufferedTailDurable() throws Exception {
    KvStore after = killed("buffered-flushed");
    try (after) {
      assertNotNull(after.get(after.table("t"), BufferedLogChild.bytes("unsynced")));
    }
  }

  @Test
  void sigkillOfANormalStoreLosesNothing() throws Exception {
    KvStore after = killed("normal");
    try (after) {
      assertNotNull(after.get(after.table("t"), BufferedLogChild.bytes("unsynced")));
    }
  }

  private KvStore killed(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path db = dir.resolve("db");
    Path err = dir.resolve("child.err");
    Process child =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                BufferedLogChild.class.getName(),
                db.toString(),
                mode)
            .redirectError(err.toFile())
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      assertEquals("READY", line, () -> "child failed: " + read(err));
      assertTrue(child.toHandle().destroyForcibly(), "SIGKILL not sent");
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
    } finally {
      child.destroyForcibly();
    }
    return KvStores.openRocks(KvConfig.of(db, List.of("t")));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
