package io.aquifer.storage.codec;

import static io.aquifer.storage.codec.CodecTestSupport.bytes;
import static io.aquifer.storage.codec.CodecTestSupport.copy;
import static io.aquifer.storage.codec.CodecTestSupport.copyMixed;
import static io.aquifer.storage.codec.CodecTestSupport.kinds;
import static io.aquifer.storage.codec.CodecTestSupport.randomShards;
import static io.aquifer.storage.codec.CodecTestSupport.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every implementation produces byte-identical parity to the scalar reference, touches nothing
 * outside {@code [offset, offset + length)}, and treats heap, direct and mixed buffers alike.
 */
class CrossCheckTest {

  static Stream<Arguments> configs() {
    int[][] shapes = {{4, 2}, {8, 3}, {12, 4}, {1, 1}, {2, 2}, {5, 0}, {1, 15}, {15, 1}, {10, 6}};
    int[] lengths = {1, 15, 63, 64, 65, 127, 1000, 4099, 65_537, 1 << 20};
    return Arrays.stream(shapes)
        .flatMap(s -> Arrays.stream(lengths).mapToObj(len -> Arguments.of(s[0], s[1], len)));
  }

  @ParameterizedTest(name = "RS({0},{1}) length {2}")
  @MethodSource("configs")
  void parityIdenticalAcrossImplementations(int k, int m, int length) {
    check(k, m, length, 5, true, 7 * k + 31 * m + length);
    check(k, m, length, 0, false, 11 * k + 3 * m + length);
  }

  @Property(tries = 150)
  void randomShapesAgree(
      @ForAll @IntRange(min = 1, max = 16) int k,
      @ForAll @IntRange(min = 0, max = 15) int mRaw,
      @ForAll @IntRange(min = 1, max = 9000) int length,
      @ForAll @IntRange(min = 0, max = 200) int offset,
      @ForAll boolean direct,
      @ForAll long seed) {
    int m = mRaw % (17 - k);
    check(k, m, length, offset, direct, seed);
  }

  @Property(tries = 40)
  void mixedHeapAndDirectAgree(
      @ForAll @IntRange(min = 1, max = 12) int k,
      @ForAll @IntRange(min = 1, max = 4) int m,
      @ForAll @IntRange(min = 1, max = 100_000) int length,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int directMask,
      @ForAll long seed) {
    Random random = new Random(seed);
    ByteBuffer[] shards = randomShards(k + m, length + 3, true, random);
    ByteBuffer[] reference = copy(shards, false);
    ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(reference, 3, length);
    for (CodecKind kind : kinds()) {
      ByteBuffer[] mixed = copyMixed(shards, directMask);
      ErasureCodecs.create(kind, k, m).encode(mixed, 3, length);
      for (int i = 0; i < k + m; i++) {
        assertArrayEquals(bytes(reference[i]), bytes(mixed[i]), kind + " shard " + i);
      }
    }
  }

  /**
   * Encodes the same random shards with every implementation and compares whole buffers: parity
   * inside the range must equal the scalar result, every other byte must be as it was.
   */
  private static void check(int k, int m, int length, int offset, boolean direct, long seed) {
    Random random = new Random(seed);
    int capacity = offset + length + 17;
    ByteBuffer[] original = randomShards(k + m, capacity, direct, random);
    byte[][] before = snapshot(original);

    ByteBuffer[] reference = copy(original, direct);
    ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(reference, offset, length);
    byte[][] expected = snapshot(reference);
    for (int i = 0; i < k + m; i++) {
      assertTrue(
          Arrays.equals(before[i], 0, offset, expected[i], 0, offset)
              && Arrays.equals(
                  before[i], offset + length, capacity, expected[i], offset + length, capacity),
          "scalar touched bytes outside the range in shard " + i);
      if (i < k) {
        assertArrayEquals(before[i], expected[i], "scalar changed data shard " + i);
      }
    }

    for (CodecKind kind : kinds()) {
      for (boolean asDirect : new boolean[] {direct, !direct}) {
        ByteBuffer[] shards = copy(original, asDirect);
        shards[0].position(Math.min(3, capacity)).limit(capacity);
        ErasureCodec codec = ErasureCodecs.create(kind, k, m);
        codec.encode(shards, offset, length);
        assertEquals(Math.min(3, capacity), shards[0].position(), "position changed");
        for (int i = 0; i < k + m; i++) {
          assertArrayEquals(
              expected[i],
              bytes(shards[i]),
              kind + (asDirect ? " direct" : " heap") + " RS(" + k + "," + m + ") shard " + i);
        }
      }
    }
  }

  private static void assertTrue(boolean condition, String message) {
    org.junit.jupiter.api.Assertions.assertTrue(condition, message);
  }
}
