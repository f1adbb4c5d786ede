package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Direct buffers for whole stripes, bounded by the in-flight memory budget: a reader or writer
 * takes one for its lifetime, and waits when the budget is used up, so memory never grows with the
 * number or size of requests. Buffers of the configured layout are reused.
 *
 * <p>Buffers and the slot of each shard in them are aligned to {@link ShardOutput#ALIGN}, and each
 * slot has that many bytes of headroom beyond its block and checksum, so a writer can put up to
 * {@code ALIGN - 1} carried bytes in front of a block and write the aligned prefix with {@code
 * O_DIRECT} without copying the block. The budget counts what is allocated, alignment padding
 * included.
 */
final class StripeBuffers {
  private static final long WAIT_SECONDS = 60;

  private final int standardSize;
  private final Semaphore kib;
  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  StripeBuffers(long budgetBytes, int standardSize) {
    this.standardSize = standardSize;
    // permits are KiB, each buffer rounded up; a budget of n standard stripes holds n of them
    // (at least one, so any budget that holds a stripe's blocks holds one aligned buffer)
    long units =
        Math.max(
            budgetBytes >> 10,
            Math.max(1, budgetBytes / standardSize) * units(allocated(standardSize)));
    this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, units), true);
  }

  private static int units(int bytes) {
    return (bytes + 1023) >> 10;
  }

  /** Bytes allocated for a buffer of {@code size} bytes: the size and the alignment slack. */
  private static int allocated(int size) {
    return size + ShardOutput.ALIGN;
  }

  /**
   * Bytes of one shard's slot: the block, its checksum and {@code ALIGN - 1} bytes of headroom,
   * rounded up to {@link ShardOutput#ALIGN}.
   */
  static int slot(int blockSize) {
    int a = ShardOutput.ALIGN;
    return (blockSize + DataRef.CRC_BYTES + a - 1 + a - 1) / a * a;
  }

  /** Bytes of a stripe buffer for a layout: k + m slots (see {@link #slot}). */
  static int size(int shards, int blockSize) {
    return shards * slot(blockSize);
  }

  private static ByteBuffer allocate(int size) {
    if (size % ShardOutput.ALIGN != 0) {
      throw new IllegalArgumentException("stripe buffer size not a multiple of the alignment");
    }
    return ByteBuffer.allocateDirect(allocated(size))
        .alignedSlice(ShardOutput.ALIGN)
        .slice(0, size);
  }

  /** Takes a buffer of {@code size} bytes, waiting for budget. */
  ByteBuffer acquire(int size) {
    int units = units(allocated(size));
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
    return allocate(size);
  }

  /** Takes a buffer when budget is free right now, else returns null. Never waits. */
  ByteBuffer tryAcquire(int size) {
    if (!kib.tryAcquire(units(allocated(size)))) {
      return null;
    }
    if (size == standardSize) {
      ByteBuffer b = free.poll();
      if (b != null) {
        return b.clear();
      }
    }
    return allocate(size);
  }

  /** Returns a buffer taken with {@link #acquire} or {@link #tryAcquire}. */
  void release(ByteBuffer b) {
    if (b.capacity() == standardSize) {
      free.offer(b);
    }
    kib.release(units(allocated(b.capacity())));
  }

  /** Whether some taker is waiting for budget. */
  boolean hasWaiters() {
    return kib.hasQueuedThreads();
  }

  /**
   * Slices a stripe buffer into its per-shard regions of blockSize + 4 bytes, each at the start of
   * its slot.
   */
  static ByteBuffer[] regions(ByteBuffer stripe, int shards, int blockSize) {
    return regions(stripe, shards, blockSize, new int[shards]);
  }

  /**
   * Slices a stripe buffer into its per-shard regions of blockSize + 4 bytes, region i starting
   * {@code offsets[i]} bytes (less than {@link ShardOutput#ALIGN}) into its slot.
   */
  static ByteBuffer[] regions(ByteBuffer stripe, int shards, int blockSize, int[] offsets) {
    ByteBuffer[] r = new ByteBuffer[shards];
    int slot = slot(blockSize);
    int w = blockSize + DataRef.CRC_BYTES;
    for (int i = 0; i < shards; i++) {
      r[i] = stripe.slice(i * slot + offsets[i], w);
    }
    return r;
  }

  /** Shard i's whole slot in a stripe buffer (aligned, {@link #slot} bytes). */
  static ByteBuffer slotOf(ByteBuffer stripe, int i, int blockSize) {
    int slot = slot(blockSize);
    return stripe.slice(i * slot, slot);
  }
}
