package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad settings fail at construction, naming the setting. */
class StorageConfigTest {
  static List<Path> drives(int n) {
    List<Path> d = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      d.add(Path.of("/data/d" + i));
    }
    return d;
  }

  static void rejects(String setting, Runnable r) {
    var e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().startsWith(setting), e.getMessage());
  }

  @Test
  void defaultsFollowTheDriveCount() {
    assertArrayEquals(new int[] {1, 0}, StorageConfig.defaultLayout(1));
    assertArrayEquals(new int[] {2, 2}, StorageConfig.defaultLayout(4));
    assertArrayEquals(new int[] {4, 2}, StorageConfig.defaultLayout(6));
    assertArrayEquals(new int[] {5, 3}, StorageConfig.defaultLayout(8));
    assertArrayEquals(new int[] {12, 4}, StorageConfig.defaultLayout(16));
    for (int n = 1; n <= 16; n++) {
      StorageConfig c = StorageConfig.defaults(Path.of("/idx"), drives(n));
      assertTrue(c.dataShards() + c.parityShards() <= n);
    }
    StorageConfig c = StorageConfig.defaults(Path.of("/idx"), drives(4));
    assertEquals(1 << 20, c.blockSize());
    assertTrue(c.durable());
    assertEquals(128 << 10, c.packedMaxSize());
    assertEquals(64L << 20, c.packedSegmentSize());
    assertEquals(DirectIo.AUTO, c.directIo());
    assertEquals(DirectIo.OFF, c.withDirectIo(DirectIo.OFF).directIo());
    assertEquals(1 << 20, c.withDirectIo(DirectIo.ON).blockSize(), "the rest is kept");
  }

  @Test
  void badValuesAreRejectedWithTheirName() {
    Path idx = Path.of("/idx");
    rejects("drives", () -> StorageConfig.defaults(idx, drives(0)));
    rejects("drives", () -> StorageConfig.defaults(idx, drives(17)));
    rejects(
        "drives", () -> StorageConfig.defaults(idx, List.of(Path.of("/a"), Path.of("/a/../a"))));
    rejects("indexDir", () -> StorageConfig.defaults(Path.of("/data/d1/index"), drives(4)));
    StorageConfig ok = StorageConfig.defaults(idx, drives(4));
    rejects("dataShards + parityShards", () -> ok.withLayout(3, 2));
    rejects("dataShards", () -> ok.withLayout(0, 2));
    rejects("parityShards", () -> ok.withLayout(2, -1));
    rejects("blockSize", () -> ok.withBlockSize(1000));
    rejects("blockSize", () -> ok.withBlockSize(4097));
    rejects("maxInflightBytes", () -> ok.withMaxInflightBytes(1024));
    rejects("packedMaxSize", () -> ok.withPacking(-1, 64L << 20));
    rejects("packedMaxSize", () -> ok.withPacking(17L << 20, 64L << 20));
    rejects("packedSegmentSize", () -> ok.withPacking(4096, 1024));
    assertEquals(0, ok.withPacking(0, 64L << 20).packedMaxSize(), "0 turns packing off");
    rejects("directIo", () -> ok.withDirectIo(null));
  }
}
