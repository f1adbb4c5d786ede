package io.aquifer.pfs.fuse;

import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileAttr;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileWriter;
import io.aquifer.pfs.FsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Semaphore;

/**
 * The new content of a file being written through the mount, until it is committed. Guarded by its
 * node's lock. It is in one of four states:
 *
 * <ul>
 *   <li><b>memory</b>: up to {@link #MEMORY_BYTES} of content held in one buffer (new files,
 *       O_TRUNC, truncate to 0). Writes, reads and truncates within it change the buffer; the
 *       commit sends it whole to the file's key. The buffer's capacity is taken from a budget all
 *       files share; a file the budget has no room for leaves memory as one past the size would (an
 *       append streams, anything else spills).
 *   <li><b>stream</b>: the content grew past the buffer by appends only; every byte has been sent
 *       to the server in one write stream to a hidden staged object ({@link
 *       FileClient#openWriter(String, String, Integer, boolean)}), and none is kept here (no spill
 *       file: that copy was the mount's largest cost per byte). The commit finishes the stream, and
 *       the node renames the staged object onto the file. Anything that needs the streamed bytes
 *       again (a write that is not an append, a read below the end, a truncate that is not to 0, a
 *       rename) first <b>falls back</b>: the stream is parked (committed as its staged object, the
 *       file unchanged), read back into a spill file, and the staged object removed.
 *   <li><b>spill</b>: every byte in a local spill file (deleted when the last handle closes), which
 *       can be changed anywhere; the commit streams it whole.
 *   <li><b>lost</b>: the stream failed (the node restarted, the connection broke, the server
 *       refused it): its bytes exist nowhere. Every write, read and commit fails with that error
 *       (EIO, or ENOSPC when the server refused), the file keeps its committed content, and only a
 *       truncate to 0 starts over.
 * </ul>
 *
 * <p>Nothing reaches the file's object until a commit. After a stream's commit the content is the
 * server's and no longer here ({@link #local()} false): the caller drops this copy.
 */
