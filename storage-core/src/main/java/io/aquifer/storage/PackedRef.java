package io.aquifer.storage;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Where a packed object lives: the same self-describing record (see {@link PackedFormat}) appended
 * to a segment file on each of several drives.
 *
 * @param id 16 random bytes naming the object's data (as a {@link DataRef} id does)
 * @param size data bytes
 * @param recordLength bytes of the whole record in a segment, the same in every copy
 * @param copies the copies, on distinct drives when written
 */
record PackedRef(byte[] id, long size, int recordLength, List<Copy> copies) {

  /**
   * One copy of the record.
   *
   * @param drive drive index
   * @param segment segment file id on that drive
   * @param offset byte offset of the record in the segment file
   */
  record Copy(int drive, long segment, long offset) {}

  PackedRef {
    copies = List.copyOf(copies);
  }

  /** The same object with other copies. */
  PackedRef withCopies(List<Copy> c) {
    return new PackedRef(id, size, recordLength, c);
  }

  /** Number of distinct drives holding a copy. */
  int distinctDrives() {
    Set<Integer> s = new HashSet<>();
    for (Copy c : copies) {
      s.add(c.drive());
    }
    return s.size();
  }

  /** The id as 32 hex digits. */
  String hexId() {
    return HexFormat.of().formatHex(id);
  }
}
