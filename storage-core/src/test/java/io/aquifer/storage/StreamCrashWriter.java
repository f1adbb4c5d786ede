package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A child process for {@link StreamCrashTest}: puts objects of many stripes, each streamed in small
 * pieces through one writer, on a store whose index log is buffered until a sync (a SIGKILL loses
 * the unsynced commits as power loss would). Prints "W i" after every piece of object i and "ACK i"
 * once its commit returned; every other round also puts a packed object "small-i" (packed puts do
 * not sync the index).
 */
public final class StreamCrashWriter {
  private StreamCrashWriter() {}

  /** Bytes of one written piece: less than a block, so pieces straddle blocks and stripes. */
  static final int PIECE = 3000;

  /** Bytes of object i: 60 to 200 KiB, 8 to 25 stripes of the test layout (2 + 2, 4 KiB). */
  static int size(int i) {
    return (60 << 10) + (i * 7919) % (140 << 10);
  }

  /** The store's settings: objects above 8 KiB in shard files, smaller ones packed. */
  static StorageConfig config(Path root) {
    return TestStores.config(root, 4, 2, 2).withPacking(8192, 1L << 20);
  }

  /** Arguments: the test's root directory and the first index to write. */
  public static void main(String[] args) {
    int first = Integer.parseInt(args[1]);
    try (ObjectStore s = ObjectStores.open(config(Path.of(args[0])), false, true)) {
      if (s.headBucket("crash").isEmpty()) {
        s.createBucket("crash");
      }
      System.out.println("READY");
      for (int i = first; ; i++) {
        byte[] data = TestStores.random(i, size(i));
        try (ObjectWriter w = s.newWriter("crash", "big-" + i, PutOptions.DEFAULT)) {
          for (int off = 0; off < data.length; off += PIECE) {
            w.write(ByteBuffer.wrap(data, off, Math.min(PIECE, data.length - off)));
            System.out.println("W " + i);
            System.out.flush();
          }
          w.commit(java.util.Map.of(), null);
        }
        System.out.println("ACK " + i);
        if (i % 2 == 0) {
          s.put("crash", "small-" + i, TestStores.random(-i, 100 + i % 4000), PutOptions.DEFAULT);
        }
        System.out.flush();
      }
    }
  }
}
