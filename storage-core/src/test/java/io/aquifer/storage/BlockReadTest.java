package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-block reads, which the stripe reader reads straight into the caller's buffer: the bytes are
 * the object's, a corrupt or missing block is found, counted once and reconstructed.
 */
class BlockReadTest {
  private static final int B = TestStores.BLOCK;
  // RS 2+2: 9 whole stripes and a last one of one and a half blocks
  private static final int SIZE = 9 * 2 * B + B + B / 2;

  @TempDir Path dir;

  /** Reads the object in pieces of {@code piece} bytes into direct buffers of that size. */
  private static byte[] readInPieces(ObjectStore s, int piece) {
    byte[] out = new byte[SIZE];
    ByteBuffer dst = ByteBuffer.allocateDirect(piece);
    for (int at = 0; at < SIZE; at += piece) {
      int len = Math.min(piece, SIZE - at);
      try (ObjectReader r = s.get("bkt", "k", at, len)) {
        dst.clear().limit(len);
        while (dst.hasRemaining()) {
          if (r.read(dst) < 0) {
            break;
          }
        }
        assertEquals(len, dst.position(), "bytes at " + at);
        dst.flip().get(out, at, len);
      }
    }
    return out;
  }

  /**
   * Opens the store without its maintenance thread: a heal of the corrupt block, queued by the
   * first degraded read, would otherwise read and count that block too, whenever it happens to run.
   */
  private static ObjectStore open(StorageConfig c, byte[] d) {
    ObjectStore s = ObjectStores.open(c, false);
    s.createBucket("bkt");
    s.put("bkt", "k", d, PutOptions.DEFAULT);
    return s;
  }

  @Test
  void wholeBlocksAndOtherPiecesReadTheObjectsBytes() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] d = TestStores.random(11, SIZE);
    try (ObjectStore s = open(c, d)) {
      for (int piece : new int[] {B, 2 * B, 3 * B, B / 2, B + 7, SIZE}) {
        assertArrayEquals(d, readInPieces(s, piece), "pieces of " + piece);
      }
      assertEquals(0, s.stats().checksumFailures());
      assertEquals(0, s.stats().degradedReads());
    }
  }

  @Test
  void corruptBlockReadWholeIsCountedOnceAndReconstructed() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] d = TestStores.random(12, SIZE);
    try (ObjectStore s = open(c, d)) {
      Path shard1 = shard(c, 1);
      // stripe 3's block of data shard 1 holds object bytes [7B, 8B) as they are
      long blockAt = indexOf(Files.readAllBytes(shard1), Arrays.copyOfRange(d, 7 * B, 8 * B));
      assertTrue(blockAt > 0);
      flipByte(shard1, blockAt + 100);
      for (int at = 0; at < SIZE - B; at += B) {
        try (ObjectReader r = s.get("bkt", "k", at, B)) {
          ByteBuffer dst = ByteBuffer.allocateDirect(B);
          assertEquals(B, r.read(dst));
          assertArrayEquals(Arrays.copyOfRange(d, at, at + B), bytes(dst.flip()), "block at " + at);
        }
      }
      assertEquals(1, s.stats().checksumFailures(), s.stats()::toString);
      assertTrue(s.stats().degradedReads() >= 1);
    }
  }

  /** Reads the object through spans where the reader gives them, else in reads up to a block. */
  private static byte[] readWithSpans(ObjectStore s, int[] spans) throws Exception {
    byte[] out = new byte[SIZE];
    try (ObjectReader r = s.get("bkt", "k")) {
      int at = 0;
      while (at < SIZE) {
        FileSpan span = r.nextSpan();
        if (span != null) {
          try (FileChannel ch = span.channel()) {
            ByteBuffer b = ByteBuffer.wrap(out, at, span.length());
            while (b.hasRemaining()) {
              assertTrue(ch.read(b, span.position() + b.position() - at) > 0);
            }
          }
          at += span.length();
          spans[0]++;
          continue;
        }
        ByteBuffer dst = ByteBuffer.allocateDirect(Math.min(B, SIZE - at));
        while (dst.hasRemaining() && r.read(dst) > 0) {}
        dst.flip().get(out, at, dst.limit());
        at += dst.limit();
      }
      assertEquals(null, r.nextSpan(), "at the end");
    }
    return out;
  }

  @Test
  void wholeBlocksAreGivenAsVerifiedSpansOfTheirShardFiles() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] d = TestStores.random(14, SIZE);
    try (ObjectStore s = open(c, d)) {
      int[] spans = {0};
      assertArrayEquals(d, readWithSpans(s, spans));
      assertTrue(spans[0] >= 18, "spans: " + spans[0]); // the 9 whole stripes' blocks at least
      try (ObjectReader r = s.get("bkt", "k", 1, SIZE - 1)) {
        assertEquals(null, r.nextSpan(), "the range starts inside a block");
      }
      assertEquals(0, s.stats().checksumFailures());
      // a corrupt block is not given as a span: the read that follows reconstructs and counts it
      Path shard1 = shard(c, 1);
      long blockAt = indexOf(Files.readAllBytes(shard1), Arrays.copyOfRange(d, 7 * B, 8 * B));
      flipByte(shard1, blockAt + 100);
      spans[0] = 0;
      assertArrayEquals(d, readWithSpans(s, spans));
      assertEquals(1, s.stats().checksumFailures(), s.stats()::toString);
      assertTrue(spans[0] >= 17, "spans: " + spans[0]);
    }
  }

  @Test
  void missingShardFileIsReconstructedForWholeBlocks() throws Exception {
    StorageConfig c = TestStores.shardConfig(dir, 4, 2, 2);
    byte[] d = TestStores.random(13, SIZE);
    try (ObjectStore s = open(c, d)) {
      Files.delete(shard(c, 0));
      assertArrayEquals(d, readInPieces(s, B));
      assertArrayEquals(d, readInPieces(s, 2 * B));
      assertTrue(s.stats().degradedReads() >= 1);
    }
  }

  private static Path shard(StorageConfig c, int i) throws Exception {
    List<Path> files =
        TestStores.shardFiles(c).stream().filter(p -> p.toString().endsWith("." + i)).toList();
    assertEquals(1, files.size(), files::toString);
    return files.get(0);
  }

  private static long indexOf(byte[] hay, byte[] needle) {
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static void flipByte(Path file, long pos) throws Exception {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, pos);
      one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
      ch.write(one, pos);
    }
  }
}
