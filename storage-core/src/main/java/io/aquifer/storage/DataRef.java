package io.aquifer.storage;

import java.util.HexFormat;

/**
 * Where one erasure-coded piece of data (a single-put object, or one part of a multipart object)
 * lives: its id, its codec layout, and the drive holding each shard.
 *
 * @param id 16 random bytes naming the shard files
 * @param size data bytes
 * @param k data shards
 * @param m parity shards
 * @param blockSize bytes per full block
 * @param headerLength bytes of the shard file header, where block 0 starts
 * @param drives drive index of each shard, k + m entries
 */
record DataRef(byte[] id, long size, int k, int m, int blockSize, int headerLength, int[] drives) {

  /** Bytes of a block's checksum, stored after the block. */
  static final int CRC_BYTES = 4;

  /** Number of stripes. */
  long stripes() {
    long stripe = (long) k * blockSize;
    return (size + stripe - 1) / stripe;
  }

  /** Data bytes in stripe {@code s}. */
  long stripeDataLength(long s) {
    long stripe = (long) k * blockSize;
    return Math.min(stripe, size - s * stripe);
  }

  /** Bytes per block of stripe {@code s}: the block size, or less in a short last stripe. */
  int blockLength(long s) {
    long l = stripeDataLength(s);
    return (int) Math.min(blockSize, (l + k - 1) / k);
  }

  /** Offset of stripe {@code s}'s block within a shard file. */
  long blockOffset(long s) {
    return headerLength + s * (blockSize + (long) CRC_BYTES);
  }

  /** Length of each shard file once complete, without the trailer. */
  long shardDataEnd() {
    long n = stripes();
    return n == 0 ? headerLength : blockOffset(n - 1) + blockLength(n - 1) + CRC_BYTES;
  }

  /** The id as 32 hex digits. */
  String hexId() {
    return HexFormat.of().formatHex(id);
  }
}
