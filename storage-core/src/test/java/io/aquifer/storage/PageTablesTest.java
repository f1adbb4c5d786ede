package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageTablesTest {
  private static final long MIB = 1 << 20;

  /** Resident KiB of the mapping that contains {@code address}, from /proc/self/smaps. */
  private static long residentKib(long address) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
    boolean in = false;
    for (String line : lines) {
      int dash = line.indexOf('-');
      int space = line.indexOf(' ');
      if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
        long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
        long hi = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
        in = address >= lo && address < hi;
      } else if (in && line.startsWith("Rss:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no mapping at " + Long.toHexString(address));
  }

  @Test
  void releasedPagesLeaveTheResidentSetAndReadTheSameBytesAgain(@TempDir Path dir)
      throws IOException {
    Path f = dir.resolve("shard");
    ByteBuffer chunk = ByteBuffer.allocate((int) MIB);
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < 32; i++) {
        for (int j = 0; j < chunk.capacity(); j++) {
          chunk.put(j, (byte) (i * 31 + j));
        }
        chunk.clear();
        while (chunk.hasRemaining()) {
          ch.write(chunk);
        }
      }
    }
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      long before = crc(m, 0, m.byteSize());
      long touched = residentKib(m.address());
      assertTrue(touched >= 30 * 1024, "all 32 MiB read through the mapping: " + touched + " KiB");
      // an unaligned range, as a block between a header and a checksum is
      PageTables.release(m, 100, 24 * MIB + 7);
      long after = residentKib(m.address());
      assertTrue(
          after <= touched - 23 * 1024, "24 MiB released: " + touched + " -> " + after + " KiB");
      assertTrue(after >= 7 * 1024, "the rest is still mapped: " + after + " KiB");
      // nothing was discarded: the file's bytes read the same through the mapping
      assertTrue(before == crc(m, 0, m.byteSize()), "same bytes after the release");
      assertTrue(m.get(ValueLayout.JAVA_BYTE, 5 * MIB + 3) == (byte) (5 * 31 + 3));
    }
  }

  @Test
  void emptyOrInvertedRangesAreIgnored(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("small");
    Files.write(f, new byte[10]);
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      PageTables.release(m, 5, 5);
      PageTables.release(m, 8, 2);
      PageTables.release(m, 0, 10);
      assertTrue(m.get(ValueLayout.JAVA_BYTE, 9) == 0);
    }
  }

  private static long crc(MemorySegment m, long from, long to) {
    CRC32C c = new CRC32C();
    c.update(m.asSlice(from, to - from).asByteBuffer());
    return c.getValue();
  }
}
