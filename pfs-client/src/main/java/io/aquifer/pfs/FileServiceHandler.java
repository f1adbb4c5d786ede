package io.aquifer.pfs;

import io.aquifer.storage.ObjectStore;
import io.aquifer.transport.Connection;
import io.aquifer.transport.InboundStream;
import io.aquifer.transport.Message;
import io.aquifer.transport.Reply;
import io.aquifer.transport.RequestHandler;
import io.aquifer.transport.TransportError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves a {@link FileService} on a transport listener ({@code transport.listen(address,
 * handler)}). Each request runs on a virtual thread, never on the I/O thread. Reads hold at most
 * {@code maxReadBytesInFlight} bytes of reply buffers while they read from the store; a read asks
 * for at most {@code maxReadBytes}. Writes are streams: each chunk is written to the store before
 * the next is asked for, so a slow drive slows the sender.
 *
 * <p>Failures are replies with code {@code 100 + errno}. A malformed request gets {@link
 * Errno#EINVAL} and one log line.
 *
 * <p>With a {@link PfsAuthenticator}, each connection must authenticate first (CHALLENGE, then
 * AUTH; see {@link PfsSession}) and may then use only its user's buckets (root: all); without one,
 * every connection may use every bucket.
 */
public final class FileServiceHandler implements RequestHandler, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FileServiceHandler.class.getName());

  /** Default largest read per request: 4 MiB. */
  public static final int DEFAULT_MAX_READ_BYTES = 4 << 20;

  /** Default reply memory for reads in flight: 64 MiB. */
  public static final int DEFAULT_MAX_READ_BYTES_IN_FLIGHT = 64 << 20;

  private final FileService service;
  private final ByteBufAllocator allocator;
  private final int maxReadBytes;
  private final Semaphore readBytes;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final PfsAuthenticator authenticator;
  private final FileServiceObserver observer;
  private final SecureRandom random = new SecureRandom();
  private final PfsSession unbound;

  /**
   * A handler with reply buffers from {@code allocator}.
   *
   * @param maxReadBytes the largest read one request may ask for
   * @param maxReadBytesInFlight reply memory all reads in flight may hold, at least {@code
   *     maxReadBytes}
   */
  public FileServiceHandler(
      FileService service, ByteBufAllocator allocator, int maxReadBytes, int maxReadBytesInFlight) {
    this(service, allocator, maxReadBytes, maxReadBytesInFlight, null, FileServiceObserver.NONE);
  }

  /**
   * A handler whose connections authenticate against {@code authenticator}.
   *
   * @param authenticator the users, or null to serve every connection unauthenticated, with access
   *     to every bucket
   * @param observer told of connections and answered requests (metrics)
   */
  public FileServiceHandler(
      FileService service,
      ByteBufAllocator allocator,
      int maxReadBytes,
      int maxReadBytesInFlight,
      PfsAuthenticator authenticator,
      FileServiceObserver observer) {
    this.authenticator = authenticator;
    this.observer = Objects.requireNonNull(observer, "observer");
    this.unbound = PfsSession.unbound(authenticator == null);
    this.service = Objects.requireNonNull(service, "service");
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    if (maxReadBytes < 1 || maxReadBytesInFlight < maxReadBytes) {
      throw new IllegalArgumentException(
          "pfs maxReadBytes must be positive and at most maxReadBytesInFlight");
    }
    this.maxReadBytes = maxReadBytes;
    this.readBytes = new Semaphore(maxReadBytesInFlight);
  }

  /** A handler with pooled buffers and the default limits. */
  public FileServiceHandler(FileService service) {
    this(
        service,
        ByteBufAllocator.DEFAULT,
        DEFAULT_MAX_READ_BYTES,
        DEFAULT_MAX_READ_BYTES_IN_FLIGHT);
  }

  /** This connection's session: its handshake state and who it acts as. */
  @Override
  public RequestHandler forConnection(Connection connection) {
    return PfsSession.bind(this, connection);
  }

  @Override
  public CompletableFuture<Reply> onRequest(Message request) {
    return onRequest(request, unbound);
  }

  CompletableFuture<Reply> onRequest(Message request, PfsSession session) {
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try (request) {
              return serve(request.header(), request.payload(), session);
            }
          },
          workers);
    } catch (RejectedExecutionException e) {
      request.close();
      return CompletableFuture.completedFuture(closing());
    }
  }

  private static Reply closing() {
    return error(Errno.EIO, "the file service is shutting down");
  }

  private Reply serve(ByteBuf h, ByteBuf payload, PfsSession session) {
    int op = -1;
    try {
      int version = h.readUnsignedByte();
      op = h.readUnsignedByte();
      if (version != FileWire.VERSION) {
        return error(
            Errno.EINVAL, "file-service message version " + version + " is not supported (1)");
      }
      String bucket = FileWire.readString(h);
      if (PfsAuth.isHandshake(op)) {
        return session.handshake(op, h);
      }
      Reply denied = session.authorize(op, bucket);
      if (denied != null) {
        return denied;
      }
      return switch (op) {
        case FileWire.GETATTR -> attrReply(service.getattr(bucket, FileWire.readString(h)));
        case FileWire.READDIR -> readdir(bucket, h);
        case FileWire.MKDIR -> {
          String p = FileWire.readString(h);
          int mode = h.readInt();
          yield attrReply(
              h.readableBytes() >= 8
                  ? service.mkdir(bucket, p, mode, h.readInt(), h.readInt())
                  : service.mkdir(bucket, p, mode));
        }
        case FileWire.RMDIR -> {
          service.rmdir(bucket, FileWire.readString(h));
          yield empty();
        }
        case FileWire.CREATE -> {
          String p = FileWire.readString(h);
          int mode = h.readInt();
          yield attrReply(
              h.readableBytes() >= 8
                  ? service.create(bucket, p, mode, h.readInt(), h.readInt())
                  : service.create(bucket, p, mode));
        }
        case FileWire.UNLINK -> {
          service.unlink(bucket, FileWire.readString(h));
          yield empty();
        }
        case FileWire.RENAME -> {
          String src = FileWire.readString(h);
          String dst = FileWire.readString(h);
          int flags = h.readUnsignedByte();
          service.rename(bucket, src, dst, (flags & FileWire.RENAME_NOREPLACE) != 0);
          yield empty();
        }
        case FileWire.READ -> read(bucket, h);
        case FileWire.SETATTR -> {
          String p = FileWire.readString(h);
          yield attrReply(service.setattr(bucket, p, FileWire.readSetAttr(h)));
        }
        case FileWire.SYMLINK -> {
          String p = FileWire.readString(h);
          String target = FileWire.readString(h);
          yield attrReply(service.symlink(bucket, p, target, h.readInt(), h.readInt()));
        }
        case FileWire.READLINK -> {
          String target = service.readlink(bucket, FileWire.readString(h));
          ByteBuf b = allocator.buffer(target.length() * 3 + 2);
          FileWire.writeString(b, target);
          yield Reply.ok(b, null);
        }
        case FileWire.BUCKETS -> buckets(session);
        case FileWire.STATFS -> {
          FsStats st = service.statfs(bucket);
          ByteBuf b = allocator.buffer(24);
          b.writeLong(st.totalBytes()).writeLong(st.freeBytes()).writeLong(st.files());
          yield Reply.ok(b, null);
        }
        default -> malformed(op, "unknown op " + op);
      };
    } catch (FsException e) {
      return error(e.errno(), e.getMessage());
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return malformed(op, e.toString());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "pfs: " + FileWire.opName(op) + " failed: " + e, e);
      return error(Errno.EIO, FileWire.opName(op) + " failed: " + e);
    }
  }

  private Reply readdir(String bucket, ByteBuf h) {
    String dir = FileWire.readString(h);
    String cookie = FileWire.readString(h);
    int max = h.readUnsignedShort();
    DirPage page = service.readdir(bucket, dir, cookie.isEmpty() ? null : cookie, max);
    ByteBuf header = allocator.buffer(64);
    ByteBuf body = allocator.buffer(page.entries().size() * 64 + 16);
    try {
      header.writeByte(page.more() ? 1 : 0);
      FileWire.writeString(header, page.cookie() == null ? "" : page.cookie());
      header.writeInt(page.entries().size());
      for (DirEntry e : page.entries()) {
        FileWire.writeString(body, e.name());
        FileWire.writeAttr(body, e.attr());
      }
    } catch (RuntimeException e) {
      header.release();
      body.release();
      throw e;
    }
    return Reply.ok(header, body);
  }

  private Reply buckets(PfsSession session) {
    java.util.List<String> names = session.visibleBuckets(service.listBuckets());
    ByteBuf header = allocator.buffer(8);
    ByteBuf body = allocator.buffer(names.size() * 16 + 16);
    try {
      header.writeInt(names.size());
      for (String n : names) {
        FileWire.writeString(body, n);
      }
    } catch (RuntimeException e) {
      header.release();
      body.release();
      throw e;
    }
    return Reply.ok(header, body);
  }

  private Reply read(String bucket, ByteBuf h) {
    String path = FileWire.readString(h);
    long offset = h.readLong();
    int length = h.readInt();
    String etag = h.isReadable() ? FileWire.readString(h) : null;
    if (length < 0 || length > maxReadBytes) {
      throw new FsException(
          Errno.EINVAL, "read of " + length + " bytes; at most " + maxReadBytes + " per request");
    }
    readBytes.acquireUninterruptibly(Math.max(length, 1));
    try {
      ByteBuf data = allocator.directBuffer(length);
      try {
        service.read(bucket, path, offset, data, length, etag);
      } catch (RuntimeException e) {
        data.release();
        throw e;
      }
      return Reply.ok(Unpooled.EMPTY_BUFFER, data);
    } finally {
      readBytes.release(Math.max(length, 1));
    }
  }

  // ---- streamed writes

  @Override
  public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
    return onStream(header, stream, unbound);
  }

  CompletableFuture<Reply> onStream(Message header, InboundStream stream, PfsSession session) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    Runnable task =
        () -> {
          String bucket;
          String path;
          int mode;
          boolean staged;
          try (header) {
            ByteBuf h = header.header();
            int version = h.readUnsignedByte();
            int op = h.readUnsignedByte();
            if (version != FileWire.VERSION || op != FileWire.WRITE) {
              reply.complete(malformed(op, "a stream must be a version-1 write, got op " + op));
              return;
            }
            bucket = FileWire.readString(h);
            path = FileWire.readString(h);
            mode = h.readInt();
            staged = h.isReadable() && (h.readUnsignedByte() & FileWire.WRITE_STAGED) != 0;
          } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            reply.complete(malformed(FileWire.WRITE, e.toString()));
            return;
          }
          Reply denied = session.authorize(FileWire.WRITE, bucket);
          if (denied != null) {
            // replying first: the transport discards the stream (nothing was asked for)
            reply.complete(denied);
            return;
          }
          reply.complete(write(bucket, path, mode, staged, stream));
        };
    try {
      workers.execute(task);
    } catch (RejectedExecutionException e) {
      header.close();
      reply.complete(closing());
    }
    return reply;
  }

  /**
   * Receives chunks on the I/O thread and hands them to the writing virtual thread. A lock and
   * condition rather than a monitor: a virtual thread woken from {@code Object.wait} is resumed
   * through the JDK's unblocker thread, one more thread switch per chunk.
   */
  private static final class Chunks implements InboundStream.ChunkListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private boolean closed;

    @Override
    public void onChunk(ByteBuf chunk) {
      lock.lock();
      try {
        if (!closed) {
          queue.add(chunk);
          ready.signal();
          return;
        }
      } finally {
        lock.unlock();
      }
      chunk.release();
    }

    @Override
    public void onEnd() {
      add(Boolean.TRUE);
    }

    @Override
    public void onError(TransportError error) {
      add(error);
    }

    private void add(Object o) {
      lock.lock();
      try {
        queue.add(o);
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    Object take() {
      lock.lock();
      try {
        while (queue.isEmpty()) {
          try {
            ready.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TransportError.ConnectionLost("interrupted");
          }
        }
        return queue.poll();
      } finally {
        lock.unlock();
      }
    }

    /** Releases what is queued and every chunk that still comes. */
    void close() {
      lock.lock();
      try {
        closed = true;
        for (Object o : queue) {
          if (o instanceof ByteBuf b) {
            b.release();
          }
        }
        queue.clear();
      } finally {
        lock.unlock();
      }
    }
  }

  private Reply write(String bucket, String path, int mode, boolean staged, InboundStream stream) {
    Chunks chunks = new Chunks();
    stream.subscribe(chunks);
    try (FileOutput out = service.openWrite(bucket, path, mode < 0 ? null : mode, staged)) {
      stream.request(2);
      while (true) {
        Object next = chunks.take();
        if (next instanceof ByteBuf chunk) {
          try {
            int tag = chunk.readUnsignedByte();
            switch (tag) {
              case FileWire.CHUNK_DATA -> out.write(chunk);
              case FileWire.CHUNK_COMMIT, FileWire.CHUNK_PARK -> {
                long total = chunk.readLong();
                if (total != out.written()) {
                  return error(
                      Errno.EIO,
                      "write "
                          + bucket
                          + "/"
                          + path
                          + ": the client sent "
                          + total
                          + " bytes, "
                          + out.written()
                          + " arrived; nothing was stored");
                }
                if (tag == FileWire.CHUNK_COMMIT) {
                  return attrReply(out.commit());
                }
                if (out.stagedKey() == null) {
                  return malformed(FileWire.WRITE, "park of a write that is not staged");
                }
                FileAttr parked = out.park();
                ByteBuf b = allocator.buffer(128);
                FileWire.writeAttr(b, parked);
                FileWire.writeString(b, out.stagedKey());
                return Reply.ok(b, null);
              }
              case FileWire.CHUNK_ABORT -> {
                return error(Errno.EINVAL, "write " + bucket + "/" + path + ": aborted");
              }
              default -> {
                return malformed(FileWire.WRITE, "bad chunk tag " + tag);
              }
            }
          } finally {
            chunk.release();
          }
          stream.request(1);
        } else if (next instanceof TransportError e) {
          LOG.log(
              System.Logger.Level.INFO,
              "pfs: write " + bucket + "/" + path + " discarded: " + e.describe());
          return error(Errno.EIO, e.describe());
        } else {
          return error(
              Errno.EIO, "write " + bucket + "/" + path + ": stream ended without a commit");
        }
      }
    } catch (FsException e) {
      return error(e.errno(), e.getMessage());
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return malformed(FileWire.WRITE, e.toString());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "pfs: write " + bucket + "/" + path + " failed", e);
      return error(Errno.EIO, "write failed: " + e);
    } finally {
      chunks.close();
    }
  }

  // ---- replies

  private Reply attrReply(FileAttr a) {
    ByteBuf b = allocator.buffer(64);
    FileWire.writeAttr(b, a);
    return Reply.ok(b, null);
  }

  private static Reply empty() {
    return Reply.ok(Unpooled.EMPTY_BUFFER, null);
  }

  private static Reply error(Errno errno, String message) {
    String m = message.length() > 900 ? message.substring(0, 900) : message;
    return Reply.error(FileWire.ERRNO_BASE + errno.number(), m);
  }

  private static Reply malformed(int op, String why) {
    LOG.log(
        System.Logger.Level.WARNING, "pfs: malformed " + FileWire.opName(op) + " request: " + why);
    return error(Errno.EINVAL, "malformed " + FileWire.opName(op) + " request: " + why);
  }

  PfsAuthenticator authenticator() {
    return authenticator;
  }

  FileServiceObserver observer() {
    return observer;
  }

  SecureRandom random() {
    return random;
  }

  ByteBufAllocator allocator() {
    return allocator;
  }

  ObjectStore store() {
    return service.store();
  }

  /** Stops the worker threads, after the requests they run. */
  @Override
  public void close() {
    workers.close();
  }
}
