package io.aquifer.gateway.checksum;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * A quick throughput check of the checksums over a heap and a direct 64 MiB buffer, fed in slices
 * of 1 MiB (or {@code -Dslice=bytes}, a power of two); not a test (no assertions, never run by the
 * build). Run with the test class path:
 *
 * <pre>
 * java -cp object-gateway/target/classes:object-gateway/target/test-classes \
 *     io.aquifer.gateway.checksum.Crc64NvmeThroughput [algorithm ...]
 * </pre>
 *
 * CRC32C is a useful baseline measured in the same run: the JDK's is an intrinsic.
 */
public final class Crc64NvmeThroughput {
  private Crc64NvmeThroughput() {}

  /**
   * Prints MB/s per algorithm and buffer kind.
   *
   * @param args algorithm names; default CRC64NVME and CRC32C
   */
  public static void main(String[] args) {
    String[] names = args.length > 0 ? args : new String[] {"CRC64NVME", "CRC32C"};
    int size = 64 << 20;
    int slice = Integer.getInteger("slice", 1 << 20);
    byte[] data = new byte[size];
    new java.util.Random(42).nextBytes(data);
    ByteBuffer heap = ByteBuffer.wrap(data);
    ByteBuffer direct = ByteBuffer.allocateDirect(size).put(data).flip();
    for (String name : names) {
      ChecksumAlgorithm alg = ChecksumAlgorithm.fromName(name);
      for (ByteBuffer buf : new ByteBuffer[] {heap, direct}) {
        Checksum c = alg.newChecksum();
        run(c, buf, slice, 10); // warm up
        int reps = 30;
        long t0 = System.nanoTime();
        run(c, buf, slice, reps);
        long ns = System.nanoTime() - t0;
        System.out.printf(
            Locale.ROOT,
            "%-9s %-6s %8.0f MB/s%n",
            alg,
            buf.isDirect() ? "direct" : "heap",
            (double) size * reps / ns * 1e3);
      }
    }
  }

  private static void run(Checksum c, ByteBuffer buf, int slice, int reps) {
    for (int r = 0; r < reps; r++) {
      for (int off = 0; off < buf.capacity(); off += slice) {
        c.update(buf.slice(off, slice));
      }
      c.digest();
    }
  }
}
