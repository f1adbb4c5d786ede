package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ObjectReader#takeRemaining}: a packed object's reader hands out exactly the rest of its
 * range (whole, ranged, after a partial read), which stays intact after close and after the key is
 * overwritten; a striped object's reader has nothing in memory to give.
 */
class TakeRemainingTest {
  @TempDir Path dir;
  ObjectStore store;

  @BeforeEach
  void open() {
    store = ObjectStores.open(TestStores.config(dir, 4, 2, 2).withPacking(128L << 10, 1L << 20));
    store.createBucket("bkt", "o");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void packedReadersHandOutTheirRange() {
    byte[] data = TestStores.random(7, 4096);
    store.put("bkt", "k", data, PutOptions.DEFAULT);
    ByteBuffer whole;
    try (ObjectReader r = store.get("bkt", "k", 0, -1)) {
      whole = r.takeRemaining();
      assertNotNull(whole);
      assertEquals(-1, r.read(ByteBuffer.allocate(10)));
      assertEquals(0, r.takeRemaining().remaining());
    }
    store.put("bkt", "k", TestStores.random(8, 4096), PutOptions.DEFAULT);
    assertArrayEquals(data, bytes(whole));

    try (ObjectReader r = store.get("bkt", "k", 100, 1000)) {
      assertArrayEquals(
          Arrays.copyOfRange(TestStores.random(8, 4096), 100, 1100), bytes(r.takeRemaining()));
    }
    try (ObjectReader r = store.get("bkt", "k", 4000, -1)) {
      ByteBuffer first = ByteBuffer.allocate(50);
      assertEquals(50, r.read(first));
      assertArrayEquals(
          Arrays.copyOfRange(TestStores.random(8, 4096), 4050, 4096), bytes(r.takeRemaining()));
    }
    ObjectReader closed = store.get("bkt", "k", 0, -1);
    closed.close();
    assertThrows(IllegalStateException.class, closed::takeRemaining);
  }

  @Test
  void stripedReadersHaveNothingInMemory() {
    byte[] big = TestStores.random(9, 300 << 10);
    store.put("bkt", "big", big, PutOptions.DEFAULT);
    try (ObjectReader r = store.get("bkt", "big", 0, -1)) {
      assertNull(r.takeRemaining());
      assertArrayEquals(big, TestStores.readAll(store, "bkt", "big"));
    }
  }
}
