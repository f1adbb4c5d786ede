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
import java.util.ArrayList;
import java.util.List;

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
   * MD5 of objects of {@code size} bytes on the calling thread.
   *
   * @param payload borrowed: the bytes, repeated to the object size
   */
  static Rate md5(ByteBuf payload, long size, Duration duration) {
    return md5(payload.nioBuffer(payload.readerIndex(), payload.readableBytes()), size, duration);
  }

  /**
   * MD5 of objects of {@code size} bytes on {@code threads} threads at once, each for the duration;
   * the rate is their sum.
   *
   * @param payload borrowed: the bytes, repeated to the object size
   */
  static Rate md5Parallel(ByteBuf payload, long size, Duration duration, int threads)
      throws InterruptedException {
    ByteBuffer bytes = payload.nioBuffer(payload.readerIndex(), payload.readableBytes());
    Rate[] rates = new Rate[threads];
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int t = i;
      ByteBuffer mine = bytes.duplicate();
      running.add(Thread.ofPlatform().start(() -> rates[t] = md5(mine, size, duration)));
    }
    for (Thread t : running) {
      t.join();
    }
    // each thread ran for about the duration: the rate is the sum of theirs, over the longest
    double seconds = 0;
    double perSecond = 0;
    for (Rate r : rates) {
      seconds = Math.max(seconds, r.seconds());
      perSecond += r.objects() / r.seconds();
    }
    long objects = Math.round(perSecond * seconds);
    return new Rate(objects, objects * size, seconds);
  }

  private static Rate md5(ByteBuffer bytes, long size, Duration duration) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("MD5");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    int cap = bytes.remaining();
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    long objects = 0;
    long sink = 0;
    do {
      long left = size;
      while (left > 0) {
        int n = (int) Math.min(left, cap);
        md.update(bytes.duplicate().limit(n));
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
