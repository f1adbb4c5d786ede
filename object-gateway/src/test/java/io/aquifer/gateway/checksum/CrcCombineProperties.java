package io.aquifer.gateway.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** {@code combine(crc(A), crc(B), |B|) == crc(A||B)} for every CRC. */
class CrcCombineProperties {
  @Provide
  Arbitrary<ChecksumAlgorithm> crcs() {
    return Arbitraries.of(
        ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.CRC64NVME);
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(4000);
  }

  static byte[] crc(ChecksumAlgorithm alg, byte[] data, int off, int len) {
    Checksum c = alg.newChecksum();
    c.update(data, off, len);
    return c.digest();
  }

  @Property(tries = 500)
  void combineOfASplitIsTheWhole(
      @ForAll("crcs") ChecksumAlgorithm alg,
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 0, max = 4000) int split) {
    int s = Math.min(split, data.length); // 0 and data.length: empty A or empty B
    byte[] a = crc(alg, data, 0, s);
    byte[] b = crc(alg, data, s, data.length - s);
    assertArrayEquals(
        crc(alg, data, 0, data.length), CrcCombine.combine(alg, a, b, data.length - s));
  }

  /** Folding the parts of a multipart upload left to right gives the full-object CRC. */
  @Property(tries = 200)
  void foldingManyPartsIsTheWhole(
      @ForAll("crcs") ChecksumAlgorithm alg,
      @ForAll("data") byte[] data,
      @ForAll("cuts") List<Integer> cuts) {
    // Sorted cut points, repeats kept so that empty parts occur, then the end of the data.
    int[] bounds =
        IntStream.concat(
                cuts.stream().mapToInt(c -> Math.min(c, data.length)).sorted(),
                IntStream.of(data.length))
            .toArray();
    byte[] acc = crc(alg, data, 0, 0);
    int prev = 0;
    for (int end : bounds) {
      acc = CrcCombine.combine(alg, acc, crc(alg, data, prev, end - prev), end - prev);
      prev = end;
    }
    assertArrayEquals(crc(alg, data, 0, data.length), acc);
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(0, 4000).list().ofMaxSize(10);
  }

  /**
   * For lengths too long to hash, combining is still associative: {@code (A.B).C == A.(B.C)}, with
   * arbitrary register values and lengths up to 2^62.
   */
  @Property(tries = 300)
  void combineIsAssociativeForHugeLengths(
      @ForAll("crcs") ChecksumAlgorithm alg,
      @ForAll long seed,
      @ForAll @LongRange(min = 0, max = 1L << 61) long lengthB,
      @ForAll @LongRange(min = 0, max = 1L << 61) long lengthC) {
    Random r = new Random(seed);
    byte[] a = new byte[alg.digestLength()];
    byte[] b = new byte[alg.digestLength()];
    byte[] c = new byte[alg.digestLength()];
    r.nextBytes(a);
    r.nextBytes(b);
    r.nextBytes(c);
    byte[] left = CrcCombine.combine(alg, CrcCombine.combine(alg, a, b, lengthB), c, lengthC);
    byte[] right =
        CrcCombine.combine(alg, a, CrcCombine.combine(alg, b, c, lengthC), lengthB + lengthC);
    assertArrayEquals(left, right);
  }

  /** A megabyte of zeros after known data, against hashing it. */
  @Example
  void longZeroTail() {
    byte[] data = new byte[(1 << 20) + 9];
    System.arraycopy("123456789".getBytes(), 0, data, 0, 9);
    for (ChecksumAlgorithm alg :
        List.of(ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.CRC64NVME)) {
      byte[] a = crc(alg, data, 0, 9);
      byte[] b = crc(alg, data, 9, 1 << 20);
      assertArrayEquals(crc(alg, data, 0, data.length), CrcCombine.combine(alg, a, b, 1 << 20));
    }
  }

  @Example
  void rejectsBadArguments() {
    byte[] four = new byte[4];
    byte[] eight = new byte[8];
    assertThrows(
        IllegalArgumentException.class,
        () -> CrcCombine.combine(ChecksumAlgorithm.SHA256, new byte[32], new byte[32], 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> CrcCombine.combine(ChecksumAlgorithm.SHA1, new byte[20], new byte[20], 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> CrcCombine.combine(ChecksumAlgorithm.CRC32, four, eight, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> CrcCombine.combine(ChecksumAlgorithm.CRC64NVME, four, four, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> CrcCombine.combine(ChecksumAlgorithm.CRC32C, four, four, -1));
  }
}
