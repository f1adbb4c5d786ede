package io.aquifer.pfs;

import io.aquifer.transport.Message;
import io.aquifer.transport.OutboundStream;
import io.aquifer.transport.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * A whole file streamed to the file service while it is being written ({@link
 * FileClient#openWriter}): bytes are gathered into {@link FileClientConfig#writeChunkBytes} chunks,
 * and each full chunk goes to the server (which writes it to the drives) while the next ones fill;
 * at most {@link #CHUNKS_IN_FLIGHT} chunks not yet written to the connection, one filling, and the
 * connection's window are held. Nothing is visible until {@link #commit()} returns, which replaces
 * the file atomically. Not thread-safe. Close it: closing without a commit aborts and stores
 * nothing.
 */
public final class FileWriter implements AutoCloseable {
  /** The tag in front of each chunk {@link #send(ByteBuf)} makes (shared, never released). */
  private static final ByteBuf DATA_TAG =
      Unpooled.unreleasableBuffer(
          Unpooled.directBuffer(1).writeByte(FileWire.CHUNK_DATA).asReadOnly());

  /**
   * Chunks handed to the transport and not yet written to the connection: the writer waits for the
   * oldest beyond this many (so it syncs with the I/O thread once per chunk only when it is that
   * far ahead).
   */
  static final int CHUNKS_IN_FLIGHT = 8;

  private final OutboundStream stream;
  private final ByteBufAllocator allocator;
  private final int chunkBytes;
  private ByteBuf chunk;
  private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
  private long written;
  private boolean ended;

  FileWriter(OutboundStream stream, ByteBufAllocator allocator, int chunkBytes) {
    this.stream = stream;
    this.allocator = allocator;
    this.chunkBytes = chunkBytes;
  }

  /**
   * Appends the remaining bytes of {@code src} and advances its position.
   *
   * @param src borrowed
   * @throws FsException when the server already failed the stream (for example {@link Errno#ENOSPC}
   *     or {@link Errno#EIO}); nothing will be stored then
   */
  public void write(ByteBuffer src) {
    checkOpen();
    while (src.hasRemaining()) {
      if (chunk == null) {
        chunk = allocator.directBuffer(chunkBytes + 1);
        chunk.writeByte(FileWire.CHUNK_DATA);
      }
      int n = Math.min(src.remaining(), chunk.writableBytes());
      ByteBuffer part = src.slice(src.position(), n);
      chunk.writeBytes(part);
      src.position(src.position() + n);
      written += n;
      if (!chunk.isWritable()) {
        send();
      }
    }
  }

  /**
   * Appends the readable bytes of {@code src}.
   *
   * @param src borrowed: neither its indices nor its reference count change
   */
  public void write(ByteBuf src) {
    for (ByteBuffer b : src.nioBuffers(src.readerIndex(), src.readableBytes())) {
      write(b);
    }
  }

  /**
   * Appends the readable bytes of {@code data} without copying them: what was gathered so far goes
   * first, then {@code data} in chunks of at most {@link FileClientConfig#writeChunkBytes}, each a
   * slice of it behind the chunk's tag. Blocks like {@link #write(ByteBuffer)} while the connection
   * has no room.
   *
   * @param data consumed: released once sent, or at once when this throws
   * @throws FsException when the server already failed the stream; nothing will be stored then
   */
  public void send(ByteBuf data) {
    try {
      checkOpen();
      if (chunk != null) {
        send();
      }
      while (data.isReadable()) {
        int n = Math.min(data.readableBytes(), chunkBytes);
        ByteBuf part = data.readRetainedSlice(n);
        chunk = Unpooled.wrappedBuffer(DATA_TAG.duplicate(), part);
        written += n;
        send();
      }
    } finally {
      data.release();
    }
  }

  /** Bytes written so far. */
  public long written() {
    return written;
  }

  /**
   * Sends what is left and commits: returns once the file is durable and visible.
   *
   * @throws FsException the server's failure ({@link Errno#ENOSPC} for a quota, {@link Errno#EIO});
   *     nothing is stored then
   */
  public FileAttr commit() {
    try (Message m = FileClient.unwrap(FileWire.WRITE, end(FileWire.CHUNK_COMMIT))) {
      return FileWire.readAttr(m.header());
    }
  }

  /**
   * Sends what is left, then the stream's end tagged {@code tag} (commit or park) with the byte
   * count, unless the node already answered; returns the node's response.
   */
  private Response end(int tag) {
    checkOpen();
    if (chunk != null) {
      send();
    }
    joinAll();
    ended = true;
    if (!stream.response().isDone()) {
      stream.write(allocator.buffer(9).writeByte(tag).writeLong(written));
    }
    return stream.end().join();
  }

  /** What {@link #park()} committed: the staged object's attributes and key. */
  public record Parked(FileAttr attr, String key) {}

  /**
   * For a staged writer ({@link FileClient#openWriter(String, String, Integer, boolean)}): sends
   * what is left and commits it as the hidden staged object, not the file (which stays unchanged).
   * The caller reads the bytes back from {@link Parked#key()} and then removes it.
   *
   * @throws FsException the server's failure; nothing is stored then
   */
  public Parked park() {
    try (Message m = FileClient.unwrap(FileWire.WRITE, end(FileWire.CHUNK_PARK))) {
      FileAttr a = FileWire.readAttr(m.header());
      return new Parked(a, FileWire.readString(m.header()));
    }
  }

  /** Discards what was written (idempotent; nothing after a commit). */
  public void abort() {
    if (chunk != null) {
      chunk.release();
      chunk = null;
    }
    if (ended) {
      return;
    }
    ended = true;
    stream.write(allocator.buffer(1).writeByte(FileWire.CHUNK_ABORT));
    stream.end().thenAccept(FileClient::release);
  }

  @Override
  public void close() {
    abort();
  }

  private void send() {
    ByteBuf c = chunk;
    chunk = null;
    try {
      while (inFlight.size() >= CHUNKS_IN_FLIGHT) {
        inFlight.poll().join();
      }
      checkOpen();
    } catch (RuntimeException e) {
      c.release();
      throw e;
    }
    inFlight.add(stream.write(c));
  }

  private void joinAll() {
    while (!inFlight.isEmpty()) {
      inFlight.poll().join();
    }
  }

  private void checkOpen() {
    if (ended) {
      throw new IllegalStateException("the writer was committed or aborted");
    }
    if (stream.response().isDone()) {
      Response r = stream.response().join();
      abort();
      FileClient.unwrap(FileWire.WRITE, r).close();
      throw new FsException(Errno.EIO, "write: the server ended the stream early");
    }
  }
}
