package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power-loss-like kill during the completion of a multipart upload leaves no manifest that names
 * an object the store does not have. The child ({@link MultipartCrashWriter}) runs on a store whose
 * index log is buffered until a sync and is SIGKILLed as soon as it says it starts a completion, so
 * the kill lands while the manifest files are written; the manifest's pending entry must be durable
 * by then, or the restart cannot collect the files and rebuild-index would restore an upload that
 * was never acknowledged (whose parts an abort may already have deleted).
 */
class MultipartCrashTest {
  @TempDir Path dir;

  @Test
  void aKillDuringCompletionLeavesNoOrphanManifest() throws Exception {
    StorageConfig c = MultipartCrashWriter.config(dir);
    Random rnd = new Random();
    List<String> acknowledged = new ArrayList<>();
    for (int round = 0; round < 8; round++) {
      int killAt = 2 + rnd.nextInt(6);
      Process p =
          TestStores.child(
              dir, MultipartCrashWriter.class, dir.toString(), Integer.toString(round));
      int completes = 0;
      try (var out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("COMPLETE ") && ++completes == killAt) {
            p.toHandle().destroyForcibly(); // SIGKILL while the completion runs
          } else if (line.startsWith("OK ")) {
            acknowledged.add(line.substring(3));
          }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      assertTrue(
          completes >= killAt, "child died early: " + Files.readString(dir.resolve("child.err")));
      try (ObjectStore s = ObjectStores.open(c, false)) {
        for (String key : acknowledged) {
          byte[] want =
              concat(MultipartCrashWriter.part(key, 1), MultipartCrashWriter.part(key, 2));
          assertArrayEquals(
              want, TestStores.readAll(s, MultipartCrashWriter.BUCKET, key), "round " + round);
        }
        for (Path m : manifests(c)) {
          Object[] parsed = Multipart.readManifest(Files.readAllBytes(m));
          String key = (String) parsed[1];
          try {
            s.head(MultipartCrashWriter.BUCKET, key);
          } catch (StorageException e) {
            throw new AssertionError(
                "round " + round + ": manifest " + m + " names " + key + ": " + e.getMessage(), e);
          }
        }
      }
    }
  }

  private static List<Path> manifests(StorageConfig c) throws Exception {
    List<Path> out = new ArrayList<>();
    for (Path d : c.drives()) {
      try (Stream<Path> s = Files.list(d.resolve("manifests"))) {
        s.forEach(out::add);
      }
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
