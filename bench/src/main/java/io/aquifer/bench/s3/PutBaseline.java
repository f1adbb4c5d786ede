package io.aquifer.bench.s3;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;

/**
 * The PUT baselines, each on the calling thread (one core) for a duration, whole objects at a time
 * (at least one): sequential write of the object's bytes to a temporary file plus {@code fsync}
 * (the file is truncated and rewritten per object), and MD5 over the same bytes (the ETag a PUT
 * must compute).
 */
final class PutBaseline {
  private PutBaseline() {}

  /** Objects done and seconds taken. */
  record Rate(long objects, long bytes, double seconds) {
    double mibPerSec() {
      return bytes / seconds / (1 << 20);
    }

    double opsPerSec() {
      return objects / seconds;
    }
  }

  /**
   * Writes and fsyncs objects of {@code size} bytes to a file in {@code dir}.
   *
   * @param payload borrowed: the bytes, repeated to the object size
   */
  static Rate writeFsync(Path dir, ByteBuf payload, long size, Duration duration)
      throws IOException {
    Path file = Files.createTempFile(dir, "aquifer-bench-put", ".bin");
    try {
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      long objects = 0;
      do {
        try (FileChannel ch =
            FileChannel.open(
                file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          long left = size;
          while (left > 0) {
            int n = (int) Math.min(left, payload.readableBytes());
            ByteBuffer b = payload.nioBuffer(payload.readerIndex(), n);
            while (b.hasRemaining()) {
              ch.write(b);
            }
            left -= n;
          }
          ch.force(true);
        }
        objects++;
      } while (System.nanoTime() < deadline);
      return new Rate(objects, objects * size, (System.nanoTime() - start) / 1e9);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * MD5 of objects of {@code size} bytes.
   *
   * @param payload borrowed: the bytes, repeated to the object size
   */
  static Rate md5(ByteBuf payload, long size, Duration duration) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("MD5");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    long objects = 0;
    long sink = 0;
    do {
      long left = size;
      while (left > 0) {
        int n = (int) Math.min(left, payload.readableBytes());
        md.update(payload.nioBuffer(payload.readerIndex(), n));
        left -= n;
      }
      sink += md.digest()[0];
      objects++;
    } while (System.nanoTime() < deadline);
    if (sink == Long.MIN_VALUE) {
      throw new AssertionError(); // keeps the digests live
    }
    return new Rate(objects, objects * size, (System.nanoTime() - start) / 1e9);
  }
}
