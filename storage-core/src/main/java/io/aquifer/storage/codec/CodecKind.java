package io.aquifer.storage.codec;

/** Which implementation of {@link ErasureCodec} to use. */
public enum CodecKind {
  /** The fastest available: ISA-L when the library loads, otherwise the Vector API. */
  AUTO,
  /** Table-driven scalar code; the correctness reference. */
  SCALAR,
  /** Java Vector API. */
  VECTOR,
  /** ISA-L ({@code libisal.so.2}) through jnr-ffi. */
  ISAL
}
