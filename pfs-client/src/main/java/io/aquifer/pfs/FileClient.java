package io.aquifer.pfs;

import io.aquifer.transport.Connection;
import io.aquifer.transport.Message;
import io.aquifer.transport.OutboundStream;
import io.aquifer.transport.Response;
import io.aquifer.transport.TransportError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Calls a {@link FileServiceHandler} over one transport {@link Connection}: the same operations as
 * {@link FileService}, failing with the same {@link FsException}s (transport failures are {@link
 * Errno#EIO}). Reads are split into {@link FileClientConfig#readUnitBytes} requests with {@link
 * FileClientConfig#readsInFlight} in flight; writes stream the file and commit at the end.
 *
 * <p>Methods block until the answer comes: call them from virtual threads (or other threads that
 * may block), never from an I/O thread. Thread-safe; the caller keeps owning the connection.
 */
public final class FileClient {
  private static final System.Logger LOG = System.getLogger(FileClient.class.getName());

  private final Connection connection;
  private final FileClientConfig config;
  private final ByteBufAllocator allocator;

  /** A client on {@code connection}, with request buffers from {@code allocator}. */
  public FileClient(Connection connection, FileClientConfig config, ByteBufAllocator allocator) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.config = Objects.requireNonNull(config, "config");
    this.allocator = Objects.requireNonNull(allocator, "allocator");
  }

  /** A client with the default settings and pooled buffers. */
  public FileClient(Connection connection) {
    this(connection, FileClientConfig.defaults(), ByteBufAllocator.DEFAULT);
  }

  /**
   * A client on {@code connection} that has authenticated with an access key and secret key (as for
   * S3), with pooled buffers.
   *
   * @throws FsException {@link Errno#EACCES} when the node refuses the keys
   */
  public static FileClient connect(
      Connection connection, String accessKey, String secretKey, FileClientConfig config) {
    FileClient c = new FileClient(connection, config, ByteBufAllocator.DEFAULT);
    c.authenticate(accessKey, secretKey);
    return c;
  }

  /**
   * Authenticates this connection: asks the node for a nonce and answers it with HMAC-SHA256 of the
   * secret key (which never crosses the wire). Until then a node with users answers every other
   * call with {@link Errno#EACCES}. Once per connection.
   *
   * @return who the connection now acts as
   * @throws FsException {@link Errno#EACCES} when the node refuses the keys, {@link Errno#EINVAL}
   *     when the connection is already authenticated or the node has no users
   */
  public PfsIdentity authenticate(String accessKey, String secretKey) {
    Objects.requireNonNull(accessKey, "accessKey");
    Objects.requireNonNull(secretKey, "secretKey");
    byte[] nonce;
    ByteBuf ch = header(PfsAuth.CHALLENGE, "");
    try (Message m = PfsAuth.unwrap(PfsAuth.CHALLENGE, connection.request(ch, null).join())) {
      nonce = PfsAuth.readBytes(m.header());
    }
    ByteBuf h = header(PfsAuth.AUTH, "");
    try {
      FileWire.writeString(h, accessKey);
      PfsAuth.writeBytes(h, PfsAuth.signature(secretKey, nonce, accessKey));
    } catch (RuntimeException e) {
      h.release();
      throw e;
    }
    try (Message m = PfsAuth.unwrap(PfsAuth.AUTH, connection.request(h, null).join())) {
      String user = FileWire.readString(m.header());
      return new PfsIdentity(user, m.header().readUnsignedByte() != 0);
    }
  }

  /** As {@link FileService#getattr}. */
  public FileAttr getattr(String bucket, String path) {
    ByteBuf h = header(FileWire.GETATTR, bucket);
    FileWire.writeString(h, path);
    return attrCall(FileWire.GETATTR, h);
  }

  /** As {@link FileService#readdir}. */
  public DirPage readdir(String bucket, String dir, String cookie, int max) {
    ByteBuf h = header(FileWire.READDIR, bucket);
    FileWire.writeString(h, dir);
    FileWire.writeString(h, cookie == null ? "" : cookie);
    h.writeShort(max);
    try (Message m = call(FileWire.READDIR, h, null)) {
      ByteBuf rh = m.header();
      boolean more = rh.readUnsignedByte() != 0;
      String next = FileWire.readString(rh);
      int n = rh.readInt();
      List<DirEntry> entries = new ArrayList<>(n);
      ByteBuf body = m.payload();
      for (int i = 0; i < n; i++) {
        String name = FileWire.readString(body);
        entries.add(new DirEntry(name, FileWire.readAttr(body)));
      }
      return new DirPage(entries, more ? next : null, more);
    }
  }

  /** Every entry of a directory, reading it in pages of 1000 keys. */
  public List<DirEntry> readdirAll(String bucket, String dir) {
    List<DirEntry> all = new ArrayList<>();
    String cookie = null;
    do {
      DirPage page = readdir(bucket, dir, cookie, 1000);
      all.addAll(page.entries());
      cookie = page.more() ? page.cookie() : null;
    } while (cookie != null);
    return all;
  }

  /** As {@link FileService#mkdir}. */
  public FileAttr mkdir(String bucket, String path, int mode) {
    ByteBuf h = header(FileWire.MKDIR, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode);
    return attrCall(FileWire.MKDIR, h);
  }

  /** As {@link FileService#rmdir}. */
  public void rmdir(String bucket, String path) {
    ByteBuf h = header(FileWire.RMDIR, bucket);
    FileWire.writeString(h, path);
    call(FileWire.RMDIR, h, null).close();
  }

  /** As {@link FileService#create}. */
  public FileAttr create(String bucket, String path, int mode) {
    ByteBuf h = header(FileWire.CREATE, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode);
    return attrCall(FileWire.CREATE, h);
  }

  /** As {@link FileService#unlink}. */
  public void unlink(String bucket, String path) {
    ByteBuf h = header(FileWire.UNLINK, bucket);
    FileWire.writeString(h, path);
    call(FileWire.UNLINK, h, null).close();
  }

  /** As {@link FileService#rename}. */
  public void rename(String bucket, String src, String dst, boolean noReplace) {
    ByteBuf h = header(FileWire.RENAME, bucket);
    FileWire.writeString(h, src);
    FileWire.writeString(h, dst);
    h.writeByte(noReplace ? FileWire.RENAME_NOREPLACE : 0);
    call(FileWire.RENAME, h, null).close();
  }

  /** As {@link FileService#setattr}. */
  public FileAttr setattr(String bucket, String path, SetAttr change) {
    ByteBuf h = header(FileWire.SETATTR, bucket);
    FileWire.writeString(h, path);
    FileWire.writeSetAttr(h, change);
    return attrCall(FileWire.SETATTR, h);
  }

  /**
   * Reads up to {@code length} bytes from {@code offset} into {@code dst} (after its writer index),
   * as requests of at most {@link FileClientConfig#readUnitBytes}, cut at multiples of it in the
   * file, of which {@link FileClientConfig#readsInFlight} are in flight at once, copied into {@code
   * dst} in order.
   *
   * @param dst borrowed; grows as needed
   * @return the bytes read: fewer than {@code length} only at the end of the file
   */
  public long read(String bucket, String path, long offset, ByteBuf dst, long length) {
    return read(bucket, path, offset, dst, length, null);
  }

  /**
   * As {@link #read(String, String, long, ByteBuf, long)}, from the version with ETag {@code etag}
   * only ({@link Errno#ESTALE} when the file was replaced); null reads any.
   */
  public long read(String bucket, String path, long offset, ByteBuf dst, long length, String etag) {
    if (offset < 0 || length < 0) {
      throw new FsException(Errno.EINVAL, "read: negative offset or length");
    }
    long end = offset + length;
    ArrayDeque<Unit> inflight = new ArrayDeque<>();
    long next = offset;
    long total = 0;
    try {
      while (next < end && inflight.size() < config.readsInFlight()) {
        Unit u = readUnit(bucket, path, next, end, etag);
        inflight.add(u);
        next += u.length();
      }
      boolean eof = false;
      while (!inflight.isEmpty()) {
        Unit u = inflight.poll();
        try (Message m = unwrap(FileWire.READ, u.reply().join())) {
          if (!eof) {
            int n = m.payload().readableBytes();
            dst.writeBytes(m.payload());
            total += n;
            if (n < u.length()) {
              eof = true;
            }
          }
        }
        if (!eof && next < end) {
          Unit more = readUnit(bucket, path, next, end, etag);
          inflight.add(more);
          next += more.length();
        }
      }
      return total;
    } catch (RuntimeException e) {
      for (Unit u : inflight) {
        u.reply().thenAccept(FileClient::release);
      }
      throw e;
    }
  }

  /** One read request in flight: its length and its reply. */
  private record Unit(int length, CompletableFuture<Response> reply) {}

  /**
   * Asks for the bytes from {@code at} to the next multiple of the unit (or {@code end}): requests
   * fall on unit boundaries of the file whatever the read's offset, so each is one stripe unit of
   * the node's layout (a shard block) and not the halves of two.
   */
  private Unit readUnit(String bucket, String path, long at, long end, String etag) {
    int unit = config.readUnitBytes();
    int len = (int) Math.min(unit - at % unit, end - at);
    ByteBuf h = header(FileWire.READ, bucket);
    FileWire.writeString(h, path);
    h.writeLong(at);
    h.writeInt(len);
    if (etag != null) {
      FileWire.writeString(h, etag);
    }
    return new Unit(len, connection.request(h, null));
  }

  /**
   * Writes a whole file from {@code in} (not closed), streaming it in {@link
   * FileClientConfig#writeChunkBytes} chunks as it is read, and commits it: the file appears (or is
   * replaced) only once every byte has arrived. If reading {@code in} fails, the stream is aborted
   * and nothing is stored.
   *
   * @param mode the file's permission bits, or null to keep an existing file's (or the default)
   * @throws IOException when {@code in} fails
   */
  public FileAttr write(String bucket, String path, InputStream in, Integer mode)
      throws IOException {
    ByteBuf h = header(FileWire.WRITE, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode == null ? -1 : mode);
    OutboundStream stream = connection.openStream(h);
    long sent = 0;
    try {
      while (!stream.response().isDone()) {
        ByteBuf chunk = allocator.directBuffer(config.writeChunkBytes() + 1);
        int n;
        try {
          chunk.writeByte(FileWire.CHUNK_DATA);
          n = fill(chunk, in, config.writeChunkBytes());
        } catch (IOException | RuntimeException e) {
          chunk.release();
          throw e;
        }
        if (n == 0) {
          chunk.release();
          break;
        }
        sent += n;
        stream.write(chunk).join();
        if (n < config.writeChunkBytes()) {
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      ByteBuf abort = allocator.buffer(1).writeByte(FileWire.CHUNK_ABORT);
      stream.write(abort);
      stream.end().thenAccept(FileClient::release);
      throw e;
    }
    if (!stream.response().isDone()) {
      ByteBuf commit = allocator.buffer(9).writeByte(FileWire.CHUNK_COMMIT).writeLong(sent);
      stream.write(commit);
    }
    Response r = stream.end().join();
    try (Message m = unwrap(FileWire.WRITE, r)) {
      return FileWire.readAttr(m.header());
    }
  }

  private static int fill(ByteBuf chunk, InputStream in, int want) throws IOException {
    int got = 0;
    while (got < want) {
      int n = chunk.writeBytes(in, want - got);
      if (n < 0) {
        break;
      }
      got += n;
    }
    return got;
  }

  /** The connection this client calls on (the caller's). */
  public Connection connection() {
    return connection;
  }

  /** As {@link FileService#mkdir(String, String, int, int, int)}. */
  public FileAttr mkdir(String bucket, String path, int mode, int uid, int gid) {
    ByteBuf h = header(FileWire.MKDIR, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode).writeInt(uid).writeInt(gid);
    return attrCall(FileWire.MKDIR, h);
  }

  /** As {@link FileService#create(String, String, int, int, int)}. */
  public FileAttr create(String bucket, String path, int mode, int uid, int gid) {
    ByteBuf h = header(FileWire.CREATE, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode).writeInt(uid).writeInt(gid);
    return attrCall(FileWire.CREATE, h);
  }

  /** As {@link FileService#symlink}. */
  public FileAttr symlink(String bucket, String path, String target, int uid, int gid) {
    ByteBuf h = header(FileWire.SYMLINK, bucket);
    try {
      FileWire.writeString(h, path);
      FileWire.writeString(h, target);
    } catch (RuntimeException e) {
      h.release();
      throw e;
    }
    h.writeInt(uid).writeInt(gid);
    return attrCall(FileWire.SYMLINK, h);
  }

  /** As {@link FileService#readlink}. */
  public String readlink(String bucket, String path) {
    ByteBuf h = header(FileWire.READLINK, bucket);
    FileWire.writeString(h, path);
    try (Message m = call(FileWire.READLINK, h, null)) {
      return FileWire.readString(m.header());
    }
  }

  /** As {@link FileService#listBuckets}. */
  public List<String> listBuckets() {
    ByteBuf h = header(FileWire.BUCKETS, "");
    try (Message m = call(FileWire.BUCKETS, h, null)) {
      int n = m.header().readInt();
      List<String> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(FileWire.readString(m.payload()));
      }
      return out;
    }
  }

  /** As {@link FileService#statfs}. */
  public FsStats statfs(String bucket) {
    ByteBuf h = header(FileWire.STATFS, bucket);
    try (Message m = call(FileWire.STATFS, h, null)) {
      ByteBuf b = m.header();
      return new FsStats(b.readLong(), b.readLong(), b.readLong());
    }
  }

  /**
   * Starts streaming a whole file, as {@link FileService#openWrite}: write to the returned writer,
   * then {@link FileWriter#commit()}. Failures of the open itself (EISDIR, ENOENT) come at the
   * first write or the commit.
   *
   * @param mode the file's permission bits, or null to keep an existing file's (or the default)
   */
  public FileWriter openWriter(String bucket, String path, Integer mode) {
    return openWriter(bucket, path, mode, false);
  }

  /**
   * As {@link #openWriter(String, String, Integer)}; with {@code staged}, the node writes the bytes
   * to a hidden staged object that the commit renames onto the file, so that {@link
   * FileWriter#park()} can commit them there instead, to be read back.
   */
  public FileWriter openWriter(String bucket, String path, Integer mode, boolean staged) {
    ByteBuf h = header(FileWire.WRITE, bucket);
    FileWire.writeString(h, path);
    h.writeInt(mode == null ? -1 : mode);
    if (staged) {
      h.writeByte(FileWire.WRITE_STAGED);
    }
    return new FileWriter(connection.openStream(h), allocator, config.writeChunkBytes());
  }

  // ---- calls

  private ByteBuf header(int op, String bucket) {
    ByteBuf h = allocator.buffer(128);
    h.writeByte(FileWire.VERSION);
    h.writeByte(op);
    try {
      FileWire.writeString(h, bucket);
    } catch (RuntimeException e) {
      h.release();
      throw e;
    }
    return h;
  }

  private FileAttr attrCall(int op, ByteBuf h) {
    try (Message m = call(op, h, null)) {
      return FileWire.readAttr(m.header());
    }
  }

  /** Sends a request; the reply is the caller's to close. */
  private Message call(int op, ByteBuf header, ByteBuf payload) {
    return unwrap(op, connection.request(header, payload).join());
  }

  /** The reply of a successful call, or the failure as an {@link FsException}. */
  static Message unwrap(int op, Response r) {
    return switch (r) {
      case Response.Ok ok -> ok.message();
      case TransportError.RemoteError e when e.code() >= FileWire.ERRNO_BASE ->
          throw new FsException(
              Errno.fromNumber(e.code() - FileWire.ERRNO_BASE),
              FileWire.opName(op) + ": " + e.message());
      case TransportError e -> {
        LOG.log(System.Logger.Level.WARNING, "pfs: " + FileWire.opName(op) + ": " + e.describe());
        throw new FsException(Errno.EIO, FileWire.opName(op) + ": " + e.describe());
      }
    };
  }

  static void release(Response r) {
    if (r instanceof Response.Ok ok) {
      ok.close();
    }
  }
}
