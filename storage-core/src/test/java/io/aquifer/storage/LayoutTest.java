package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every k+m layout round-trips every awkward size, whole and in ranges, also degraded. */
class LayoutTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"1,1,0", "2,1,1", "3,2,1", "5,3,2", "6,4,2", "6,2,2", "7,5,2", "16,12,4"})
  void roundTrips(int drives, int k, int m) throws Exception {
    StorageConfig c = TestStores.config(dir, drives, k, m);
    int stripe = k * TestStores.BLOCK;
    int[] sizes = {
      0,
      1,
      k - 1,
      k,
      k + 1,
      4095,
      4097,
      stripe - 1,
      stripe,
      stripe + 1,
      2 * stripe + stripe / 3,
      3 * stripe - 100,
      3 * stripe + 4096 + 17
    };
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("lay");
      for (int size : sizes) {
        byte[] d = TestStores.random(size * 31L + k, size);
        s.put("lay", "o" + size, d, PutOptions.DEFAULT);
        assertArrayEquals(d, TestStores.readAll(s, "lay", "o" + size), "size " + size);
        if (size > 10) {
          int a = size / 3;
          assertArrayEquals(
              Arrays.copyOfRange(d, a, size - 3),
              TestStores.readRange(s, "lay", "o" + size, a, size - 3 - a));
        }
      }
    }
    if (m > 0) {
      for (int lost = 0; lost < m; lost++) {
        TestStores.deleteTree(c.drives().get(lost));
      }
      try (ObjectStore s = ObjectStores.open(c)) {
        for (int size : sizes) {
          byte[] d = TestStores.random(size * 31L + k, size);
          assertArrayEquals(d, TestStores.readAll(s, "lay", "o" + size), "degraded size " + size);
        }
        assertEquals(
            Arrays.stream(sizes).distinct().count(),
            s.list("lay", ListQuery.prefix("")).objects().size());
      }
    }
  }
}
