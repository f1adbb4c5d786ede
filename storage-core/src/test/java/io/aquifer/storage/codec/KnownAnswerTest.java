package io.aquifer.storage.codec;

import static io.aquifer.storage.codec.CodecTestSupport.bytes;
import static io.aquifer.storage.codec.CodecTestSupport.kinds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Fixed answers, so that the field, the matrix or the kernels can never change silently. The parity
 * vectors were computed by a C program against ISA-L 2.30 ({@code gf_gen_cauchy1_matrix}, {@code
 * ec_init_tables}, {@code ec_encode_data}) with data byte b of shard i equal to {@code i * 37 + b *
 * 11 + 1}; the field facts are checked by hand below.
 */
class KnownAnswerTest {

  private static final int[][] RS_4_2 = {
    {0x69, 0x3c, 0x4e, 0xfe, 0xcc, 0xf1, 0x57, 0xd0},
    {0x08, 0x53, 0xf0, 0x84, 0xb8, 0x87, 0xe5, 0xf1},
  };

  private static final int[][] RS_10_4 = {
    {0x6c, 0x6d, 0xb1, 0x11, 0x1a, 0x8c, 0x0e, 0xc7},
    {0xb7, 0xa8, 0xdb, 0x94, 0x96, 0x7a, 0x5b, 0x3c},
    {0xc1, 0xb8, 0x90, 0xd9, 0x25, 0xfd, 0x17, 0x95},
    {0x48, 0xf5, 0x52, 0xd3, 0xa3, 0x52, 0xbe, 0xb9},
  };

  @Test
  void fieldFactsCheckedByHand() {
    // x^8 = x^4 + x^3 + x^2 + 1 (0x11D): 2 * 0x80 = 0x100 ^ 0x11D = 0x1D.
    assertEquals(0x1D, Gf.mul(2, 0x80));
    // 2 * 0x8E = 0x11C, reduced: 0x11C ^ 0x11D = 1, so inv(2) = 0x8E.
    assertEquals(1, Gf.mul(2, 0x8E));
    assertEquals(0x8E, Gf.inv(2));
    // 4 * 0x47 = 0x11C, reduced to 1: inv(4) = 0x47, the first Cauchy coefficient for k = 4.
    assertEquals(0x47, Gf.inv(4));
    assertEquals(0, Gf.inv(0));
  }

  @Test
  void productTableMatchesShiftAndAddMultiplication() {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        assertEquals(carrylessMul(a, b), Gf.mul(a, b), a + " * " + b);
      }
      if (a != 0) {
        assertEquals(1, Gf.mul(a, Gf.inv(a)), "inverse of " + a);
      }
    }
  }

  @Test
  void cauchyMatrixIsIsal() {
    byte[] a = Gf.cauchyMatrix(4, 2);
    int[] parityRows = {0x47, 0xa7, 0x7a, 0xba, 0xa7, 0x47, 0xba, 0x7a};
    for (int i = 0; i < 16; i++) {
      assertEquals(i % 5 == 0 ? 1 : 0, a[i], "identity at " + i);
    }
    for (int i = 0; i < parityRows.length; i++) {
      assertEquals(parityRows[i], a[16 + i] & 0xFF, "parity coefficient " + i);
    }
  }

  @Test
  void parityOfEveryImplementationMatchesIsal() {
    for (CodecKind kind : kinds()) {
      assertParity(kind, 4, 2, RS_4_2);
      assertParity(kind, 10, 4, RS_10_4);
    }
  }

  @Test
  void inverseTimesMatrixIsIdentity() {
    byte[] a = Gf.cauchyMatrix(5, 3);
    byte[] sub = new byte[25];
    int[] rows = {0, 2, 5, 6, 7};
    for (int r = 0; r < 5; r++) {
      System.arraycopy(a, rows[r] * 5, sub, r * 5, 5);
    }
    byte[] inv = Gf.invert(sub, 5);
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        int acc = 0;
        for (int x = 0; x < 5; x++) {
          acc ^= Gf.mul(sub[i * 5 + x], inv[x * 5 + j]);
        }
        assertEquals(i == j ? 1 : 0, acc);
      }
    }
  }

  private static void assertParity(CodecKind kind, int k, int m, int[][] expected) {
    ByteBuffer[] shards = new ByteBuffer[k + m];
    for (int i = 0; i < k + m; i++) {
      shards[i] = ByteBuffer.allocateDirect(8);
      if (i < k) {
        for (int b = 0; b < 8; b++) {
          shards[i].put(b, (byte) (i * 37 + b * 11 + 1));
        }
      }
    }
    ErasureCodecs.create(kind, k, m).encode(shards, 0, 8);
    for (int p = 0; p < m; p++) {
      byte[] want = new byte[8];
      for (int b = 0; b < 8; b++) {
        want[b] = (byte) expected[p][b];
      }
      assertArrayEquals(want, bytes(shards[k + p]), kind + " RS(" + k + "," + m + ") parity " + p);
    }
  }

  /** Multiplication written out as shift-and-add with reduction, independent of the tables. */
  private static int carrylessMul(int a, int b) {
    int product = 0;
    for (int i = 0; i < 8; i++) {
      if ((b & (1 << i)) != 0) {
        product ^= a << i;
      }
    }
    for (int bit = 14; bit >= 8; bit--) {
      if ((product & (1 << bit)) != 0) {
        product ^= 0x11D << (bit - 8);
      }
    }
    return product;
  }
}
