package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard file written through {@link ShardOutput} holds exactly header, blocks and trailer in
 * order, whatever their lengths, in direct and buffered mode alike.
 */
class ShardOutputTest {
  @TempDir Path dir;

  private Drive drive(boolean direct) throws IOException {
    Path root = dir.resolve(direct ? "direct" : "buffered");
    DriveSet.format(root, "store", 0);
    Drive d = new Drive(0, root, DriveState.ONLINE, "", x -> {});
    assertEquals(null, d.probeDirect(), "the test directory's file system takes O_DIRECT");
    d.useDirect(direct);
    return d;
  }

  /** Writes header, blocks of the given lengths and trailer; returns what the file must hold. */
  private static byte[] write(Drive d, byte[] id, int header, int[] blocks, int trailer)
      throws IOException {
    Random rnd = new Random(header * 31L + blocks.length);
    var expected = new ByteArrayOutputStream();
    byte[] h = new byte[header];
    rnd.nextBytes(h);
    expected.writeBytes(h);
    ShardOutput out = ShardOutput.create(d, id, 0, h);
    assertEquals(d.direct(), out.direct());
    int max = 0;
    for (int n : blocks) {
      max = Math.max(max, n);
    }
    StripeBuffers pool = new StripeBuffers(64L << 20, StripeBuffers.size(1, max));
    ByteBuffer slot = pool.acquire(StripeBuffers.size(1, max));
    int c = out.carried();
    for (int n : blocks) {
      assertEquals(c, out.carried(), "the carry follows from the lengths alone");
      byte[] b = new byte[n];
      rnd.nextBytes(b);
      expected.writeBytes(b);
      slot.put(c, b);
      out.append(slot, n);
      c = out.carriedAfter(c, n);
    }
    pool.release(slot);
    byte[] t = new byte[trailer];
    rnd.nextBytes(t);
    expected.writeBytes(t);
    out.finish(t);
    out.force();
    out.close();
    return expected.toByteArray();
  }

  @Test
  void everyLengthAroundTheAlignmentLandsExactly() throws IOException {
    int[][] cases = {
      {},
      {0},
      {1},
      {4095},
      {4096},
      {4097},
      {4100, 4100, 4100},
      {8196, 8196, 8196, 8196, 3000},
      {(1 << 16) + 4, (1 << 16) + 4, 12},
      {4092},
    };
    int[] headers = {1, 97, 4095, 4096, 4097, 9000};
    for (boolean direct : new boolean[] {true, false}) {
      Drive d = drive(direct);
      int n = 0;
      for (int header : headers) {
        for (int[] blocks : cases) {
          byte[] id = new byte[16];
          id[0] = (byte) n;
          id[15] = (byte) (n++ >> 8);
          byte[] expected = write(d, id, header, blocks, 37 + n);
          byte[] actual = Files.readAllBytes(d.shardPath(id, 0));
          assertArrayEquals(
              expected,
              actual,
              (direct ? "direct" : "buffered")
                  + " header "
                  + header
                  + " blocks "
                  + java.util.Arrays.toString(blocks));
        }
      }
    }
  }

  @Test
  void theProbeLeavesNothingBehind() throws IOException {
    Drive d = drive(true);
    try (var list = Files.list(d.root)) {
      assertTrue(list.noneMatch(p -> p.getFileName().toString().startsWith(".direct")));
    }
  }
}
