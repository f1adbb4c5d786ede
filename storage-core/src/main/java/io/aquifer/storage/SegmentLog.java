package io.aquifer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The packed records of one drive: append-only segment files under {@code segments/}, one of them
 * open for appends. Appends are positional writes under a lock (page cache speed); durability of
 * appends and of state-byte writes is a group commit ({@link GroupForce}).
 */
final class SegmentLog {
  static final String DIR = "segments";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Bytes of zeros written ahead of the records at a time. */
  static final long PREALLOCATE = 1L << 20;

  /**
   * {@link #PREALLOCATE} zeros, shared read-only by every log (a duplicate per write): direct, so a
   * write does not first copy a fresh heap array into a temporary direct buffer.
   */
  private static final ByteBuffer ZEROS =
      ByteBuffer.allocateDirect((int) PREALLOCATE).asReadOnlyBuffer();

  /**
   * How much later than requested a force of appends may begin under load, to cover more of them
   * ({@link GroupForce}: at most half the previous force's duration, and only while the groups are
   * larger than one).
   */
  static final long MAX_GATHER = java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(1000);

  /** One segment file and its group-commit state. */
  static final class Segment {
    final long id;
    final FileChannel ch;
    final java.util.concurrent.atomic.AtomicInteger inflight =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile long written;
    // bytes of the file already written with zeros ahead of the records (see append)
    long allocated;
    private final GroupForce force;

    Segment(long id, FileChannel ch, long written, Syncer syncer) {
      this.id = id;
      this.ch = ch;
      this.written = written;
      this.force =
          new GroupForce(() -> ch.force(false), written, () -> this.written, syncer, MAX_GATHER);
      this.allocated = written;
    }
  }

  /** Where an append landed; {@link #end} is what must be durable. */
  record Appended(Segment segment, int drive, long offset, long end) {}

  private final Drive drive;
  private final long segmentSize;
  private final boolean durable;
  private final java.util.function.LongConsumer opened;
  private final Syncer syncer;
  private final Map<Long, FileChannel> channels = new ConcurrentHashMap<>();
  private final Map<Long, Segment> known = new ConcurrentHashMap<>();

  /**
   * Guards {@link #open} and appends to it: a lock rather than the monitor, so that a virtual
   * thread that waited for it is made runnable directly (see {@link GroupForce}).
   */
  private final java.util.concurrent.locks.ReentrantLock lock =
      new java.util.concurrent.locks.ReentrantLock();

  private Segment open;

  SegmentLog(Drive drive, long segmentSize, boolean durable) {
    this(drive, segmentSize, durable, segment -> {});
  }

  /**
   * {@code opened} is told each new segment's id before any record is appended to it, and must make
   * that durable (the list of segments that recovery scans, see {@link PackedObjects}).
   */
  SegmentLog(
      Drive drive, long segmentSize, boolean durable, java.util.function.LongConsumer opened) {
    this.drive = drive;
    this.segmentSize = segmentSize;
    this.durable = durable;
    this.opened = opened;
    this.syncer = new Syncer("aquifer-sync-drive" + drive.index);
  }

  Drive drive() {
    return drive;
  }

  Path dir() {
    return drive.root.resolve(DIR);
  }

  Path path(long segment) {
    return dir().resolve(name(segment));
  }

  static String name(long segment) {
    return HexFormat.of().toHexDigits(segment) + ".seg";
  }

