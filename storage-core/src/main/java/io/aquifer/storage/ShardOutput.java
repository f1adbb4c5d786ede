package io.aquifer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One shard file being written: the header, then block after block, then the trailer (the format of
 * {@link ShardFormat}, the same bytes in both modes).
 *
 * <p>Buffered mode appends every piece through one channel and the page cache.
 *
 * <p>Direct mode writes the file's aligned prefix with {@code O_DIRECT}: the device reads the
 * stripe buffer itself, and the CPU copies nothing. The stream is not aligned (a header of any
 * length, blocks of blockSize + 4 bytes), so the output keeps a <em>carry</em>: the fewer than
 * {@link #ALIGN} bytes past the last aligned file offset that are not written yet. A block is
 * handed over in an aligned slot, {@code carry} bytes into it; the carry is copied in front, the
 * aligned prefix of carry + block goes to the file in one direct write, and the rest becomes the
 * next carry. {@link #finish} writes the last carry and the trailer through an ordinary buffered
 * channel at the aligned end, which is coherent with the direct writes below it (Linux flushes and
 * drops cached pages of a range written directly, and the buffered tail overlaps none of them).
 *
 * <p>Not thread-safe; one thread at a time (calls may move between threads with a happens-before
 * edge, such as a join).
 */
final class ShardOutput {
  /** Alignment of direct writes: file offset, length and memory address. */
  static final int ALIGN = 4096;

  private final Path path;
  private final boolean direct;
  private final FileChannel ch;
  private FileChannel tail;
  private final ByteBuffer carry;
  private int carried;
  private long aligned;

  private ShardOutput(Path path, boolean direct, FileChannel ch) {
    this.path = path;
    this.direct = direct;
    this.ch = ch;
    this.carry = direct ? alignedBuffer(ALIGN) : null;
  }

  private static ByteBuffer alignedBuffer(int size) {
    return ByteBuffer.allocateDirect(size + ALIGN).alignedSlice(ALIGN).slice(0, size);
  }

  /**
   * Creates shard {@code shard} of data {@code id} on drive {@code d}, in the drive's mode, and
   * writes (or, in direct mode, carries) the header.
   */
  static ShardOutput create(Drive d, byte[] id, int shard, byte[] header) throws IOException {
    return create(d, id, shard, header, d.direct());
  }

  /**
   * Like {@link #create(Drive, byte[], int, byte[])}, in the given mode (the drive's, read once by
   * a writer that placed the first block with {@link #carriedAtStart}).
   */
  static ShardOutput create(Drive d, byte[] id, int shard, byte[] header, boolean direct)
      throws IOException {
    FileChannel ch = direct ? d.createDirectShard(id, shard) : d.createShard(id, shard);
    ShardOutput out = new ShardOutput(d.shardPath(id, shard), direct, ch);
    try {
      out.start(header);
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
    return out;
  }

  private void start(byte[] header) throws IOException {
    if (!direct) {
      writeFully(ch, ByteBuffer.wrap(header));
      return;
    }
    int prefix = header.length & -ALIGN;
    if (prefix > 0) {
      // a header of ALIGN bytes or more (a long key): its aligned part at once
      ByteBuffer b = alignedBuffer(prefix).put(0, header, 0, prefix);
      writeFully(ch, b, 0);
      aligned = prefix;
    }
    carried = header.length - prefix;
    carry.put(0, header, prefix, carried);
  }

  /**
   * The bytes carried right after a header of {@code headerLength} bytes: where the first block
   * starts in its slot, known before the file exists.
   */
  static int carriedAtStart(int headerLength, boolean direct) {
    return direct ? headerLength % ALIGN : 0;
  }

  /** Whether this shard is written with {@code O_DIRECT}. */
  boolean direct() {
    return direct;
  }

  /** Bytes carried now: where the next block must start in its slot. */
  int carried() {
    return carried;
  }

  /**
   * Where a block must start in its slot after one of {@code n} bytes was appended with {@code c}
   * carried before it: {@code (c + n) mod ALIGN} in direct mode, 0 in buffered mode. Lets a writer
   * place the next stripe before the current one is written.
   */
  int carriedAfter(int c, int n) {
    return direct ? (c + n) % ALIGN : 0;
  }

  /**
   * Appends {@code n} bytes that sit at {@code [carried(), carried() + n)} of {@code slot}. In
   * direct mode {@code slot} must be aligned, with room for {@code carried() + n} bytes; its first
   * {@code carried()} bytes are overwritten with the carry. Borrows {@code slot}.
   */
  void append(ByteBuffer slot, int n) throws IOException {
    if (!direct) {
      writeFully(ch, slot.slice(0, n));
      return;
    }
    int c = carried;
    slot.put(0, carry, 0, c);
    int total = c + n;
    int prefix = total & -ALIGN;
    if (prefix > 0) {
      writeFully(ch, slot.slice(0, prefix), aligned);
      aligned += prefix;
    }
    carried = total - prefix;
    carry.put(0, slot, prefix, carried);
  }

  /**
   * Writes the trailer: in direct mode after the carry, through a buffered channel at the aligned
   * end of the direct writes.
   */
  void finish(byte[] trailer) throws IOException {
    if (!direct) {
      writeFully(ch, ByteBuffer.wrap(trailer));
      return;
    }
    tail = FileChannel.open(path, StandardOpenOption.WRITE);
    ByteBuffer[] rest = {carry.slice(0, carried), ByteBuffer.wrap(trailer)};
    tail.position(aligned);
    while (rest[1].hasRemaining()) {
      tail.write(rest);
    }
    carried = 0;
  }

  /** Forces the file's data written so far to stable storage (buffered mode's writeback). */
  void forceData() throws IOException {
    ch.force(false);
  }

  /**
   * Forces the whole file, data and metadata, to stable storage; after {@link #finish}. This also
   * flushes the device's cache for the direct writes.
   */
  void force() throws IOException {
    (tail != null ? tail : ch).force(true);
  }

  /** Closes the file; the first failure is thrown, both channels are closed. */
  void close() throws IOException {
    IOException first = null;
    for (FileChannel c : new FileChannel[] {tail, ch}) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    tail = null;
    if (first != null) {
      throw first;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      p += ch.write(b, p);
    }
  }
}
