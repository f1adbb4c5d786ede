package io.aquifer.storage.codec;

import static io.aquifer.storage.codec.CodecTestSupport.bytes;
import static io.aquifer.storage.codec.CodecTestSupport.copy;
import static io.aquifer.storage.codec.CodecTestSupport.kinds;
import static io.aquifer.storage.codec.CodecTestSupport.randomShards;
import static io.aquifer.storage.codec.CodecTestSupport.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The factory, argument checking, the ISA-L fallback and concurrent use. */
class ErasureCodecsTest {

  private static final IsalLibrary.Load MISSING =
      IsalLibrary.load(List.of("aquifer-no-such-library-xyz"));

  @ParameterizedTest(name = "RS({0},{1}) is rejected")
  @CsvSource({"0, 1", "-1, 2", "1, -1", "17, 0", "10, 7", "16, 1", "0, 0"})
  void badShapesAreRejected(int k, int m) {
    for (CodecKind kind : CodecKind.values()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ErasureCodecs.create(kind, k, m));
      assertTrue(e.getMessage().contains("RS(" + k + "," + m + ")"), e.getMessage());
    }
  }

  @Test
  void edgeShapesAreAccepted() {
    for (CodecKind kind : kinds()) {
      assertEquals(16, ErasureCodecs.create(kind, 16, 0).dataShards());
      assertEquals(15, ErasureCodecs.create(kind, 1, 15).parityShards());
      assertEquals(
          kind.name().toLowerCase(java.util.Locale.ROOT), ErasureCodecs.create(kind, 1, 1).name());
    }
  }

  @Test
  void isalWhenTheLibraryIsMissingIsAClearError() {
    assertFalse(MISSING.available());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> ErasureCodecs.create(CodecKind.ISAL, 4, 2, MISSING));
    assertTrue(e.getMessage().contains("ISA-L"), e.getMessage());
    assertTrue(e.getMessage().contains("aquifer-no-such-library-xyz"), e.getMessage());
  }

  @Test
  void autoFallsBackToVectorWhenTheLibraryIsMissing() {
    ErasureCodec codec = ErasureCodecs.create(CodecKind.AUTO, 4, 2, MISSING);
    assertEquals("vector", codec.name());
    assertEquals(CodecKind.VECTOR, ErasureCodecs.resolve(CodecKind.AUTO, MISSING));
  }

  @Test
  void isalLoadsWhereInstalledAndIsMandatoryInCi() {
    if (CodecTestSupport.isalRequired()) {
      assertTrue(ErasureCodecs.isalAvailable(), ErasureCodecs.isalUnavailableReason());
    }
    assumeTrue(ErasureCodecs.isalAvailable(), "ISA-L not installed here (CI requires it)");
    assertEquals(CodecKind.ISAL, ErasureCodecs.resolve(CodecKind.AUTO));
    assertEquals("isal", ErasureCodecs.create(CodecKind.AUTO, 8, 3).name());
    assertEquals(null, ErasureCodecs.isalUnavailableReason());
    // The runtime soname alone, as a machine with only libisal2 (no -dev symlink) has it.
    assertTrue(IsalLibrary.load(List.of("libisal.so.2")).available());
  }

  @ParameterizedTest
  @EnumSource(
      value = CodecKind.class,
      names = {"SCALAR", "VECTOR", "ISAL"})
  void fewerThanKPresentIsRejected(CodecKind kind) {
    assumeKind(kind);
    ErasureCodec codec = ErasureCodecs.create(kind, 4, 2);
    ByteBuffer[] shards = randomShards(6, 100, true, new Random(1));
    boolean[] present = {true, false, true, false, false, true};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> codec.reconstruct(shards, present, 0, 100));
    assertTrue(e.getMessage().contains("3 shards present"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(
      value = CodecKind.class,
      names = {"SCALAR", "VECTOR", "ISAL"})
  void badBuffersAreRejectedBeforeAnyWrite(CodecKind kind) {
    assumeKind(kind);
    ErasureCodec codec = ErasureCodecs.create(kind, 3, 2);
    ByteBuffer[] shards = randomShards(5, 64, true, new Random(2));
    byte[][] before = snapshot(shards);
    assertThrows(
        IllegalArgumentException.class, () -> codec.encode(Arrays.copyOf(shards, 4), 0, 8));
    assertThrows(IllegalArgumentException.class, () -> codec.encode(shards, 60, 5));
    assertThrows(IllegalArgumentException.class, () -> codec.encode(shards, -1, 5));
    assertThrows(IllegalArgumentException.class, () -> codec.encode(shards, 0, -5));
    ByteBuffer[] withNull = shards.clone();
    withNull[4] = null;
    assertThrows(IllegalArgumentException.class, () -> codec.encode(withNull, 0, 8));
    ByteBuffer[] readOnlyParity = shards.clone();
    readOnlyParity[3] = shards[3].asReadOnlyBuffer();
    assertThrows(IllegalArgumentException.class, () -> codec.encode(readOnlyParity, 0, 8));
    ByteBuffer[] shortLimit = shards.clone();
    shortLimit[1] = shards[1].duplicate().limit(10);
    assertThrows(IllegalArgumentException.class, () -> codec.encode(shortLimit, 0, 11));
    assertThrows(
        IllegalArgumentException.class,
        () -> codec.reconstruct(shards, new boolean[] {true, true, true, true}, 0, 8));
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(before[i], bytes(shards[i]), "shard " + i + " written");
    }
  }

  @Test
  void noParityIsANoOpAndNothingLostIsANoOp() {
    for (CodecKind kind : kinds()) {
      ByteBuffer[] shards = randomShards(5, 300, true, new Random(3));
      byte[][] before = snapshot(shards);
      ErasureCodecs.create(kind, 5, 0).encode(shards, 0, 300);
      ErasureCodecs.create(kind, 3, 2)
          .reconstruct(shards, new boolean[] {true, true, true, true, true}, 0, 300);
      ErasureCodecs.create(kind, 3, 2).encode(shards, 10, 0);
      for (int i = 0; i < 5; i++) {
        assertArrayEquals(before[i], bytes(shards[i]), kind + " shard " + i);
      }
    }
  }

  @Test
  void readOnlyInputsSlicesAndPositionsAreHonoured() {
    Random random = new Random(4);
    ByteBuffer[] base = randomShards(6, 5000, true, random);
    ByteBuffer[] reference = copy(base, false);
    ErasureCodecs.create(CodecKind.SCALAR, 4, 2).encode(reference, 100, 4000);
    for (CodecKind kind : kinds()) {
      for (boolean direct : new boolean[] {true, false}) {
        // Each shard is a slice at a different offset into a larger buffer, inputs read-only.
        ByteBuffer[] shards = new ByteBuffer[6];
        for (int i = 0; i < 6; i++) {
          ByteBuffer big = CodecTestSupport.allocate(5000 + 64 * i + 3, direct);
          ByteBuffer slice = big.slice(64 * i + 3, 5000);
          slice.put(0, base[i], 0, 5000);
          shards[i] = i < 4 ? slice.asReadOnlyBuffer() : slice;
          shards[i].position(17).limit(4900);
        }
        ErasureCodecs.create(kind, 4, 2).encode(shards, 100, 4000);
        for (int i = 0; i < 6; i++) {
          assertEquals(17, shards[i].position());
          assertEquals(4900, shards[i].limit());
          byte[] got = new byte[4900];
          shards[i].get(0, got);
          assertArrayEquals(Arrays.copyOf(bytes(reference[i]), 4900), got, kind + " shard " + i);
        }
      }
    }
  }

  @Test
  void oneCodecIsSafeToShareAcrossThreads() throws Exception {
    int k = 6;
    int m = 3;
    int length = 200_000;
    List<ByteBuffer[]> inputs = new ArrayList<>();
    List<byte[][]> expected = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      ByteBuffer[] shards = randomShards(k + m, length, t % 2 == 0, new Random(100 + t));
      ByteBuffer[] ref = copy(shards, false);
      ErasureCodecs.create(CodecKind.SCALAR, k, m).encode(ref, 0, length);
      inputs.add(shards);
      expected.add(snapshot(ref));
    }
    for (CodecKind kind : kinds()) {
      ErasureCodec codec = ErasureCodecs.create(kind, k, m);
      for (ExecutorService pool :
          List.of(Executors.newFixedThreadPool(4), Executors.newVirtualThreadPerTaskExecutor())) {
        try (pool) {
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < 8; t++) {
            int task = t;
            futures.add(
                pool.submit(
                    () -> {
                      for (int round = 0; round < 10; round++) {
                        ByteBuffer[] shards = copy(inputs.get(task), task % 2 == 0);
                        boolean[] present = new boolean[k + m];
                        Arrays.fill(present, true);
                        present[(task + round) % (k + m)] = false;
                        present[(task + round + 4) % (k + m)] = false;
                        codec.encode(shards, 0, length);
                        codec.reconstruct(shards, present, 0, length);
                        for (int i = 0; i < k + m; i++) {
                          assertArrayEquals(expected.get(task)[i], bytes(shards[i]));
                        }
                      }
                      return null;
                    }));
          }
          for (Future<?> f : futures) {
            f.get();
          }
        }
      }
    }
  }

  private static void assumeKind(CodecKind kind) {
    assumeTrue(kinds().contains(kind), kind + " not available here");
  }
}