  /** The segment id of a segment file name, or null when it is not one. */
  static Long parse(String fileName) {
    if (fileName.length() != 20 || !fileName.endsWith(".seg")) {
      return null;
    }
    try {
      return HexFormat.fromHexDigitsToLong(fileName.substring(0, 16));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Appends a record to the open segment (starting a new one when it is full). */
  Appended append(byte[] record) throws IOException {
    lock.lock();
    try {
      return appendLocked(record);
    } finally {
      lock.unlock();
    }
  }

  private Appended appendLocked(byte[] record) throws IOException {
    if (open == null
        || (open.written > PackedFormat.SEGMENT_HEADER
            && open.written + record.length > segmentSize)) {
      roll();
    }
    Segment s = open;
    long off = s.written;
    if (off + record.length > s.allocated) {
      preallocate(s, off + record.length);
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    long p = off;
    while (b.hasRemaining()) {
      p += s.ch.write(b, p);
    }
    s.written = p;
    s.inflight.incrementAndGet();
    return new Appended(s, drive.index, off, p);
  }

  /**
   * Marks an append as settled: its index entry committed or abandoned. A segment with unsettled
   * appends is never compacted.
   */
  static void settle(Appended a) {
    a.segment().inflight.decrementAndGet();
  }

  /**
   * Whether a segment is sealed and has no unsettled appends, so compaction may take it (and an
   * index sync after this covers every record in it).
   */
  boolean quiescent(long segment) {
    lock.lock();
    try {
      if (open != null && open.id == segment) {
        return false;
      }
      Segment s = known.get(segment);
      return s == null || s.inflight.get() == 0;
    } finally {
      lock.unlock();
    }
  }

  /** Whether a segment of this run has appends not yet settled. */
  boolean unsettled(long segment) {
    Segment s = known.get(segment);
    return s != null && s.inflight.get() > 0;
  }

  /**
   * Extends the file with written zeros, {@link #PREALLOCATE} bytes at a time, ahead of the
   * records. A record then overwrites allocated blocks inside the file's size, so the sync that
   * makes it durable flushes data only: no file-size or block-allocation change waits for the file
   * system's journal, which on a shared disk is where a sync spends its time. A scan stops at the
   * zeros (no record magic).
   */
  private void preallocate(Segment s, long needed) throws IOException {
    long chunk = Math.min(PREALLOCATE, segmentSize);
    long target = Math.max(needed, Math.min(s.allocated + chunk, segmentSize));
    ByteBuffer zeros = ZEROS.duplicate();
    long p = s.allocated;
    while (p < target) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), target - p));
      while (zeros.hasRemaining()) {
        p += s.ch.write(zeros, p);
      }
    }
    s.allocated = p;
  }

  /** The id of the segment taking appends, or 0 when none is open yet. */
  long openSegment() {
    lock.lock();
    try {
      return open == null ? 0 : open.id;
    } finally {
      lock.unlock();
    }
  }

  private void roll() throws IOException {
    Files.createDirectories(dir());
    long id;
    do {
      id = RANDOM.nextLong();
    } while (id == 0 || Files.exists(path(id)));
    FileChannel ch =
        FileChannel.open(
            path(id),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    try {
      ByteBuffer h = ByteBuffer.wrap(PackedFormat.segmentHeader(id));
      while (h.hasRemaining()) {
        ch.write(h, h.position());
      }
      if (durable) {
        ch.force(true);
        Drive.syncDirectory(dir());
        Drive.syncDirectory(drive.root);
      }
      opened.accept(id);
    } catch (IOException e) {
      ch.close();
      throw e;
    } catch (RuntimeException e) {
      ch.close();
      throw new IOException("cannot record the new segment " + name(id) + ": " + e, e);
    }
    channels.put(id, ch);
    open = new Segment(id, ch, PackedFormat.SEGMENT_HEADER, syncer);
    known.put(id, open);
  }

  /** Returns when the appended bytes are on stable storage (group commit). */
  void awaitDurable(Appended a) throws IOException {
    if (durable) {
      a.segment().force.await(a.end());
    }
  }

  /**
   * Waits until each append is on stable storage or its drive's force failed, requesting every
   * force first so the drives force in parallel; the caller is woken once, when the last one is
   * settled ({@link GroupForce#waitAll}). Returns the failure of each append by index, null for one
   * that is durable.
   *
   * @param logs the drives' logs, by drive index
   */
  static IOException[] awaitDurable(SegmentLog[] logs, List<Appended> as) {
    int n = as.size();
    IOException[] failed = new IOException[n];
    GroupForce[] forces = new GroupForce[n];
    long[] marks = new long[n];
    int[] index = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      Appended a = as.get(i);
      if (logs[a.drive()].durable) {
        forces[k] = a.segment().force;
        marks[k] = a.end();
        index[k++] = i;
      }
    }
    try {
      GroupForce.waitAll(forces, marks, k);
    } catch (IOException e) {
      for (int j = 0; j < k; j++) {
        failed[index[j]] = e;
      }
      return failed;
    }
    for (int j = 0; j < k; j++) {
      try {
        forces[j].check(marks[j]);
      } catch (IOException e) {
        failed[index[j]] = e;
      }
    }
    return failed;
  }

  /** A channel (read and write) on a segment; shared, never close it. */
  FileChannel channel(long segment) throws IOException {
    FileChannel ch = channels.get(segment);
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    synchronized (channels) {
      ch = channels.get(segment);
      if (ch != null && ch.isOpen()) {
        return ch;
      }
      ch = FileChannel.open(path(segment), StandardOpenOption.READ, StandardOpenOption.WRITE);
      channels.put(segment, ch);
      return ch;
    }
  }

  /**
   * Reads {@code len} bytes at {@code off} of a segment.
   *
   * @throws java.io.EOFException when the file ends first (a truncated or foreign segment: bad
   *     data, not a failing drive)
   */
  byte[] read(long segment, long off, int len) throws IOException {
    FileChannel ch = channel(segment);
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      int n = ch.read(b, off + b.position());
      if (n < 0) {
        break;
      }
    }
    if (b.hasRemaining()) {
      throw new java.io.EOFException(
          "segment " + name(segment) + " ends before " + (off + len) + " on drive " + drive.index);
    }
    return b.array();
  }

  /** State-byte writes per segment file (open or sealed, of this run or an earlier one). */
  private static final class StateWrites {
    final java.util.concurrent.atomic.AtomicLong count =
        new java.util.concurrent.atomic.AtomicLong();
    final GroupForce force;

    StateWrites(GroupForce.Target target, Syncer syncer) {
      this.force = new GroupForce(target, 0, count::get, syncer, 0);
    }
  }

  private final Map<Long, StateWrites> stateWrites = new ConcurrentHashMap<>();

  /** A state-byte write not yet known to be durable ({@link #awaitState}). */
  record StateWrite(GroupForce force, long mark) {}

  /**
   * Overwrites the state byte of a record and requests its force without waiting for it; {@link
   * #awaitState} returns when it is on stable storage. Concurrent kills in one segment (overwrites
   * and deletes of packed objects) share one force, and the copies of a record on several drives
   * are forced in parallel. Returns null when the store is not durable.
   */
  StateWrite writeState(long segment, long off, byte state) throws IOException {
    FileChannel ch = channel(segment);
    ch.write(ByteBuffer.wrap(new byte[] {state}), off + PackedFormat.STATE_OFFSET);
    if (!durable) {
      return null;
    }
    // forces the segment's channel of the moment: a channel closed under an interrupted reader is
    // replaced by channel(), and the new one flushes the same file's pages
    StateWrites w =
        stateWrites.computeIfAbsent(
            segment, x -> new StateWrites(() -> channel(segment).force(false), syncer));
    StateWrite sw = new StateWrite(w.force, w.count.incrementAndGet());
    sw.force().request(sw.mark());
    return sw;
  }

  /** Returns when a state-byte write is on stable storage. */
  static void awaitState(StateWrite w) throws IOException {
    if (w != null) {
      w.force().await(w.mark());
    }
  }

  /** Ids of the segment files on the drive, the open one included. */
  List<Long> segments() throws IOException {
    List<Long> out = new ArrayList<>();
    if (!Files.isDirectory(dir())) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir())) {
      for (Path p : s.toList()) {
        Long id = parse(p.getFileName().toString());
        if (id != null) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /** Bytes of a segment file. */
  long size(long segment) throws IOException {
    return Files.size(path(segment));
  }

  /** Deletes a sealed segment file durably. */
  void delete(long segment) throws IOException {
    lock.lock();
    try {
      if (open != null && open.id == segment) {
        throw new IllegalStateException("the open segment cannot be deleted");
      }
    } finally {
      lock.unlock();
    }
    FileChannel ch;
    synchronized (channels) {
      ch = channels.remove(segment);
    }
    known.remove(segment);
    stateWrites.remove(segment);
    if (ch != null) {
      ch.close();
    }
    try {
      Files.delete(path(segment));
    } catch (NoSuchFileException e) {
      return;
    }
    if (durable) {
      Drive.syncDirectory(dir());
    }
  }

  /** Stops the drive's syncer and closes every channel. */
  void close() {
    syncer.close();
    synchronized (channels) {
      for (FileChannel ch : channels.values()) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // closing at shutdown; nothing left to do with it
        }
      }
      channels.clear();
    }
  }
}
