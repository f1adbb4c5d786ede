package io.aquifer.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * One committed version of a key in a {@link MemoryKvStore}, linked to the next older one. A {@code
 * null} value is a deletion. Immutable; the store owns the arrays.
 */
final class MemoryVersion {
  final long seq;
  final byte[] value;
  final MemoryVersion older;

  MemoryVersion(long seq, byte[] value, MemoryVersion older) {
    this.seq = seq;
    this.value = value;
    this.older = older;
  }

  /** The value visible at {@code seq} in the chain starting at {@code newest}, or {@code null}. */
  static byte[] valueAt(MemoryVersion newest, long seq) {
    MemoryVersion v = newest;
    while (v != null && v.seq > seq) {
      v = v.older;
    }
    return v == null ? null : v.value;
  }

  /**
   * The chain without the versions no reader can see: every reader reads at {@code oldestReader} or
   * later, so the newest version at or before it is the oldest one to keep (and none if it is a
   * deletion). Returns {@code null} when nothing is left. Walks the versions newer than {@code
   * oldestReader}; allocates only when something is dropped.
   */
  static MemoryVersion prune(MemoryVersion newest, long oldestReader) {
    MemoryVersion cut = newest;
    while (cut != null && cut.seq > oldestReader) {
      cut = cut.older;
    }
    if (cut == null || (cut.older == null && cut.value != null)) {
      return newest;
    }
    return copyUntil(newest, cut);
  }

  /** A copy of the versions from {@code v} down to {@code cut}, ending with {@code cut} alone. */
  private static MemoryVersion copyUntil(MemoryVersion v, MemoryVersion cut) {
    List<MemoryVersion> newer = new ArrayList<>();
    for (MemoryVersion n = v; n != cut; n = n.older) {
      newer.add(n);
    }
    MemoryVersion chain = cut.value == null ? null : new MemoryVersion(cut.seq, cut.value, null);
    for (int i = newer.size() - 1; i >= 0; i--) {
      chain = new MemoryVersion(newer.get(i).seq, newer.get(i).value, chain);
    }
    return chain;
  }
}
