package io.aquifer.gateway.checksum;

/**
 * Combines CRCs of concatenated data: the CRC of {@code A||B} from the CRCs of {@code A} and {@code
 * B} and the length of {@code B}, without the data. Used for multipart uploads with a {@code
 * FULL_OBJECT} checksum, where the object's CRC is built from the parts' CRCs.
 *
 * <h2>The math</h2>
 *
 * Read a message {@code M} of {@code n} bytes as a polynomial over GF(2), and let {@code L(M) =
 * M(x) * x^w mod P} be the CRC of width {@code w} with zero initial value and zero final xor. It is
 * linear, and appending {@code B} shifts {@code A} up by {@code 8|B|} bits: {@code L(A||B) = L(A) *
 * x^(8|B|) + L(B) mod P}. An initial register {@code I} contributes {@code I * x^(8|M|)} and the
 * final xor {@code X} is added at the end, so {@code crc(M) = L(M) + I * x^(8|M|) + X}. Then
 *
 * <pre>
 * crc(A||B) = (crc(A) + X + I) * x^(8|B|) + crc(B)      (mod P, + is xor)
 * </pre>
 *
 * and for CRC32, CRC32C and CRC64NVME {@code I = X} (all ones), so {@code crc(A||B) = crc(A) *
 * x^(8|B|) + crc(B)}. The factor {@code x^(8|B|) mod P} is a product of the precomputed powers
 * {@code x^(2^k) mod P} for the set bits of {@code 8|B|}: O(log |B|) multiplications, each {@code
 * w} shift-and-add steps.
 *
 * <p>All three CRCs are reflected: in a register, the most significant bit of the {@code w}-bit
 * value is the coefficient of {@code x^0} and the least significant one that of {@code x^(w-1)}, so
 * multiplying by {@code x} is a right shift, reduced by xoring in the reflected polynomial when a
 * bit falls off the low end.
 */
public final class CrcCombine {
  private static final Field CRC32 = new Field(32, 0xEDB88320L);
  private static final Field CRC32C = new Field(32, 0x82F63B78L);

  /** Package-private: {@link Crc64Nvme} builds its stream-joining tables with it. */
  static final Field CRC64NVME = new Field(64, Crc64Nvme.POLY);

  private CrcCombine() {}

  /**
   * The CRC of {@code A||B}, given the CRCs of {@code A} and {@code B} as big-endian digests (as
   * {@link Checksum#digest()} returns them) and the length of {@code B} in bytes.
   *
   * @param alg a CRC algorithm ({@link ChecksumAlgorithm#isCrc()})
   * @param crcA the CRC of {@code A}, {@code alg.digestLength()} bytes
   * @param crcB the CRC of {@code B}, {@code alg.digestLength()} bytes
   * @param lengthB the length of {@code B}, zero or more
   * @return the CRC of {@code A||B}, {@code alg.digestLength()} fresh bytes
   * @throws IllegalArgumentException if {@code alg} is not a CRC, a digest has the wrong length or
   *     {@code lengthB} is negative
   */
  public static byte[] combine(ChecksumAlgorithm alg, byte[] crcA, byte[] crcB, long lengthB) {
    Field f =
        switch (alg) {
          case CRC32 -> CRC32;
          case CRC32C -> CRC32C;
          case CRC64NVME -> CRC64NVME;
          case SHA1, SHA256 -> throw new IllegalArgumentException(alg + " is not a CRC");
        };
    int n = alg.digestLength();
    if (crcA.length != n || crcB.length != n) {
      throw new IllegalArgumentException(
          alg + " digests are " + n + " bytes, got " + crcA.length + " and " + crcB.length);
    }
    if (lengthB < 0) {
      throw new IllegalArgumentException("negative length " + lengthB);
    }
    long a = toLong(crcA);
    long b = toLong(crcB);
    long r = f.multiply(a, f.xPow8n(lengthB)) ^ b;
    byte[] out = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      out[i] = (byte) r;
      r >>>= 8;
    }
    return out;
  }

  private static long toLong(byte[] be) {
    long v = 0;
    for (byte x : be) {
      v = (v << 8) | (x & 0xff);
    }
    return v;
  }

  /** GF(2)[x] modulo a CRC polynomial, in the reflected representation of a {@code w}-bit CRC. */
  static final class Field {
    private final long poly;

    /** The element 1 (x^0): the top bit of the w-bit register. */
    private final long one;

    /** {@code pow[k] = x^(2^(k+3)) mod P}, so {@code pow[k]} is x^(8 * 2^k). */
    private final long[] pow = new long[63];

    Field(int width, long poly) {
      this.poly = poly;
      this.one = 1L << (width - 1);
      long p = one >>> 1; // x^1
      for (int k = 0; k < 3; k++) {
        p = multiply(p, p); // x^2, x^4, x^8
      }
      for (int k = 0; k < pow.length; k++) {
        pow[k] = p;
        p = multiply(p, p);
      }
    }

    /** {@code a * b mod P}. */
    long multiply(long a, long b) {
      long product = 0;
      for (long m = one; m != 0; m >>>= 1) {
        // m walks a's coefficients from x^0 upwards while b is multiplied by x in step.
        if ((a & m) != 0) {
          product ^= b;
        }
        b = (b & 1) != 0 ? (b >>> 1) ^ poly : b >>> 1;
      }
      return product;
    }

    /** {@code x^(8n) mod P} for {@code n >= 0}. */
    long xPow8n(long n) {
      long r = one;
      for (int k = 0; n != 0; k++, n >>>= 1) {
        if ((n & 1) != 0) {
          r = multiply(r, pow[k]);
        }
      }
      return r;
    }
  }
}
