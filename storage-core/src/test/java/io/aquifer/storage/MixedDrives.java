package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * For {@link DirectIoTest}: a store with drives 0 and 1 in {@code ext} (direct) and drives 2 and 3
 * in {@code other}, whose file system may or may not take O_DIRECT. Also a child process's main,
 * run with {@code other} on a ramfs; prints "MIXED OK" when every check passed.
 */
public final class MixedDrives {
  private MixedDrives() {}

  static final int[] SIZES = {0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 5 * 8192 + 777};

  /** Arguments: the directory on the other file system, and one on the test's own. */
  public static void main(String[] args) throws IOException {
    check(Path.of(args[0]), Path.of(args[1]), false);
    System.out.println("MIXED OK");
  }

  static StorageConfig config(List<Path> drives, Path index, DirectIo mode) {
    return TestStores.config(drives, index, 2, 2)
        .withPacking(0, StorageConfig.DEFAULT_PACKED_SEGMENT_SIZE)
        .withDirectIo(mode);
  }

  /**
   * Checks the mixed store: the modes the drives chose, objects around the boundaries read back,
   * and again with one drive of each kind lost; under ON, when {@code other} refuses O_DIRECT, the
   * open fails with DRIVE_IO_ERROR naming the drive.
   */
  static void check(Path other, Path ext, boolean otherDirect) throws IOException {
    List<Path> drives =
        List.of(ext.resolve("d0"), ext.resolve("d1"), other.resolve("d2"), other.resolve("d3"));
    StorageConfig auto =
        TestStores.config(drives, ext.resolve("index"), 2, 2)
            .withPacking(0, StorageConfig.DEFAULT_PACKED_SEGMENT_SIZE);
    assertEquals(DirectIo.AUTO, auto.directIo(), "AUTO is the default");
    List<byte[]> objects = new ArrayList<>();
    try (ObjectStore s = ObjectStores.open(auto)) {
      LocalObjectStore local = (LocalObjectStore) s;
      assertTrue(local.core().drives.get(0).direct());
      assertTrue(local.core().drives.get(1).direct());
      assertEquals(otherDirect, local.core().drives.get(2).direct());
      assertEquals(otherDirect, local.core().drives.get(3).direct());
      s.createBucket("mixed");
      for (int size : SIZES) {
        byte[] data = TestStores.random(size, size);
        objects.add(data);
        s.put("mixed", "k-" + size, data, PutOptions.DEFAULT);
        assertArrayEquals(data, TestStores.readAll(s, "mixed", "k-" + size));
      }
    }
    // one drive of each kind lost: a direct and a buffered shard serve every stripe
    TestStores.deleteTree(drives.get(0));
    TestStores.deleteTree(drives.get(3));
    try (ObjectStore s = ObjectStores.open(auto)) {
      for (int i = 0; i < SIZES.length; i++) {
        assertArrayEquals(objects.get(i), TestStores.readAll(s, "mixed", "k-" + SIZES[i]));
      }
      assertTrue(s.stats().degradedReads() > 0);
    }
    if (otherDirect) {
      return;
    }
    StorageException e =
        assertThrows(
            StorageException.class, () -> ObjectStores.open(auto.withDirectIo(DirectIo.ON)));
    assertEquals(StatusCode.DRIVE_IO_ERROR, e.status());
    assertTrue(e.getMessage().contains("refuses O_DIRECT"), e.getMessage());
    assertTrue(e.getMessage().contains(drives.get(2).toString()), e.getMessage());
    // the failed open closed the index: the store opens again
    try (ObjectStore s = ObjectStores.open(auto)) {
      assertArrayEquals(objects.get(1), TestStores.readAll(s, "mixed", "k-1"));
    }
  }
}
