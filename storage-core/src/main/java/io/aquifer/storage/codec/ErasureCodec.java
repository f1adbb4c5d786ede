package io.aquifer.storage.codec;

import java.nio.ByteBuffer;

/**
 * A systematic Reed-Solomon code with {@code k} data and {@code m} parity shards. Every
 * implementation uses the same encoding matrix, so they produce identical parity.
 *
 * <p>Buffers are caller-owned and only borrowed for the duration of a call. The codec reads and
 * writes bytes {@code [offset, offset + length)} of each buffer by absolute index and never changes
 * a buffer's position or limit. Direct buffers are fastest; heap buffers work with every
 * implementation but the ISA-L one copies them. Instances are thread-safe.
 */
public interface ErasureCodec {

  /** Number of data shards, k. */
  int dataShards();

  /** Number of parity shards, m. */
  int parityShards();

  /** The implementation's name, for logs and metrics ("scalar", "vector", "isal"). */
  String name();

  /**
   * Computes parity. Reads {@code shards[0..k)} and overwrites {@code shards[k..k+m)}.
   *
   * @param shards k + m buffers, each with at least {@code offset + length} bytes
   */
  void encode(ByteBuffer[] shards, int offset, int length);

  /**
   * Rebuilds the shards whose {@code present[i]} is false, overwriting their buffers, from the
   * present ones. Data and parity shards may both be missing.
   *
   * @param shards k + m buffers; those not present are outputs
   * @param present which shards hold valid bytes
   * @throws IllegalArgumentException when fewer than k shards are present
   */
  void reconstruct(ByteBuffer[] shards, boolean[] present, int offset, int length);
}