final class DirtyFile implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DirtyFile.class.getName());
  private static final int COPY_BYTES = 1 << 20;

  /** Content up to this size is kept in memory; a file that grows past it by appends streams. */
  static final int MEMORY_BYTES = 1 << 20;

  private final Path spillDir;
  private final Connector conn;
  private final ByteBufAllocator alloc;
  private final Semaphore budget;
  private ByteBuf memory;
  private FileWriter stream;
  private FileChannel spill;
  private FsException lost;
  private long size;
  private boolean clean;
  private boolean failed;
  private boolean local = true;
  private long mtimeNanos;

  private DirtyFile(Path spillDir, Connector conn, ByteBufAllocator alloc, Semaphore budget) {
    this.spillDir = spillDir;
    this.conn = conn;
    this.alloc = alloc;
    this.budget = budget;
    mtimeNanos = now();
  }

  /**
   * Empty new content (a new file, O_TRUNC, truncate to 0), in memory.
   *
   * @param budget bytes of buffer capacity all files being written may still take
   */
  static DirtyFile empty(Path spillDir, Connector conn, ByteBufAllocator alloc, Semaphore budget) {
    DirtyFile d = new DirtyFile(spillDir, conn, alloc, budget);
    d.memory = alloc.directBuffer(0, MEMORY_BYTES);
    return d;
  }

  /** The file's current {@code size} bytes, fetched from the server, as the starting content. */
  static DirtyFile copyOf(
      Path spillDir,
      Connector conn,
      ByteBufAllocator alloc,
      Semaphore budget,
      String bucket,
      String file,
      String etag,
      long size) {
    DirtyFile d = new DirtyFile(spillDir, conn, alloc, budget);
    try {
      d.openSpill();
      d.size = d.fetch(bucket, file, etag, size);
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
    d.clean = true;
    return d;
  }

  long size() {
    return size;
  }

  long mtimeNanos() {
    return mtimeNanos;
  }

  /** Whether the last commit failed and nothing changed since (a retry would fail alike). */
  boolean failed() {
    return failed || lost != null;
  }

  /** Whether the content equals what was last committed (nothing to send). */
  boolean clean() {
    return clean;
  }

  /** False once a stream was committed: the content is the server's, none of it is held here. */
  boolean local() {
    return local;
  }

  /**
   * Writes {@code src} at {@code offset}.
   *
   * @param src borrowed; its position is not changed
   */
  void write(String bucket, String file, long offset, ByteBuffer src) {
    failIfLost();
    int n = src.remaining();
    if (n == 0) {
      return;
    }
    long end = offset + n;
    if (memory != null && end <= MEMORY_BYTES && reserve(end)) {
      if (offset > size) {
        memory.setZero((int) size, (int) (offset - size));
      }
      memory.setBytes((int) offset, src.duplicate());
      memory.writerIndex((int) Math.max(size, end));
    } else if (memory != null && offset == size) {
      startStream(bucket, file, src);
    } else if (stream != null && offset == size) {
      try {
        stream.write(src.duplicate());
      } catch (FsException e) {
        throw lose(bucket, file, e);
      }
    } else {
      toSpill(bucket);
      writeFully(src.duplicate(), offset);
    }
    size = Math.max(size, end);
    changed();
  }

  /** Reads into {@code dst} from {@code offset}, up to the content's size; returns the bytes. */
  int read(String bucket, long offset, ByteBuffer dst) {
    failIfLost();
    if (offset >= size || !dst.hasRemaining()) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), size - offset);
    if (memory != null) {
      memory.getBytes((int) offset, dst.slice(dst.position(), want));
      dst.position(dst.position() + want);
      return want;
    }
    toSpill(bucket);
    int total = 0;
    try {
      while (total < want) {
        ByteBuffer part = dst.slice(dst.position(), want - total);
        int r = spill.read(part, offset + total);
        if (r <= 0) {
          // a hole at the end (sparse extension): zeros
          for (int i = total; i < want; i++) {
            dst.put((byte) 0);
          }
          total = want;
          break;
        }
        dst.position(dst.position() + r);
        total += r;
      }
    } catch (IOException e) {
      throw spillFailure(e);
    }
    return total;
  }

  /** Cuts or extends (with zeros) the content to {@code newSize}. */
  void truncate(String bucket, long newSize) {
    if (newSize == 0) {
      // starts over, whatever the state (a lost stream included)
      discardStream();
      closeSpill();
      lost = null;
      if (memory == null) {
        memory = alloc.directBuffer(0, MEMORY_BYTES);
      }
      memory.clear();
      size = 0;
      changed();
      return;
    }
    failIfLost();
    if (newSize == size) {
      return;
    }
    if (memory != null && newSize <= MEMORY_BYTES && (newSize < size || reserve(newSize))) {
      if (newSize > size) {
        memory.setZero((int) size, (int) (newSize - size));
      }
      memory.writerIndex((int) newSize);
    } else {
      toSpill(bucket);
      try {
        if (newSize < size) {
          spill.truncate(newSize);
        } else {
          writeFully(ByteBuffer.allocate(1), newSize - 1);
        }
      } catch (IOException e) {
        throw spillFailure(e);
      }
    }
    size = newSize;
    changed();
  }

  /**
   * The file was renamed: a stream names the old file at its commit, so its bytes are fetched back
   * now (spill), and the next commit sends them to the new name.
   */
  void renamed(String bucket) {
    if (stream != null && lost == null) {
      toSpill(bucket);
    }
  }

  /**
   * Makes the content the file's object. Returns once the server committed (durable). On failure
   * nothing changed on the server; the content stays here, not clean, unless it was a stream's
   * (then it is lost: see the class).
   */
  FileAttr commit(String bucket, String file) {
    failIfLost();
    failed = true;
    FileAttr a;
    if (stream != null) {
      FileWriter w = stream;
      stream = null;
      try {
        a = w.commit();
      } catch (FsException e) {
        w.close();
        throw lose(bucket, file, e);
      }
      local = false;
    } else {
      a = sendAll(conn.client(), bucket, file);
    }
    clean = true;
    failed = false;
    return a;
  }

  // ---- states

  /** From memory to a stream: opens a staged writer and sends the buffer, then {@code src}. */
  private void startStream(String bucket, String file, ByteBuffer src) {
    FileWriter w = conn.client().openWriter(bucket, file, null, true);
    try {
      w.write(memory.nioBuffer(0, (int) size));
      w.write(src.duplicate());
    } catch (FsException e) {
      // nothing is lost yet: the content is still here, without this write
      w.close();
      throw e;
    }
    stream = w;
    freeMemory();
  }

  /**
   * Makes the buffer hold {@code end} bytes, taking the growth from the budget; false when the
   * budget has no room (the buffer is unchanged).
   */
  private boolean reserve(long end) {
    int cap = memory.capacity();
    if (end <= cap) {
      return true;
    }
    int grown = alloc.calculateNewCapacity((int) end, MEMORY_BYTES);
    if (!budget.tryAcquire(grown - cap)) {
      return false;
    }
    memory.capacity(grown);
    return true;
  }

  /** Frees the buffer and gives its capacity back to the budget. */
  private void freeMemory() {
    budget.release(memory.capacity());
    memory.release();
    memory = null;
  }

  /** Makes the spill file hold the content, from memory or by fetching a stream's bytes back. */
  private void toSpill(String bucket) {
    if (spill != null) {
      return;
    }
    if (memory != null) {
      openSpill();
      writeFully(memory.nioBuffer(0, (int) size), 0);
      freeMemory();
      return;
    }
    if (stream == null) {
      throw new IllegalStateException("no content here: the stream was committed");
    }
    FileWriter w = stream;
    stream = null;
    FileWriter.Parked p;
    try {
      p = w.park();
    } catch (FsException e) {
      w.close();
      throw lose(bucket, "(stream)", e);
    }
    try {
      openSpill();
      long got = fetch(bucket, p.key(), p.attr().etag(), size);
      if (got != size) {
        throw new FsException(
            Errno.EIO, "fetched " + got + " of the " + size + " streamed bytes of " + p.key());
      }
    } catch (FsException e) {
      closeSpill();
      throw lose(bucket, p.key(), e);
    } finally {
      removeStaged(bucket, p.key());
    }
  }

  /** Copies {@code size} bytes of the server's {@code file} into the spill file; returns them. */
  private long fetch(String bucket, String file, String etag, long size) {
    ByteBuf buf = alloc.directBuffer(COPY_BYTES);
    try {
      long at = 0;
      while (at < size) {
        long pos = at;
        int want = (int) Math.min(COPY_BYTES, size - at);
        long n =
            conn.read(
                c -> {
                  buf.clear();
                  return c.read(bucket, file, pos, buf, want, etag);
                });
        if (n <= 0) {
          break;
        }
        writeFully(buf.nioBuffer(0, (int) n), at);
        at += n;
      }
      return at;
    } finally {
      buf.release();
    }
  }

  private void removeStaged(String bucket, String key) {
    try {
      conn.change(
          c -> {
            c.unlink(bucket, key);
            return null;
          });
    } catch (FsException e) {
      // the node's sweep removes it later
      LOG.log(
          System.Logger.Level.WARNING,
          "mount: could not remove staged " + bucket + "/" + key + ": " + e);
    }
  }

  /** The stream failed: its bytes are gone. Logs once; returns the error to throw. */
  private FsException lose(String bucket, String file, FsException e) {
    Errno errno = e.errno() == Errno.ENOSPC ? Errno.ENOSPC : Errno.EIO;
    lost =
        new FsException(
            errno,
            "mount: the stream of "
                + bucket
                + "/"
                + file
                + " was lost ("
                + e.getMessage()
                + "): writes, reads and close/fsync fail until it is truncated to 0; the file"
                + " keeps its last committed content",
            e);
    LOG.log(System.Logger.Level.WARNING, lost.getMessage());
    return lost;
  }

  private void failIfLost() {
    if (lost != null) {
      throw lost;
    }
  }

  private void changed() {
    clean = false;
    failed = false;
    local = true;
    mtimeNanos = now();
  }

  private FileAttr sendAll(FileClient c, String bucket, String file) {
    try (FileWriter w = c.openWriter(bucket, file, null)) {
      if (memory != null) {
        w.write(memory.nioBuffer(0, (int) size));
        return w.commit();
      }
      ByteBuf buf = alloc.directBuffer(COPY_BYTES);
      try {
        long at = 0;
        while (at < size) {
          buf.clear();
          ByteBuffer view = buf.nioBuffer(0, (int) Math.min(COPY_BYTES, size - at));
          int n = read(bucket, at, view);
          view.flip();
          w.write(view);
          at += n;
        }
      } finally {
        buf.release();
      }
      return w.commit();
    }
  }

  private void openSpill() {
    try {
      Files.createDirectories(spillDir);
      Path path = Files.createTempFile(spillDir, ".aquifer-spill-", "");
      spill = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // unlinked at once: the descriptor keeps it, and a crash leaves nothing behind
      Files.delete(path);
    } catch (IOException e) {
      closeSpill();
      throw spillFailure(e);
    }
  }

  private void closeSpill() {
    if (spill != null) {
      try {
        spill.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "mount: closing a spill file: " + e);
      }
      spill = null;
    }
  }

  private void discardStream() {
    if (stream != null) {
      stream.close();
      stream = null;
    }
  }

  private void writeFully(ByteBuffer b, long offset) {
    try {
      long at = offset;
      while (b.hasRemaining()) {
        at += spill.write(b, at);
      }
    } catch (IOException e) {
      throw spillFailure(e);
    }
  }

  /** A local disk failure: EIO, logged here (once per failure). */
  private FsException spillFailure(IOException e) {
    String m = "mount: spill file in " + spillDir + ": " + e;
    LOG.log(System.Logger.Level.WARNING, m);
    return new FsException(Errno.EIO, m, e);
  }

  private static long now() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Discards the content: aborts a stream, frees the buffer, deletes the spill file. */
  @Override
  public void close() {
    discardStream();
    closeSpill();
    if (memory != null) {
      freeMemory();
    }
  }
}
