package io.aquifer.storage.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Buffers, random data and the list of implementations every test runs against. */
final class CodecTestSupport {

  private CodecTestSupport() {}

  /** True in CI, where libisal2 is installed and the ISA-L tests must run, not be skipped. */
  static boolean isalRequired() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * The concrete implementations available here: scalar and vector always, ISA-L when it loads.
   * Fails in CI when ISA-L does not load, so that its tests are never skipped silently there.
   */
  static List<CodecKind> kinds() {
    List<CodecKind> kinds = new ArrayList<>(List.of(CodecKind.SCALAR, CodecKind.VECTOR));
    if (isalRequired()) {
      assertTrue(
          ErasureCodecs.isalAvailable(),
          "CI=true but ISA-L did not load: " + ErasureCodecs.isalUnavailableReason());
    }
    if (ErasureCodecs.isalAvailable()) {
      kinds.add(CodecKind.ISAL);
    }
    return kinds;
  }

  static ByteBuffer allocate(int capacity, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  /** n buffers of the given capacity, every byte random (so untouched bytes can be checked). */
  static ByteBuffer[] randomShards(int n, int capacity, boolean direct, Random random) {
    ByteBuffer[] shards = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      shards[i] = allocate(capacity, direct);
      fill(shards[i], 0, capacity, random);
    }
    return shards;
  }

  static void fill(ByteBuffer b, int from, int to, Random random) {
    byte[] bytes = new byte[to - from];
    random.nextBytes(bytes);
    b.put(from, bytes);
  }

  /** All bytes of the buffer up to its limit, by absolute index. */
  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.limit()];
    b.get(0, out);
    return out;
  }

  static byte[][] snapshot(ByteBuffer[] shards) {
    byte[][] out = new byte[shards.length][];
    for (int i = 0; i < shards.length; i++) {
      out[i] = bytes(shards[i]);
    }
    return out;
  }

  /** Deep copies with the same contents, each heap or direct as asked. */
  static ByteBuffer[] copy(ByteBuffer[] shards, boolean direct) {
    ByteBuffer[] out = new ByteBuffer[shards.length];
    for (int i = 0; i < shards.length; i++) {
      out[i] = allocate(shards[i].capacity(), direct);
      out[i].put(0, shards[i], 0, shards[i].capacity());
    }
    return out;
  }

  /** Copies where shard i is direct when bit i of {@code directMask} is set. */
  static ByteBuffer[] copyMixed(ByteBuffer[] shards, int directMask) {
    ByteBuffer[] out = new ByteBuffer[shards.length];
    for (int i = 0; i < shards.length; i++) {
      out[i] = allocate(shards[i].capacity(), (directMask & (1 << i)) != 0);
      out[i].put(0, shards[i], 0, shards[i].capacity());
    }
    return out;
  }
}
