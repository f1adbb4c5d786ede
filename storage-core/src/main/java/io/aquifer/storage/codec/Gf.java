package io.aquifer.storage.codec;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2, the
 * field ISA-L uses, and the few matrix operations the codec needs. Matrices are row-major {@code
 * byte[]}s.
 */
final class Gf {

  /** The reducing polynomial, as ISA-L's {@code gf_mul}. */
  static final int POLYNOMIAL = 0x11D;

  /** {@code EXP[i] = 2^i}, doubled in length so that {@code EXP[log a + log b]} needs no mod. */
  private static final byte[] EXP = new byte[512];

  /** {@code LOG[a]} for a != 0; {@code LOG[0]} is unused. */
  private static final int[] LOG = new int[256];

  /** {@code MUL[(a << 8) | b] = a * b}: the full 64 KiB product table. */
  private static final byte[] MUL = new byte[256 * 256];

  static {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = (byte) x;
      EXP[i + 255] = (byte) x;
      LOG[x] = i;
      x <<= 1;
      if ((x & 0x100) != 0) {
        x ^= POLYNOMIAL;
      }
    }
    EXP[510] = EXP[0];
    EXP[511] = EXP[1];
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        MUL[(a << 8) | b] = (byte) slowMul(a, b);
      }
    }
  }

  private Gf() {}

  private static int slowMul(int a, int b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return EXP[LOG[a] + LOG[b]] & 0xFF;
  }

  /** The product of two field elements given as unsigned bytes 0..255. */
  static int mul(int a, int b) {
    return MUL[((a & 0xFF) << 8) | (b & 0xFF)] & 0xFF;
  }

  /**
   * The multiplicative inverse; 0 for 0, as ISA-L's {@code gf_inv}, so callers must not rely on it
   * for 0.
   */
  static int inv(int a) {
    a &= 0xFF;
    if (a == 0) {
      return 0;
    }
    return EXP[255 - LOG[a]] & 0xFF;
  }

  /**
   * The 256 products of {@code c} with every byte: the row of the full table that a scalar loop
   * indexes. The returned array is a copy.
   */
  static byte[] mulRow(int c) {
    byte[] row = new byte[256];
    System.arraycopy(MUL, (c & 0xFF) << 8, row, 0, 256);
    return row;
  }

  /** The shared 64 KiB table, indexed {@code (a << 8) | b}. Callers must not modify it. */
  static byte[] mulTable() {
    return MUL;
  }

  /**
   * The systematic (k + m) x k encoding matrix of ISA-L's {@code gf_gen_cauchy1_matrix}: identity
   * on top, then {@code inv(i ^ j)} for parity row i in k..k+m-1 and column j in 0..k-1.
   */
  static byte[] cauchyMatrix(int k, int m) {
    byte[] a = new byte[(k + m) * k];
    for (int i = 0; i < k; i++) {
      a[i * k + i] = 1;
    }
    for (int i = k; i < k + m; i++) {
      for (int j = 0; j < k; j++) {
        a[i * k + j] = (byte) inv(i ^ j);
      }
    }
    return a;
  }

  /**
   * The inverse of an n x n matrix by Gauss-Jordan elimination.
   *
   * @throws IllegalArgumentException if the matrix is singular (never for a square sub-matrix of
   *     the Cauchy encoding matrix)
   */
  static byte[] invert(byte[] matrix, int n) {
    byte[] a = matrix.clone();
    byte[] out = new byte[n * n];
    for (int i = 0; i < n; i++) {
      out[i * n + i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      while (pivot < n && a[pivot * n + col] == 0) {
        pivot++;
      }
      if (pivot == n) {
        throw new IllegalArgumentException("singular matrix");
      }
      if (pivot != col) {
        swapRows(a, n, pivot, col);
        swapRows(out, n, pivot, col);
      }
      int scale = inv(a[col * n + col]);
      for (int j = 0; j < n; j++) {
        a[col * n + j] = (byte) mul(scale, a[col * n + j]);
        out[col * n + j] = (byte) mul(scale, out[col * n + j]);
      }
      for (int row = 0; row < n; row++) {
        int factor = a[row * n + col] & 0xFF;
        if (row == col || factor == 0) {
          continue;
        }
        for (int j = 0; j < n; j++) {
          a[row * n + j] ^= (byte) mul(factor, a[col * n + j]);
          out[row * n + j] ^= (byte) mul(factor, out[col * n + j]);
        }
      }
    }
    return out;
  }

  private static void swapRows(byte[] a, int n, int r1, int r2) {
    for (int j = 0; j < n; j++) {
      byte t = a[r1 * n + j];
      a[r1 * n + j] = a[r2 * n + j];
      a[r2 * n + j] = t;
    }
  }
}
