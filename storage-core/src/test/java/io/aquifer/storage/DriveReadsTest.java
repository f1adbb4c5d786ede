package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of full-size blocks go to a stripe's drives in parallel, and each drive counts what it
 * served: the figures behind {@code aquifer_drive_read_*}.
 */
class DriveReadsTest {
  private static final int BLOCK = 1 << 20;

  @TempDir Path dir;

  private StorageConfig config() {
    return TestStores.shardConfig(dir, 4, 2, 2).withBlockSize(BLOCK);
  }

  private static List<Long> bytesPerDrive(ObjectStore store) {
    List<Long> b = new ArrayList<>();
    for (DriveStatus d : store.drives()) {
      b.add(d.reads().bytes());
      assertEquals(0, d.reads().inFlight(), "no read left in flight on drive " + d.index());
    }
    return b;
  }

  @Test
  void aWholeReadTakesEachDataBlockOnceFromItsOwnDrive() {
    assertTrue(BLOCK >= StripeFetcher.PARALLEL_READ_MIN, "blocks large enough to read in parallel");
    try (ObjectStore store = ObjectStores.open(config(), false)) {
      store.createBucket("reads");
      byte[] data = TestStores.random(7, 4 * 2 * BLOCK + 1); // 4 full stripes and 1 byte
      store.put("reads", "big", data, PutOptions.DEFAULT);
      List<Long> before = bytesPerDrive(store);
      assertArrayEquals(data, TestStores.readAll(store, "reads", "big"));
      List<Long> after = bytesPerDrive(store);
      List<Long> read = new ArrayList<>();
      for (int i = 0; i < after.size(); i++) {
        read.add(after.get(i) - before.get(i));
      }
      Collections.sort(read);
      // parity drives untouched; each data drive: 4 blocks of BLOCK + CRC; the short last stripe
      // of 1 byte has blocks of ceil(1 / 2) = 1 byte, and only the first holds data to read
      long full = 4L * (BLOCK + DataRef.CRC_BYTES);
      assertEquals(List.of(0L, 0L, full, full + 1 + DataRef.CRC_BYTES), read);
      for (DriveStatus d : store.drives()) {
        assertTrue(d.reads().bytes() == 0 || d.reads().busyNanos() > 0, "busy time counted");
      }
    }
  }

  @Test
  void aLostDataShardIsReconstructedFromReadsOfTheOthers() throws Exception {
    try (ObjectStore store = ObjectStores.open(config(), false)) {
      store.createBucket("reads");
      byte[] data = TestStores.random(8, 3 * 2 * BLOCK + 12345);
      store.put("reads", "big", data, PutOptions.DEFAULT);
      // delete shard 0 (a data shard) wherever it is
      int deleted = 0;
      for (Path f : TestStores.shardFiles(config())) {
        if (f.getFileName().toString().endsWith(".0")) {
          Files.delete(f);
          deleted++;
        }
      }
      assertEquals(1, deleted);
      assertArrayEquals(data, TestStores.readAll(store, "reads", "big"));
      long drivesRead = store.drives().stream().filter(d -> d.reads().bytes() > 0).count();
      // k = 2 good blocks per stripe: the other data shard and the first parity shard
      assertEquals(2, drivesRead, "reads from the two surviving shards needed");
      assertTrue(store.stats().degradedReads() > 0);
    }
  }
}
