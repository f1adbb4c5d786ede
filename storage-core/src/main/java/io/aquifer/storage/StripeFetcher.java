package io.aquifer.storage;

import io.aquifer.storage.codec.ErasureCodec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The read path of one piece of data: reads the blocks of a stripe into a stripe buffer, verifies
 * each block's CRC32C, and when a block is missing, short or corrupt, reads others and reconstructs
 * it. Shard files are opened lazily and kept open until {@link #close()}.
 */
final class StripeFetcher implements AutoCloseable {
  private final StoreCore core;
  private final DataRef ref;
  private final ByteBuffer[] regions;
  private final FileChannel[] channels;
  private final boolean[] unavailable;
  private final boolean[] valid;
  private final boolean[] tried;
  private final boolean[] readOk;
  private boolean queuedHeal;
  // shard files mapped for verifying spans (see mapping), all unmapped together at close
  private final MemorySegment[] mapped;
  private Arena mappings;
  private final boolean healing;

  StripeFetcher(StoreCore core, DataRef ref, ByteBuffer[] regions) {
    this(core, ref, regions, false);
  }

  /** A fetcher; with {@code healing} it does not queue what it finds for healing. */
  StripeFetcher(StoreCore core, DataRef ref, ByteBuffer[] regions, boolean healing) {
    this.healing = healing;
    this.core = core;
    this.ref = ref;
    this.regions = regions;
    int n = ref.k() + ref.m();
    this.channels = new FileChannel[n];
    this.mapped = new MemorySegment[n];
    this.unavailable = new boolean[n];
    this.valid = new boolean[n];
    this.tried = new boolean[n];
    this.readOk = new boolean[n];
  }

  /**
   * Blocks of at least this many bytes are read in parallel, one virtual thread per shard file
   * beyond the first, so that a stripe's reads reach all of its drives at once; shorter blocks are
   * read one after another, where a thread would cost more than the read.
   */
  static final int PARALLEL_READ_MIN = 128 * 1024;

  DataRef ref() {
    return ref;
  }

  ByteBuffer region(int i) {
    return regions[i];
  }

  /**
   * Makes data blocks {@code [from, to]} of stripe {@code s} valid in the regions.
   *
   * @param all verify every block, data and parity (scrub and heal)
   * @return a bit mask of shards found missing or corrupt in this stripe
   */
  int fetch(long s, int from, int to, boolean all) {
    int k = ref.k();
    int n = k + ref.m();
    int b = ref.blockLength(s);
    java.util.Arrays.fill(valid, false);
    java.util.Arrays.fill(tried, false);
    int bad = 0;
    int good = 0;
    int first = all ? 0 : from;
    int last = all ? n - 1 : to;
    readBlocks(first, last, s, b);
    for (int i = first; i <= last; i++) {
      tried[i] = true;
      if (readOk[i]) {
        valid[i] = true;
        good++;
      } else {
        bad |= 1 << i;
      }
    }
    if (bad == 0) {
      return 0;
    }
    for (int i = 0; i < n && good < k; i++) {
      if (!tried[i]) {
        tried[i] = true;
        if (readBlock(i, s, b)) {
          valid[i] = true;
          good++;
        } else {
          bad |= 1 << i;
        }
      }
    }
    if (good < k) {
      throw new StorageException(
          StatusCode.READ_QUORUM_LOST,
          "object data "
              + ref.hexId()
              + " stripe "
              + s
              + ": only "
              + good
              + " of "
              + n
              + " shards readable, "
              + k
              + " needed");
    }
    ErasureCodec codec = core.codec(k, ref.m());
    long started = System.nanoTime();
    codec.reconstruct(regions, valid, 0, b);
    core.counters.decodeNanos.add(System.nanoTime() - started);
    core.counters.bytesDecoded.add((long) Integer.bitCount(bad) * b);
    if (!healing) {
      core.counters.degradedReads.increment();
    }
    if (!queuedHeal && !healing) {
      queuedHeal = true;
      core.queueHeal(ref);
    }
    return bad;
  }

  /** Reads blocks {@code [first, last]} of stripe {@code s} into their regions; see readOk. */
  private void readBlocks(int first, int last, long s, int b) {
    if (last == first || b < PARALLEL_READ_MIN) {
      for (int i = first; i <= last; i++) {
        readOk[i] = readBlock(i, s, b);
      }
      return;
    }
    Thread[] others = new Thread[last - first];
    Throwable[] failure = new Throwable[1];
    for (int i = first + 1; i <= last; i++) {
      int shard = i;
      others[i - first - 1] =
          Thread.ofVirtual()
              .name("aquifer-shard-read")
              .start(
                  () -> {
                    try {
                      readOk[shard] = readBlock(shard, s, b);
                    } catch (Throwable t) {
                      synchronized (failure) {
                        failure[0] = t;
                      }
                    }
                  });
    }
    Throwable mine = null;
    try {
      readOk[first] = readBlock(first, s, b);
    } catch (Throwable t) {
      mine = t;
    }
    Threads.joinAll(others);
    Throwable t = mine;
    if (t == null) {
      synchronized (failure) {
        t = failure[0];
      }
    }
    Threads.rethrow(t, "shard read");
  }

  /**
   * Data block {@code i} of stripe {@code s} as a span of its shard file, verified against its
   * checksum through a mapping of the file (the page cache's bytes, with no copy), on a channel of
   * its own for the caller; null when the block is missing, short or corrupt (nothing is counted or
   * reported here: the caller then reads with {@link #readInto} or {@link #fetch}, which do).
   */
  FileSpan span(long s, int i) {
    if (unavailable[i]) {
      return null;
    }
    Drive d = core.drives.get(ref.drives()[i]);
    if (!d.online()) {
      return null;
    }
    int b = ref.blockLength(s);
    long at = ref.blockOffset(s);
    long started = d.reads.begin();
    boolean ok = false;
    try {
      MemorySegment m = mapping(i);
      if (m == null || m.byteSize() < at + b + DataRef.CRC_BYTES) {
        return null;
      }
      CRC32C crc = new CRC32C();
      crc.update(m.asSlice(at, b).asByteBuffer());
      ok = (int) crc.getValue() == m.get(CRC_LAYOUT, at + b);
      // the span is sent from the page cache, not through this mapping: unmap its pages now, or
      // the whole object read would count as the node's resident memory until the reader closes
      PageTables.release(m, at, at + b + DataRef.CRC_BYTES);
      return ok ? new FileSpan(d.openShard(ref.id(), i), at, b) : null;
    } catch (IOException | InternalError e) {
      ok = false;
      return null; // InternalError: the mapped file shrank under the read (it never should)
    } finally {
      d.reads.end(started, ok ? b + DataRef.CRC_BYTES : 0);
    }
  }

  /**
   * Shard file {@code i} mapped whole, once for the fetcher's life, or null when it cannot be
   * opened. Spans verify their blocks through it: a mapping per block cost an mmap, page-table
   * setup and an munmap (with a TLB shootdown on every core) per 1 MiB sent.
   */
  private MemorySegment mapping(int i) throws IOException {
    if (mapped[i] == null) {
      FileChannel ch = channel(i);
      if (ch == null) {
        return null;
      }
      if (mappings == null) {
        // shared: the reader may be closed by another thread than the one that read
        mappings = Arena.ofShared();
      }
      mapped[i] = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), mappings);
    }
    return mapped[i];
  }

  private static final ValueLayout.OfInt CRC_LAYOUT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

  /**
   * Reads data block {@code i} of stripe {@code s} straight into {@code dst} (borrowed; exactly the
   * block's length remaining) and verifies its CRC32C there, without the stripe buffer. The
   * checksum lands in region {@code i}'s last 4 bytes, which no loaded block's data occupies.
   *
   * @return true when {@code dst} holds the verified block (its position then at its limit); false
   *     when the block is missing, short or corrupt, and the caller reads the stripe with {@link
   *     #fetch}, which finds the same fault, counts it and reconstructs
   */
  boolean readInto(long s, int i, ByteBuffer dst) {
    int b = ref.blockLength(s);
    FileChannel ch = channel(i);
    if (ch == null || dst.remaining() != b) {
      return false;
    }
    Drive d = core.drives.get(ref.drives()[i]);
    ByteBuffer data = dst.slice();
    ByteBuffer crcBytes = regions[i].slice(b, DataRef.CRC_BYTES);
    ByteBuffer[] both = {data, crcBytes};
    long started = d.reads.begin();
    try {
      ch.position(ref.blockOffset(s));
      while (crcBytes.hasRemaining()) {
        if (ch.read(both) < 0) {
          return false; // short file: fetch finds it again
        }
      }
    } catch (IOException e) {
      d.failed("read of shard " + ref.hexId() + "." + i, e);
      unavailable[i] = true;
      return false;
    } finally {
      d.reads.end(started, data.position() + crcBytes.position());
    }
    CRC32C crc = new CRC32C();
    crc.update(data.flip());
    if ((int) crc.getValue() != crcBytes.getInt(0)) {
      return false;
    }
    dst.position(dst.limit());
    return true;
  }

  private boolean readBlock(int i, long s, int b) {
    FileChannel ch = channel(i);
    if (ch == null) {
      return false;
    }
    Drive d = core.drives.get(ref.drives()[i]);
    ByteBuffer dst = regions[i].slice(0, b + DataRef.CRC_BYTES);
    long started = d.reads.begin();
    try {
      long pos = ref.blockOffset(s);
      while (dst.hasRemaining()) {
        int r = ch.read(dst, pos + dst.position());
        if (r < 0) {
          return false; // short file: a torn or truncated shard
        }
      }
    } catch (IOException e) {
      d.failed("read of shard " + ref.hexId() + "." + i, e);
      unavailable[i] = true;
      return false;
    } finally {
      d.reads.end(started, dst.position());
    }
    CRC32C crc = new CRC32C();
    crc.update(regions[i].slice(0, b));
    if ((int) crc.getValue() != regions[i].getInt(b)) {
      core.counters.checksumFailures.increment();
      return false;
    }
    return true;
  }

  private FileChannel channel(int i) {
    if (unavailable[i]) {
      return null;
    }
    if (channels[i] == null) {
      Drive d = core.drives.get(ref.drives()[i]);
      if (!d.online()) {
        unavailable[i] = true;
        return null;
      }
      try {
        channels[i] = d.openShard(ref.id(), i);
      } catch (IOException e) {
        d.failed("open of shard " + ref.hexId() + "." + i, e);
        unavailable[i] = true;
        return null;
      }
    }
    return channels[i];
  }

  /** Reads the raw header bytes and trailer of any healthy shard, for rewriting others. */
  FileChannel anyOpenShard() {
    for (int i = 0; i < channels.length; i++) {
      FileChannel ch = channel(i);
      if (ch != null) {
        return ch;
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (mappings != null) {
      mappings.close();
      mappings = null;
      java.util.Arrays.fill(mapped, null);
    }
    for (int i = 0; i < channels.length; i++) {
      if (channels[i] != null) {
        try {
          channels[i].close();
        } catch (IOException ignored) {
          // read-only handle: nothing to lose
        }
        channels[i] = null;
      }
    }
  }

  /** Closes the stream of the fetcher even when it was already used; for try-with-resources. */
  static void closeQuietly(StripeFetcher f) {
    if (f != null) {
      f.close();
    }
  }

  /** Whether the shard file for shard {@code i} could not be opened or read. */
  boolean unavailable(int i) {
    return unavailable[i];
  }

  /** Throws the I/O exception type callers of low-level helpers expect. */
  static IOException io(String msg) {
    return new IOException(msg);
  }
}
