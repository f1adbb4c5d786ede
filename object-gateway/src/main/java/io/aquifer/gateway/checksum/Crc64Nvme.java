package io.aquifer.gateway.checksum;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * CRC-64/NVME: width 64, polynomial 0xAD93D23594C93659 (0x9A6C9329AC4BC9B5 bit-reversed), input and
 * output reflected, initial value and final xor all ones; the check value of the nine ASCII bytes
 * "123456789" is 0xAE8B14860A799888.
 *
 * <p>Table-driven, with no intrinsic to lean on, so the loop is built for instruction-level
 * parallelism:
 *
 * <ul>
 *   <li>Slicing: table {@code k} holds the register contribution of a byte followed by {@code k}
 *       zero bytes, so one step folds eight (or sixteen) input bytes with one (two) little-endian
 *       long reads and eight (sixteen) independent lookups.
 *   <li>Three streams: a block of {@code 3 * STREAM} bytes is split into three runs, each folded by
 *       slicing-by-8 in its own register, interleaved in one loop so that their lookups overlap
 *       instead of waiting on one dependency chain. The register update is linear: folding {@code
 *       M} from register {@code r} gives {@code r * x^(8|M|) + fold(0, M)} modulo the polynomial,
 *       so the three registers join as {@code ((r0 * x^(8S)) + r1) * x^(8S) + r2}, with {@code S =
 *       STREAM}. Multiplying by the constant {@code x^(8S)} is itself linear in the register's
 *       eight bytes, hence eight more lookups ({@link #SHIFT}).
 *   <li>What is left after the blocks (under {@code 3 * STREAM} bytes) goes by slicing-by-16, then
 *       byte by byte.
 * </ul>
 *
 * Heap arrays are read through a byte-array view {@link VarHandle}, buffers without an accessible
 * array (direct, read-only) through a byte-buffer view one, both little-endian whatever the
 * buffer's own byte order.
 */
final class Crc64Nvme implements Checksum {
  /** The reflected polynomial. */
  static final long POLY = 0x9A6C9329AC4BC9B5L;

  private static final VarHandle ARRAY_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle BUFFER_LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Sixteen tables of 256 entries, table {@code k} at offset {@code 256 * k}. */
  private static final long[] T = tables();

  /** Bytes per stream in a three-stream block. */
  private static final int STREAM = 1024;

  /**
   * Multiplication of a register by {@code x^(8 * STREAM)}: eight tables of 256 entries, table
   * {@code k} holding the product for the register's byte {@code k} (bits {@code 8k..8k+7}).
   */
  private static final long[] SHIFT = shiftTables();

  private long crc = -1L;

  @Override
  public void update(ByteBuffer src) {
    int pos = src.position();
    int lim = src.limit();
    if (pos >= lim) {
      return;
    }
    if (src.hasArray()) {
      crc = update(crc, src.array(), src.arrayOffset() + pos, lim - pos);
    } else {
      crc = update(crc, src, pos, lim);
    }
    src.position(lim);
  }

  @Override
  public void update(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    crc = update(crc, b, off, len);
  }

  @Override
  public byte[] digest() {
    long v = ~crc;
    crc = -1L;
    byte[] out = new byte[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) v;
      v >>>= 8;
    }
    return out;
  }

  /**
   * Advances the raw register {@code crc} (before the final xor) over {@code b[off, off+len)}.
   * Bounds are the caller's to check.
   */
  static long update(long crc, byte[] b, int off, int len) {
    final long[] t = T;
    int i = off;
    int end = off + len;
    while (end - i >= 3 * STREAM) {
      long r0 = crc;
      long r1 = 0;
      long r2 = 0;
      for (int j = i, stop = i + STREAM; j < stop; j += 8) {
        r0 = fold8(t, (long) ARRAY_LONG.get(b, j) ^ r0);
        r1 = fold8(t, (long) ARRAY_LONG.get(b, j + STREAM) ^ r1);
        r2 = fold8(t, (long) ARRAY_LONG.get(b, j + 2 * STREAM) ^ r2);
      }
      crc = shift(shift(r0) ^ r1) ^ r2;
      i += 3 * STREAM;
    }
    while (end - i >= 16) {
      long a = (long) ARRAY_LONG.get(b, i) ^ crc;
      long c = (long) ARRAY_LONG.get(b, i + 8);
      crc = fold16(t, a, c);
      i += 16;
    }
    while (i < end) {
      crc = t[(int) ((crc ^ b[i]) & 0xff)] ^ (crc >>> 8);
      i++;
    }
    return crc;
  }

  /** Advances the raw register over {@code buf[pos, lim)}, absolute indices. */
  static long update(long crc, ByteBuffer buf, int pos, int lim) {
    final long[] t = T;
    int i = pos;
    while (lim - i >= 3 * STREAM) {
      long r0 = crc;
      long r1 = 0;
      long r2 = 0;
      for (int j = i, stop = i + STREAM; j < stop; j += 8) {
        r0 = fold8(t, (long) BUFFER_LONG.get(buf, j) ^ r0);
        r1 = fold8(t, (long) BUFFER_LONG.get(buf, j + STREAM) ^ r1);
        r2 = fold8(t, (long) BUFFER_LONG.get(buf, j + 2 * STREAM) ^ r2);
      }
      crc = shift(shift(r0) ^ r1) ^ r2;
      i += 3 * STREAM;
    }
    while (lim - i >= 16) {
      long a = (long) BUFFER_LONG.get(buf, i) ^ crc;
      long c = (long) BUFFER_LONG.get(buf, i + 8);
      crc = fold16(t, a, c);
      i += 16;
    }
    while (i < lim) {
      crc = t[(int) ((crc ^ buf.get(i)) & 0xff)] ^ (crc >>> 8);
      i++;
    }
    return crc;
  }

  /** One slicing-by-8 step: {@code a} is eight input bytes already xored with the register. */
  private static long fold8(long[] t, long a) {
    return t[7 * 256 + (int) (a & 0xff)]
        ^ t[6 * 256 + (int) ((a >>> 8) & 0xff)]
        ^ t[5 * 256 + (int) ((a >>> 16) & 0xff)]
        ^ t[4 * 256 + (int) ((a >>> 24) & 0xff)]
        ^ t[3 * 256 + (int) ((a >>> 32) & 0xff)]
        ^ t[2 * 256 + (int) ((a >>> 40) & 0xff)]
        ^ t[256 + (int) ((a >>> 48) & 0xff)]
        ^ t[(int) (a >>> 56)];
  }

  /** {@code r * x^(8 * STREAM)} modulo the polynomial. */
  private static long shift(long r) {
    final long[] s = SHIFT;
    return s[(int) (r & 0xff)]
        ^ s[256 + (int) ((r >>> 8) & 0xff)]
        ^ s[2 * 256 + (int) ((r >>> 16) & 0xff)]
        ^ s[3 * 256 + (int) ((r >>> 24) & 0xff)]
        ^ s[4 * 256 + (int) ((r >>> 32) & 0xff)]
        ^ s[5 * 256 + (int) ((r >>> 40) & 0xff)]
        ^ s[6 * 256 + (int) ((r >>> 48) & 0xff)]
        ^ s[7 * 256 + (int) (r >>> 56)];
  }

  /**
   * One slicing-by-16 step: {@code a} is the first eight input bytes already xored with the
   * register, {@code c} the next eight. The byte at input offset {@code j} is followed by {@code 15
   * - j} more bytes of the block, hence looked up in table {@code 15 - j}.
   */
  private static long fold16(long[] t, long a, long c) {
    return t[15 * 256 + (int) (a & 0xff)]
        ^ t[14 * 256 + (int) ((a >>> 8) & 0xff)]
        ^ t[13 * 256 + (int) ((a >>> 16) & 0xff)]
        ^ t[12 * 256 + (int) ((a >>> 24) & 0xff)]
        ^ t[11 * 256 + (int) ((a >>> 32) & 0xff)]
        ^ t[10 * 256 + (int) ((a >>> 40) & 0xff)]
        ^ t[9 * 256 + (int) ((a >>> 48) & 0xff)]
        ^ t[8 * 256 + (int) (a >>> 56)]
        ^ t[7 * 256 + (int) (c & 0xff)]
        ^ t[6 * 256 + (int) ((c >>> 8) & 0xff)]
        ^ t[5 * 256 + (int) ((c >>> 16) & 0xff)]
        ^ t[4 * 256 + (int) ((c >>> 24) & 0xff)]
        ^ t[3 * 256 + (int) ((c >>> 32) & 0xff)]
        ^ t[2 * 256 + (int) ((c >>> 40) & 0xff)]
        ^ t[256 + (int) ((c >>> 48) & 0xff)]
        ^ t[(int) (c >>> 56)];
  }

  private static long[] tables() {
    long[] t = new long[16 * 256];
    for (int n = 0; n < 256; n++) {
      long r = n;
      for (int k = 0; k < 8; k++) {
        r = (r & 1) != 0 ? (r >>> 1) ^ POLY : r >>> 1;
      }
      t[n] = r;
    }
    for (int k = 1; k < 16; k++) {
      for (int n = 0; n < 256; n++) {
        long prev = t[(k - 1) * 256 + n];
        t[k * 256 + n] = (prev >>> 8) ^ t[(int) (prev & 0xff)];
      }
    }
    return t;
  }

  private static long[] shiftTables() {
    CrcCombine.Field f = CrcCombine.CRC64NVME;
    long factor = f.xPow8n(STREAM);
    long[] s = new long[8 * 256];
    for (int k = 0; k < 8; k++) {
      for (int v = 0; v < 256; v++) {
        s[k * 256 + v] = f.multiply((long) v << (8 * k), factor);
      }
    }
    return s;
  }
}
