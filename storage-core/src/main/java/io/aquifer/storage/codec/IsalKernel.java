package io.aquifer.storage.codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The ISA-L kernel: {@code ec_init_tables} once per coefficient matrix, then one {@code
 * ec_encode_data} per call (per staged chunk for heap buffers) over the buffers' native addresses.
 * The pointer arrays live in the pooled scratch, so a call allocates nothing.
 */
final class IsalKernel extends NativeKernel<IsalKernel.Tables> {

  private static final long CODING = (long) ErasureCodecs.MAX_SHARDS * Long.BYTES;

  /**
   * ISA-L's expanded tables ({@code 32 * k * rows} bytes) for a {@code rows x k} matrix, in native
   * memory that is freed when this record becomes unreachable.
   */
  record Tables(int rows, int k, MemorySegment memory, Pointer gftbls) {}

  /** Scratch with jnr views of the two pointer arrays. */
  private static final class IsalScratch extends Scratch {
    final Pointer data;
    final Pointer coding;

    IsalScratch(Runtime runtime) {
      data = Pointer.wrap(runtime, pointers.address());
      coding = Pointer.wrap(runtime, pointers.address() + CODING);
    }
  }

  private final IsalLibrary.Native lib;
  private final Runtime runtime;

  IsalKernel(IsalLibrary.Load load) {
    if (!load.available()) {
      throw new IllegalStateException(load.failure());
    }
    this.lib = load.lib();
    this.runtime = load.runtime();
  }

  @Override
  public String name() {
    return "isal";
  }

  @Override
  public Tables prepare(byte[] matrix, int rows, int k) {
    MemorySegment memory = Arena.ofAuto().allocate(32L * k * rows, 64);
    Pointer gftbls = Pointer.wrap(runtime, memory.address());
    lib.ec_init_tables(k, rows, matrix.clone(), gftbls);
    return new Tables(rows, k, memory, gftbls);
  }

  @Override
  Scratch newScratch() {
    return new IsalScratch(runtime);
  }

  @Override
  void multiplyNative(Tables t, Scratch s, int k, int rows, int length) {
    IsalScratch is = (IsalScratch) s;
    MemorySegment p = s.pointers;
    for (int j = 0; j < k; j++) {
      p.setAtIndex(ValueLayout.JAVA_LONG, j, s.in[j]);
    }
    for (int r = 0; r < rows; r++) {
      p.set(ValueLayout.JAVA_LONG, CODING + (long) r * Long.BYTES, s.out[r]);
    }
    lib.ec_encode_data(length, t.k(), t.rows(), t.gftbls(), is.data, is.coding);
  }
}
