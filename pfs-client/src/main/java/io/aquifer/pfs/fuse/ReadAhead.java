package io.aquifer.pfs.fuse;

import io.aquifer.pfs.FileClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * One handle's read-ahead. A read that starts where the last one ended is sequential: the window
 * doubles (from {@code min} up to {@code max}) and the bytes up to the window past the read are
 * prefetched as unit-sized requests, several in flight, on virtual threads. Any other read drops
 * what was prefetched and resets the window. Prefetched bytes of all handles together are bounded
 * by one semaphore; when it is exhausted, reads simply go to the server directly. Reads not covered
 * by prefetched bytes land straight in the caller's buffer. Thread-safe (one lock per handle).
 */
final class ReadAhead implements AutoCloseable {
  /**
   * How many units behind the furthest read a read still counts as sequential: the FUSE workers (8
   * by default) may serve the kernel's reads of one stream in any order.
   */
  static final int REORDER_UNITS = 8;

  private final int min;
  private final int max;
  private final int unit;
  private final Semaphore memory;
  private final ExecutorService workers;
  private final ByteBufAllocator alloc;
  private final TreeMap<Long, Chunk> chunks = new TreeMap<>();
  private long window;
  private long expected;
  private String pinned = "";
  private boolean closed;

  /** A prefetched range; {@code data} completes with its bytes (fewer at the end of the file). */
  private record Chunk(long offset, int length, CompletableFuture<ByteBuf> data) {}

  ReadAhead(
      int min, int max, int unit, Semaphore memory, ExecutorService workers, ByteBufAllocator a) {
    this.min = min;
    this.max = max;
    this.unit = unit;
    this.memory = memory;
    this.workers = workers;
    this.alloc = a;
    this.window = min;
  }

  /** The current window, for tests and metrics. */
  synchronized long window() {
    return window;
  }

  /**
   * Reads into {@code dst} at {@code offset} of a file of {@code size} bytes (as known at open).
   * Returns the bytes read.
   */
  synchronized int read(
      Connector conn,
      String bucket,
      String file,
      String etag,
      long offset,
      ByteBuffer dst,
      long size) {
    if (!etag.equals(pinned)) {
      dropAll();
      pinned = etag;
    }
    // the kernel sends a few reads of one stream at once (its own read-ahead, async reads), and the
    // workers serve them in any order: up to one unit past the last end, or a few units behind it,
    // counts as sequential (else every overtaken read dropped what was prefetched for it)
    boolean sequential = offset >= expected - REORDER_UNITS * unit && offset <= expected + unit;
    if (sequential && offset > 0) {
      window = Math.min(max, window * 2);
    } else if (!sequential) {
      dropAll();
      window = min;
    }
    int want = dst.remaining();
    int got = 0;
    while (dst.hasRemaining()) {
      Map.Entry<Long, Chunk> e = chunks.floorEntry(offset + got);
      if (e == null || e.getValue().offset() + e.getValue().length() <= offset + got) {
        break;
      }
      ByteBuf b = bytes(e.getValue());
      if (b == null) {
        chunks.remove(e.getKey());
        release(e.getValue());
        break;
      }
      int at = (int) (offset + got - e.getValue().offset());
      if (at >= b.readableBytes()) {
        break;
      }
      int n = Math.min(dst.remaining(), b.readableBytes() - at);
      ByteBuffer part = dst.slice(dst.position(), n);
      b.getBytes(at, part);
      dst.position(dst.position() + n);
      got += n;
      if (b.readableBytes() < e.getValue().length() && at + n >= b.readableBytes()) {
        break; // the end of the file
      }
    }
    if (dst.hasRemaining() && offset + got < size || got == 0 && want > 0) {
      got += direct(conn, bucket, file, etag, offset + got, dst);
    }
    expected = sequential ? Math.max(expected, offset + got) : offset + got;
    trim(offset - REORDER_UNITS * unit); // an overtaken read of the stream may still want them
    if (sequential && size > expected) {
      prefetch(conn, bucket, file, etag, expected, size);
    }
    return got;
  }

  /** Reads from the server straight into {@code dst} (wrapped, not copied). */
  private static int direct(
      Connector conn, String bucket, String file, String etag, long at, ByteBuffer dst) {
    int start = dst.position();
    int len = dst.remaining();
    long n =
        conn.read(
            c -> {
              ByteBuf into = Unpooled.wrappedBuffer(dst.slice(start, len)).clear();
              try {
                return c.read(bucket, file, at, into, len, etag);
              } finally {
                into.release();
              }
            });
    dst.position(start + (int) n);
    return (int) n;
  }

  private void prefetch(
      Connector conn, String bucket, String file, String etag, long from, long size) {
    long end = Math.min(size, from + window);
    long at = chunks.isEmpty() ? from : Math.max(from, lastEnd());
    FileClient c;
    try {
      c = conn.client();
    } catch (RuntimeException e) {
      return;
    }
    while (at < end) {
      // chunks end on multiples of the unit, so each is one request for one shard block
      int len = (int) Math.min(unit - at % unit, end - at);
      if (!memory.tryAcquire(len)) {
        return;
      }
      long pos = at;
      CompletableFuture<ByteBuf> f = new CompletableFuture<>();
      Chunk ch = new Chunk(pos, len, f);
      chunks.put(pos, ch);
      try {
        workers.execute(
            () -> {
              ByteBuf b = alloc.directBuffer(len);
              try {
                c.read(bucket, file, pos, b, len, etag);
                f.complete(b);
              } catch (RuntimeException e) {
                b.release();
                f.completeExceptionally(e);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        chunks.remove(pos);
        memory.release(len);
        return;
      }
      at += len;
    }
  }

  private long lastEnd() {
    Chunk last = chunks.lastEntry().getValue();
    return last.offset() + last.length();
  }

  /** The chunk's bytes, waiting for them; null when its read failed. */
  private static ByteBuf bytes(Chunk c) {
    try {
      return c.data().join();
    } catch (java.util.concurrent.CompletionException
        | java.util.concurrent.CancellationException e) {
      return null;
    }
  }

  /** Drops chunks wholly before {@code pos}. */
  private void trim(long pos) {
    Iterator<Chunk> it = chunks.values().iterator();
    while (it.hasNext()) {
      Chunk c = it.next();
      if (c.offset() + c.length() > pos) {
        break;
      }
      it.remove();
      release(c);
    }
  }

  private void dropAll() {
    for (Chunk c : chunks.values()) {
      release(c);
    }
    chunks.clear();
  }

  /** Gives back a chunk's memory once its read is done. */
  private void release(Chunk c) {
    c.data()
        .whenComplete(
            (b, e) -> {
              if (b != null) {
                b.release();
              }
              memory.release(c.length());
            });
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      dropAll();
    }
  }
}
