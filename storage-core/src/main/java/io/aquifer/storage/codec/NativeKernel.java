package io.aquifer.storage.codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kernel that works on native addresses: the ISA-L and Vector API kernels. This class turns the
 * callers' buffers into addresses. Direct buffers are used in place, with no copy; heap buffers are
 * staged through a direct scratch buffer, {@value #STAGE_CHUNK} bytes at a time.
 *
 * <p>Per-call state (address arrays, a native pointer array, the staging buffer) comes from a small
 * lock-free pool rather than a ThreadLocal, so that virtual threads, which are many and
 * short-lived, reuse it too. At most {@value #MAX_POOLED} scratch sets are kept; the staging
 * buffer, {@code 16 * STAGE_CHUNK} bytes, exists only in sets that have served a heap buffer.
 *
 * @param <T> the prepared-table type
 */
abstract class NativeKernel<T> implements GfKernel<T> {

  static final int STAGE_CHUNK = 32 * 1024;
  private static final int MAX_POOLED = 16;
  private static final int MAX_SHARDS = ErasureCodecs.MAX_SHARDS;

  /** Per-call state, reused through the pool. */
  static class Scratch {
    /** Input and output addresses, the first k and rows entries used. */
    final long[] in = new long[MAX_SHARDS];

    final long[] out = new long[MAX_SHARDS];

    /** Room for two native arrays of 16 pointers (ISA-L's {@code data} and {@code coding}). */
    final MemorySegment pointers = Arena.ofAuto().allocate(2L * MAX_SHARDS * Long.BYTES, 64);

    ByteBuffer stage;
  }

  private final ConcurrentLinkedQueue<Scratch> pool = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pooled = new AtomicInteger();

  /**
   * Computes {@code out[r] = sum_j matrix[r][j] * in[j]} over {@code length} bytes at the given
   * native addresses. Every address range is valid, outputs do not overlap inputs, and {@code
   * length > 0}.
   */
  abstract void multiplyNative(T prepared, Scratch s, int k, int rows, int length);

  /** A fresh scratch set; kernels that need more per-call state return a subclass. */
  Scratch newScratch() {
    return new Scratch();
  }

  @Override
  public final void multiply(
      T prepared, ByteBuffer[] shards, int[] inputs, int[] outputs, int offset, int length) {
    Scratch s = take();
    try {
      if (allDirect(shards, inputs) && allDirect(shards, outputs)) {
        for (int j = 0; j < inputs.length; j++) {
          s.in[j] = address(shards[inputs[j]]) + offset;
        }
        for (int r = 0; r < outputs.length; r++) {
          s.out[r] = address(shards[outputs[r]]) + offset;
        }
        multiplyNative(prepared, s, inputs.length, outputs.length, length);
      } else {
        staged(prepared, s, shards, inputs, outputs, offset, length);
      }
    } finally {
      Reference.reachabilityFence(shards);
      Reference.reachabilityFence(prepared);
      give(s);
    }
  }

  /** Mixed or heap buffers: copy heap inputs in, run, copy heap outputs out, chunk by chunk. */
  private void staged(
      T prepared,
      Scratch s,
      ByteBuffer[] shards,
      int[] inputs,
      int[] outputs,
      int offset,
      int length) {
    if (s.stage == null) {
      s.stage = ByteBuffer.allocateDirect(MAX_SHARDS * STAGE_CHUNK);
    }
    long stageAddress = address(s.stage);
    for (int done = 0; done < length; done += STAGE_CHUNK) {
      int n = Math.min(STAGE_CHUNK, length - done);
      int at = offset + done;
      for (int j = 0; j < inputs.length; j++) {
        ByteBuffer b = shards[inputs[j]];
        if (b.isDirect()) {
          s.in[j] = address(b) + at;
        } else {
          s.stage.put(j * STAGE_CHUNK, b, at, n);
          s.in[j] = stageAddress + (long) j * STAGE_CHUNK;
        }
      }
      for (int r = 0; r < outputs.length; r++) {
        ByteBuffer b = shards[outputs[r]];
        s.out[r] =
            b.isDirect()
                ? address(b) + at
                : stageAddress + (long) (inputs.length + r) * STAGE_CHUNK;
      }
      multiplyNative(prepared, s, inputs.length, outputs.length, n);
      for (int r = 0; r < outputs.length; r++) {
        ByteBuffer b = shards[outputs[r]];
        if (!b.isDirect()) {
          b.put(at, s.stage, (inputs.length + r) * STAGE_CHUNK, n);
        }
      }
    }
  }

  private static boolean allDirect(ByteBuffer[] shards, int[] indices) {
    for (int i : indices) {
      if (!shards[i].isDirect()) {
        return false;
      }
    }
    return true;
  }

  /** The native address of absolute index 0 of a direct buffer. */
  private static long address(ByteBuffer direct) {
    return MemorySegment.ofBuffer(direct).address() - direct.position();
  }

  private Scratch take() {
    Scratch s = pool.poll();
    if (s == null) {
      return newScratch();
    }
    pooled.decrementAndGet();
    return s;
  }

  private void give(Scratch s) {
    if (pooled.incrementAndGet() <= MAX_POOLED) {
      pool.offer(s);
    } else {
      pooled.decrementAndGet();
    }
  }
}
