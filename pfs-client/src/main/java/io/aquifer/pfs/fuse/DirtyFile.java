package io.aquifer.pfs.fuse;

import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileAttr;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileWriter;
import io.aquifer.pfs.FsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The new content of a file being written through the mount, until it is committed. Every byte is
 * kept in a local spill file (deleted when the last handle closes), so the content can be read
 * back, changed anywhere and sent again. While the content is exactly a sequence of appends from
 * offset 0 it is also streamed to the server as it comes ({@link FileWriter}): the commit then only
 * sends the tail and commits. Any other change (a write elsewhere, a truncate, a lost stream) drops
 * the stream, and the commit streams the spill file whole. Nothing reaches the file's object until
 * a commit. Guarded by its node's lock.
 *
 * <p><b>Write-behind</b> ({@link WriteBehind#on()}): an append to streamable content is copied into
 * a buffer and queued, and {@link #write} returns; a pump (one virtual thread while the queue is
 * not empty) sends each buffer to the stream without another copy and writes it to the spill file.
 * Every other operation first waits until the pump has emptied the queue ({@link #drain()}), so it
 * sees the spill file and the stream as if every write had been done in place. Failures of the pump
 * surface at the next call: a spill file write that failed makes every later write, read and commit
 * fail with EIO (the content is incomplete); ENOSPC from the server fails the next write, as a
 * synchronous write would have, and the commit; a lost stream is not an error (the commit sends the
 * spill file). Between the pump and the node's lock holder, the stream belongs to the pump while it
 * runs.
 */
final class DirtyFile implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DirtyFile.class.getName());
  private static final int COPY_BYTES = 1 << 20;

  private final Path path;
  private final FileChannel spill;
  private final WriteBehind behind;
  private final ReentrantLock queueLock = new ReentrantLock();
  private final Condition progress = queueLock.newCondition();
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>(); // guarded by queueLock
  private boolean pumping; // guarded by queueLock
  // written by the pump; read by the lock holder after drain() (queueLock orders them), and
  // early, as a hint, by write()
  private volatile boolean streamLost;
  private volatile FsException noSpace;
  private volatile FsException spillBroken;
  private long size;
  private FileWriter stream;
  private boolean streamable;
  private boolean clean;
  private boolean failed;
  private long mtimeNanos;

  private DirtyFile(Path dir, WriteBehind behind) {
    this.behind = behind;
    try {
      Files.createDirectories(dir);
      path = Files.createTempFile(dir, ".aquifer-spill-", "");
      spill = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // unlinked at once: the descriptor keeps it, and a crash leaves nothing behind
      Files.delete(path);
    } catch (IOException e) {
      throw spillFailure(e);
    }
    mtimeNanos = now();
  }

  /** Empty new content (a new file, O_TRUNC, truncate to 0): streamable from offset 0. */
  static DirtyFile empty(Path dir, WriteBehind behind) {
    DirtyFile d = new DirtyFile(dir, behind);
    d.streamable = true;
    return d;
  }

  /** The file's current {@code size} bytes, fetched from the server, as the starting content. */
  static DirtyFile copyOf(
      Path dir,
      WriteBehind behind,
      Connector conn,
      String bucket,
      String file,
      String etag,
      long size,
      ByteBufAllocator alloc) {
    DirtyFile d = new DirtyFile(dir, behind);
    try {
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
          d.writeFully(buf.nioBuffer(0, (int) n), at);
          at += n;
        }
        d.size = at;
      } finally {
        buf.release();
      }
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
    d.streamable = false;
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
    return failed;
  }

  /** Whether the content equals what was last committed (nothing to send). */
  boolean clean() {
    return clean;
  }

  /**
   * Writes {@code src} at {@code offset}; streams it when it extends a streamable content.
   *
   * @param src borrowed; its position is not changed
   */
  void write(Connector conn, String bucket, String file, long offset, ByteBuffer src) {
    int n = src.remaining();
    if (spillBroken != null) {
      throw spillBroken;
    }
    if (noSpace != null) {
      FsException e = noSpace;
      noSpace = null;
      throw e;
    }
    if (streamable && offset == size && n > 0 && behind.on() && reserve(n)) {
      ByteBuf copy = behind.alloc().directBuffer(n);
      copy.writeBytes(src.duplicate());
      queue(copy, conn, bucket, file);
      size += n;
      clean = false;
      failed = false;
      mtimeNanos = now();
      return;
    }
    drainOrFail();
    writeFully(src.duplicate(), offset);
    if (streamable && offset == size) {
      try {
        if (stream == null) {
          stream = conn.client().openWriter(bucket, file, null);
        }
        stream.write(src.duplicate());
      } catch (FsException e) {
        dropStream();
        if (e.errno() == Errno.ENOSPC) {
          size = Math.max(size, offset + n);
          clean = false;
          throw e;
        }
        // anything else (a lost connection): the commit sends the spill file again
      }
    } else {
      dropStream();
    }
    size = Math.max(size, offset + n);
    clean = false;
    failed = false;
    mtimeNanos = now();
  }

  /** Reads into {@code dst} from {@code offset}, up to the content's size; returns the bytes. */
  int read(long offset, ByteBuffer dst) {
    drainOrFail();
    int total = 0;
    try {
      while (dst.hasRemaining() && offset + total < size) {
        int limit = (int) Math.min(dst.remaining(), size - offset - total);
        ByteBuffer part = dst.slice(dst.position(), limit);
        int r = spill.read(part, offset + total);
        if (r <= 0) {
          // a hole at the end (sparse extension): zeros
          int z = limit;
          for (int i = 0; i < z; i++) {
            dst.put((byte) 0);
          }
          total += z;
          continue;
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
  void truncate(long newSize) {
    if (newSize == size) {
      return;
    }
    drainOrFail();
    try {
      if (newSize < size) {
        spill.truncate(newSize);
      } else {
        writeFully(ByteBuffer.allocate(1), newSize - 1);
      }
    } catch (IOException e) {
      throw spillFailure(e);
    }
    dropStream();
    if (newSize == 0) {
      streamable = true;
    }
    size = newSize;
    clean = false;
    failed = false;
    mtimeNanos = now();
  }

  /**
   * The stream (if any) was bound to the file's old name: the next commit sends the spill file to
   * the new one.
   */
  void renamed() {
    drain();
    dropStream();
  }

  /**
   * Makes the content the file's object: finishes the stream, or streams the spill file whole.
   * Returns once the server committed (durable). On failure nothing changed on the server and the
   * content stays here, not clean.
   */
  FileAttr commit(Connector conn, String bucket, String file, ByteBufAllocator alloc) {
    drain();
    failed = true;
    if (spillBroken != null) {
      throw spillBroken;
    }
    // the commit answers for a refusal the pump saw (the server refuses the commit alike)
    noSpace = null;
    FileAttr a = null;
    if (stream != null && streamable && stream.written() == size) {
      FileWriter w = stream;
      stream = null;
      try {
        a = w.commit();
      } catch (FsException e) {
        w.close();
        if (e.errno() != Errno.EIO) {
          streamable = false;
          throw e;
        }
        // EIO (a lost connection, most likely): send it all again below
      }
    }
    dropStream();
    streamable = false;
    if (a == null) {
      a = sendAll(conn.client(), bucket, file, alloc);
    }
    clean = true;
    failed = false;
    return a;
  }

  private FileAttr sendAll(FileClient c, String bucket, String file, ByteBufAllocator alloc) {
    try (FileWriter w = c.openWriter(bucket, file, null)) {
      ByteBuf buf = alloc.directBuffer(COPY_BYTES);
      try {
        long at = 0;
        while (at < size) {
          buf.clear();
          ByteBuffer view = buf.nioBuffer(0, (int) Math.min(COPY_BYTES, size - at));
          int n = read(at, view);
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

  // ---- write-behind

  /**
   * Takes {@code n} bytes of the shared write-behind memory: waits while this file's own queue
   * holds some (its pump gives them back); false when none is free and this file holds none (the
   * write is then made in place).
   */
  private boolean reserve(int n) {
    if (behind.memory().tryAcquire(n)) {
      return true;
    }
    queueLock.lock();
    try {
      while (true) {
        if (behind.memory().tryAcquire(n)) {
          return true;
        }
        if (queue.isEmpty() && !pumping) {
          return false;
        }
        progress.awaitUninterruptibly();
      }
    } finally {
      queueLock.unlock();
    }
  }

  /** Queues {@code copy} (consumed, holding its bytes of write-behind memory) for the pump. */
  private void queue(ByteBuf copy, Connector conn, String bucket, String file) {
    boolean start;
    queueLock.lock();
    try {
      queue.add(copy);
      start = !pumping;
      pumping = true;
    } finally {
      queueLock.unlock();
    }
    if (start) {
      long from = size;
      try {
        behind.pumps().execute(() -> pump(conn, bucket, file, from));
      } catch (RejectedExecutionException e) {
        // the mount is closing: no thread left; do it here
        pump(conn, bucket, file, from);
      }
    }
  }

  /** Sends and spills the queued appends, from offset {@code from}, until the queue is empty. */
  private void pump(Connector conn, String bucket, String file, long from) {
    long at = from;
    while (true) {
      ByteBuf b;
      queueLock.lock();
      try {
        b = queue.poll();
        if (b == null) {
          pumping = false;
          progress.signalAll();
          return;
        }
      } finally {
        queueLock.unlock();
      }
      int n = b.readableBytes();
      try {
        pumpOne(conn, bucket, file, at, b);
      } catch (RuntimeException | Error e) {
        if (spillBroken == null) {
          spillBroken = new FsException(Errno.EIO, "mount: write-behind failed: " + e, e);
          LOG.log(System.Logger.Level.WARNING, spillBroken.getMessage());
        }
      } finally {
        b.release();
        behind.memory().release(n);
        at += n;
        queueLock.lock();
        try {
          progress.signalAll();
        } finally {
          queueLock.unlock();
        }
      }
    }
  }

  /** Sends {@code b} (borrowed) to the stream and writes it to the spill file at {@code at}. */
  private void pumpOne(Connector conn, String bucket, String file, long at, ByteBuf b) {
    if (spillBroken != null) {
      return;
    }
    if (!streamLost) {
      try {
        if (stream == null) {
          stream = conn.client().openWriter(bucket, file, null);
        }
        // the transport reads the bytes while the spill file is written below
        stream.send(b.retainedDuplicate());
      } catch (FsException e) {
        if (stream != null) {
          stream.close();
          stream = null;
        }
        streamLost = true;
        if (e.errno() == Errno.ENOSPC) {
          noSpace = e;
        }
        // anything else (a lost connection): the commit sends the spill file again
      }
    }
    try {
      writeFully(b.nioBuffer(), at);
    } catch (FsException e) {
      spillBroken = e;
    }
  }

  /** Like {@link #drain()}, then fails with EIO when a spill write behind failed. */
  private void drainOrFail() {
    drain();
    if (spillBroken != null) {
      throw spillBroken;
    }
  }

  /**
   * Waits until the pump has sent and spilled every queued append; afterwards the stream and the
   * spill file are this thread's again.
   */
  private void drain() {
    queueLock.lock();
    try {
      while (pumping) {
        progress.awaitUninterruptibly();
      }
    } finally {
      queueLock.unlock();
    }
    if (streamLost) {
      streamLost = false;
      dropStream();
    }
  }

  private void dropStream() {
    if (stream != null) {
      stream.close();
      stream = null;
    }
    streamable = false;
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
    String m = "mount: spill file in " + (path == null ? "?" : path.getParent()) + ": " + e;
    LOG.log(System.Logger.Level.WARNING, m);
    return new FsException(Errno.EIO, m, e);
  }

  private static long now() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Discards the content and deletes the spill file. */
  @Override
  public void close() {
    drain();
    dropStream();
    try {
      spill.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
