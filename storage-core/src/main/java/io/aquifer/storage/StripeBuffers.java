package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Direct buffers for whole stripes, bounded by the in-flight memory budget: a reader or writer
 * takes one for its lifetime, and waits when the budget is used up, so memory never grows with the
 * number or size of requests. Buffers of the configured layout are reused.
 */
final class StripeBuffers {
  private static final long WAIT_SECONDS = 60;

  private final int standardSize;
  private final Semaphore kib;
  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  StripeBuffers(long budgetBytes, int standardSize) {
    this.standardSize = standardSize;
    // permits are KiB, each buffer rounded up; a budget of n standard stripes holds n of them
    long units = Math.max(budgetBytes >> 10, (budgetBytes / standardSize) * units(standardSize));
    this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, units), true);
  }

  private static int units(int bytes) {
    return (bytes + 1023) >> 10;
  }

  /** Bytes of a stripe buffer for a layout: k + m blocks, each followed by its checksum. */
  static int size(int shards, int blockSize) {
    return shards * (blockSize + DataRef.CRC_BYTES);
  }

  /** Takes a buffer of {@code size} bytes, waiting for budget. */
  ByteBuffer acquire(int size) {
    int units = units(size);
    try {
      if (!kib.tryAcquire(units, WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new StorageException(
            StatusCode.INTERNAL,
            "no stripe buffer free after " + WAIT_SECONDS + "s: in-flight memory budget exhausted");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(StatusCode.INTERNAL, "interrupted waiting for a stripe buffer");
    }
    if (size == standardSize) {
      ByteBuffer b = free.poll();
      if (b != null) {
        return b.clear();
      }
    }
    return ByteBuffer.allocateDirect(size);
  }

  /** Takes a buffer when budget is free right now, else returns null. Never waits. */
  ByteBuffer tryAcquire(int size) {
    if (!kib.tryAcquire(units(size))) {
      return null;
    }
    if (size == standardSize) {
      ByteBuffer b = free.poll();
      if (b != null) {
        return b.clear();
      }
    }
    return ByteBuffer.allocateDirect(size);
  }

  /** Returns a buffer taken with {@link #acquire} or {@link #tryAcquire}. */
  void release(ByteBuffer b) {
    if (b.capacity() == standardSize) {
      free.offer(b);
    }
    kib.release(units(b.capacity()));
  }

  /** Whether some taker is waiting for budget. */
  boolean hasWaiters() {
    return kib.hasQueuedThreads();
  }

  /** Slices a stripe buffer into its per-shard regions of blockSize + 4 bytes. */
  static ByteBuffer[] regions(ByteBuffer stripe, int shards, int blockSize) {
    ByteBuffer[] r = new ByteBuffer[shards];
    int w = blockSize + DataRef.CRC_BYTES;
    for (int i = 0; i < shards; i++) {
      r[i] = stripe.slice(i * w, w);
    }
    return r;
  }
}
