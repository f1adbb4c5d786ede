package io.aquifer.storage;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Drops the page-table entries of a file mapping's range ({@code madvise(MADV_DONTNEED)}), so that
 * the pages of a long-lived mapping that a reader has passed stop counting as the process's
 * resident memory. On a shared file mapping this discards nothing: the pages stay in the page cache
 * and a later access maps them again. Without the call, every byte of a large object read through
 * one mapping per shard file stayed in the node's RSS (12 GiB for 32 readers of 1 GiB objects)
 * until the reader closed.
 */
@SuppressWarnings(
    "restricted") // madvise through the FFM linker; the JVM runs with native access enabled
final class PageTables {
  private static final int MADV_DONTNEED = 4;
  private static final long PAGE = 4096;
  private static final MethodHandle MADVISE = lookup();

  private PageTables() {}

  private static MethodHandle lookup() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return null;
    }
    Linker linker = Linker.nativeLinker();
    return linker
        .defaultLookup()
        .find("madvise")
        .map(
            f ->
                linker.downcallHandle(
                    f,
                    FunctionDescriptor.of(
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT)))
        .orElse(null);
  }

  /**
   * Drops the mappings of the whole pages of {@code mapping} that overlap {@code [from, to)} (the
   * edges rounded outwards: a page shared with a neighbouring block is simply mapped again when
   * that block is read). A failure is ignored: the pages then stay mapped until the mapping is
   * closed, as they did before.
   */
  static void release(MemorySegment mapping, long from, long to) {
    if (MADVISE == null || to <= from) {
      return;
    }
    // FileChannel.map maps from a page boundary, so the pages rounded outwards stay inside it
    long base = mapping.address();
    long start = Math.max((base + from) & -PAGE, base & -PAGE);
    long end = Math.min(base + to + PAGE - 1, base + mapping.byteSize() + PAGE - 1) & -PAGE;
    if (end <= start) {
      return;
    }
    try {
      int rc =
          (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
      assert rc == 0 || rc == -1;
    } catch (Throwable t) {
      // nothing lost: the range stays mapped until the mapping is closed
    }
  }
}
