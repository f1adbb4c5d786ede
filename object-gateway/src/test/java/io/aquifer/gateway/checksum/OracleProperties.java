package io.aquifer.gateway.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.SdkChecksum;

/**
 * Every algorithm agrees with an independent implementation on random data: CRC-64/NVME with a
 * bit-at-a-time reference written from the Rocksoft parameters in normal (unreflected) form, and
 * the AWS SDK for Java v2 checksums for the algorithms it computes in Java (its CRC32 is its own
 * table-driven code). The SDK's CRC64NVME needs the aws-crt native library; where that is on the
 * test class path it is cross-checked too, else that test is skipped.
 */
class OracleProperties {
  /** The polynomial of CRC-64/NVME in normal form. */
  private static final long POLY_NORMAL = 0xAD93D23594C93659L;

  /**
   * CRC-64/NVME one bit at a time, MSB first: reflect each input byte, shift through the
   * unreflected polynomial, reflect the register at the end; init and xorout all ones.
   */
  static long reference(byte[] data) {
    long crc = -1L;
    for (byte b : data) {
      long in = Integer.reverse(b & 0xff) >>> 24;
      crc ^= in << 56;
      for (int k = 0; k < 8; k++) {
        crc = crc < 0 ? (crc << 1) ^ POLY_NORMAL : crc << 1;
      }
    }
    return Long.reverse(crc) ^ -1L;
  }

  static long value(byte[] be) {
    return ByteBuffer.wrap(be).getLong();
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
        net.jqwik.api.Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(5000)),
        net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(20000)));
  }

  @Example
  void referenceMatchesCheckValue() {
    assertEquals(0xAE8B14860A799888L, reference("123456789".getBytes()));
  }

  @Property(tries = 300)
  void crc64NvmeMatchesBitwiseReference(@ForAll("data") byte[] data) {
    Checksum c = ChecksumAlgorithm.CRC64NVME.newChecksum();
    c.update(data, 0, data.length);
    assertEquals(reference(data), value(c.digest()));
  }

  /**
   * Lengths around whole numbers of the 3 KiB three-stream blocks, at odd offsets in the array and
   * in a direct buffer, so that every path of the fast loop (blocks, 16-byte steps, single bytes)
   * meets the reference.
   */
  @Property(tries = 200)
  void crc64NvmeBlockBoundariesMatchReference(
      @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 6) int blocks,
      @ForAll @net.jqwik.api.constraints.IntRange(min = -20, max = 20) int delta,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 7) int offset,
      @ForAll long seed) {
    int len = Math.max(0, blocks * 3072 + delta);
    byte[] buf = new byte[offset + len];
    new java.util.Random(seed).nextBytes(buf);
    byte[] data = java.util.Arrays.copyOfRange(buf, offset, offset + len);
    long want = reference(data);
    Checksum c = ChecksumAlgorithm.CRC64NVME.newChecksum();
    c.update(buf, offset, len);
    assertEquals(want, value(c.digest()));
    ByteBuffer direct = ByteBuffer.allocateDirect(offset + len).put(buf).position(offset);
    c.update(direct);
    assertEquals(want, value(c.digest()));
  }

  @Property(tries = 200)
  void jdkBackedAlgorithmsMatchTheSdk(@ForAll("data") byte[] data) {
    check(ChecksumAlgorithm.CRC32, DefaultChecksumAlgorithm.CRC32, data);
    check(ChecksumAlgorithm.CRC32C, DefaultChecksumAlgorithm.CRC32C, data);
    check(ChecksumAlgorithm.SHA1, DefaultChecksumAlgorithm.SHA1, data);
    check(ChecksumAlgorithm.SHA256, DefaultChecksumAlgorithm.SHA256, data);
  }

  /**
   * A plain JUnit test rather than a property, so that without aws-crt it shows as skipped rather
   * than as an exhausted property.
   */
  @org.junit.jupiter.api.Test
  void crc64NvmeMatchesTheSdkWhereItIsAvailable() {
    Assumptions.assumeTrue(sdkHasCrc64(), "aws-crt is not on the test class path");
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] data = new byte[random.nextInt(5000)];
      random.nextBytes(data);
      check(ChecksumAlgorithm.CRC64NVME, DefaultChecksumAlgorithm.CRC64NVME, data);
    }
  }

  private static boolean sdkHasCrc64() {
    try {
      SdkChecksum.forAlgorithm(DefaultChecksumAlgorithm.CRC64NVME).update(1);
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static void check(
      ChecksumAlgorithm ours,
      software.amazon.awssdk.checksums.spi.ChecksumAlgorithm theirs,
      byte[] data) {
    SdkChecksum sdk = SdkChecksum.forAlgorithm(theirs);
    sdk.update(data, 0, data.length);
    Checksum c = ours.newChecksum();
    c.update(data, 0, data.length);
    assertArrayEquals(sdk.getChecksumBytes(), c.digest(), ours.name());
  }
}
