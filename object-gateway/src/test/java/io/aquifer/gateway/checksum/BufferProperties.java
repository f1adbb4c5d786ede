package io.aquifer.gateway.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Feeding the same bytes through heap, direct, read-only, sliced and big- or little-endian buffers,
 * in random chunks, gives the digest of one {@code update(byte[])}.
 */
class BufferProperties {
  enum Kind {
    HEAP,
    HEAP_OFFSET,
    DIRECT,
    DIRECT_SLICED,
    HEAP_READ_ONLY,
    DIRECT_READ_ONLY,
    DIRECT_LITTLE_ENDIAN
  }

  @Provide
  Arbitrary<byte[]> data() {
    // Up to 16 KB: CRC64NVME folds blocks of 3 KiB in three interleaved streams, then the rest.
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(3000),
        Arbitraries.bytes().array(byte[].class).ofMinSize(3000).ofMaxSize(16000));
  }

  @Provide
  Arbitrary<List<Integer>> chunks() {
    return Arbitraries.integers().between(0, 7000).list().ofMaxSize(8);
  }

  /** A buffer of {@code kind} whose remaining bytes are {@code data[off, off+len)}. */
  static ByteBuffer buffer(Kind kind, byte[] data, int off, int len, int pad) {
    return switch (kind) {
      case HEAP -> ByteBuffer.wrap(data, off, len);
      case HEAP_OFFSET -> {
        // A slice of a larger array: arrayOffset() is not zero.
        byte[] big = new byte[pad + len + pad];
        System.arraycopy(data, off, big, pad, len);
        yield ByteBuffer.wrap(big).position(pad).slice().limit(len);
      }
      case DIRECT -> ByteBuffer.allocateDirect(len).put(data, off, len).flip();
      case DIRECT_SLICED -> {
        // Unaligned start inside a larger direct buffer, with bytes before and after.
        ByteBuffer big = ByteBuffer.allocateDirect(pad + len + pad);
        big.position(pad).put(data, off, len);
        yield big.position(pad).limit(pad + len).slice();
      }
      case HEAP_READ_ONLY -> ByteBuffer.wrap(data, off, len).asReadOnlyBuffer();
      case DIRECT_READ_ONLY ->
          ByteBuffer.allocateDirect(len).put(data, off, len).flip().asReadOnlyBuffer();
      case DIRECT_LITTLE_ENDIAN ->
          ByteBuffer.allocateDirect(len).order(ByteOrder.LITTLE_ENDIAN).put(data, off, len).flip();
    };
  }

  @Property(tries = 300)
  void buffersMatchArrays(
      @ForAll ChecksumAlgorithm alg,
      @ForAll Kind kind,
      @ForAll("data") byte[] data,
      @ForAll("chunks") List<Integer> chunks,
      @ForAll @IntRange(min = 0, max = 15) int pad) {
    Checksum whole = alg.newChecksum();
    whole.update(data, 0, data.length);
    byte[] expected = whole.digest();

    Checksum viaBuffers = alg.newChecksum();
    Checksum viaArrays = alg.newChecksum();
    int off = 0;
    for (int i = 0; off < data.length; i++) {
      int len = i < chunks.size() ? Math.min(chunks.get(i), data.length - off) : data.length - off;
      ByteBuffer b = buffer(kind, data, off, len, pad);
      int limit = b.limit();
      viaBuffers.update(b);
      assertEquals(limit, b.position());
      viaArrays.update(data, off, len);
      off += len;
    }
    assertArrayEquals(expected, viaBuffers.digest());
    assertArrayEquals(expected, viaArrays.digest());
  }

  /** Bytes outside the buffer's window (before position, after limit) never count. */
  @Property(tries = 100)
  void onlyTheRemainingBytesCount(
      @ForAll ChecksumAlgorithm alg,
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 0, max = 16000) int a,
      @ForAll @IntRange(min = 0, max = 16000) int b) {
    int from = Math.min(Math.min(a, b), data.length);
    int to = Math.min(Math.max(a, b), data.length);
    Checksum expected = alg.newChecksum();
    expected.update(data, from, to - from);
    byte[] want = expected.digest();
    for (ByteBuffer buf :
        new ByteBuffer[] {
          ByteBuffer.wrap(data).position(from).limit(to),
          ByteBuffer.allocateDirect(data.length).put(data).position(from).limit(to),
        }) {
      Checksum c = alg.newChecksum();
      c.update(buf);
      assertArrayEquals(want, c.digest());
    }
  }
}
