package io.aquifer.bench.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PUT baselines run in a child JVM and report whole objects. */
class PutBaselineTest {
  @TempDir Path dir;

  @Test
  void writeFsyncInAChildWritesWholeObjectsAndLeavesNothingBehind() throws Exception {
    long size = 3 * Client.MAX_CHUNK + 5; // repeated chunks of the payload and a short one
    PutBaseline.Rate r =
        PutBaseline.inChild(
            PutBaseline.Kind.FSYNC, dir, size, Duration.ofMillis(200), 1, Duration.ZERO);
    assertTrue(r.objects() >= 1, "at least one object: " + r);
    assertEquals(r.objects() * size, r.bytes());
    assertTrue(r.seconds() > 0);
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count(), "the temporary file is deleted");
    }
  }

  @Test
  void md5InAChildOnOneAndTwoThreads() throws Exception {
    for (int threads : new int[] {1, 2}) {
      PutBaseline.Rate r =
          PutBaseline.inChild(
              PutBaseline.Kind.MD5,
              null,
              4096,
              Duration.ofMillis(200),
              threads,
              Duration.ofMillis(50));
      assertTrue(r.objects() >= threads, threads + " threads: " + r);
      assertEquals(r.objects() * 4096, r.bytes());
    }
  }

  @Test
  void theChildHashesTheBytesTheClientSends() {
    int n = 4096 + 3;
    ByteBuf sent = Client.randomBuffer(n);
    try {
      assertEquals(sent.nioBuffer(), PutBaseline.randomBytes(n));
    } finally {
      sent.release();
    }
  }

  @Test
  void aChildThatFailsIsAnErrorNamingTheBaseline() {
    Path missing = dir.resolve("no-such-dir");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                PutBaseline.inChild(
                    PutBaseline.Kind.FSYNC,
                    missing,
                    4096,
                    Duration.ofMillis(50),
                    1,
                    Duration.ZERO));
    assertTrue(e.getMessage().startsWith("baseline fsync failed: "), e.getMessage());
  }
}
