package io.aquifer.pfs.fuse;

import static io.aquifer.pfs.fuse.FuseProtocol.ATTR_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.BATCH_FORGET;
import static io.aquifer.pfs.fuse.FuseProtocol.CREATE;
import static io.aquifer.pfs.fuse.FuseProtocol.DESTROY;
import static io.aquifer.pfs.fuse.FuseProtocol.ENTRY_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.FALLOCATE;
import static io.aquifer.pfs.fuse.FuseProtocol.FATTR_FH;
import static io.aquifer.pfs.fuse.FuseProtocol.FLUSH;
import static io.aquifer.pfs.fuse.FuseProtocol.FORGET;
import static io.aquifer.pfs.fuse.FuseProtocol.FSYNC;
import static io.aquifer.pfs.fuse.FuseProtocol.FSYNCDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.FSYNC_FDATASYNC;
import static io.aquifer.pfs.fuse.FuseProtocol.GETATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.GETATTR_FH;
import static io.aquifer.pfs.fuse.FuseProtocol.GETXATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.GETXATTR_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.H_GID;
import static io.aquifer.pfs.fuse.FuseProtocol.H_LEN;
import static io.aquifer.pfs.fuse.FuseProtocol.H_NODEID;
import static io.aquifer.pfs.fuse.FuseProtocol.H_OPCODE;
import static io.aquifer.pfs.fuse.FuseProtocol.H_PID;
import static io.aquifer.pfs.fuse.FuseProtocol.H_UID;
import static io.aquifer.pfs.fuse.FuseProtocol.H_UNIQUE;
import static io.aquifer.pfs.fuse.FuseProtocol.INIT;
import static io.aquifer.pfs.fuse.FuseProtocol.INTERRUPT;
import static io.aquifer.pfs.fuse.FuseProtocol.IN_HEADER;
import static io.aquifer.pfs.fuse.FuseProtocol.IOCTL;
import static io.aquifer.pfs.fuse.FuseProtocol.LINK;
import static io.aquifer.pfs.fuse.FuseProtocol.LISTXATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.LOOKUP;
import static io.aquifer.pfs.fuse.FuseProtocol.MKDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.MKNOD;
import static io.aquifer.pfs.fuse.FuseProtocol.OPEN;
import static io.aquifer.pfs.fuse.FuseProtocol.OPENDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.OPEN_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.OUT_HEADER;
import static io.aquifer.pfs.fuse.FuseProtocol.PAGE_SIZE;
import static io.aquifer.pfs.fuse.FuseProtocol.READ;
import static io.aquifer.pfs.fuse.FuseProtocol.READDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.READLINK;
import static io.aquifer.pfs.fuse.FuseProtocol.RELEASE;
import static io.aquifer.pfs.fuse.FuseProtocol.RELEASEDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.REMOVEXATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.RENAME;
import static io.aquifer.pfs.fuse.FuseProtocol.RENAME2;
import static io.aquifer.pfs.fuse.FuseProtocol.RMDIR;
import static io.aquifer.pfs.fuse.FuseProtocol.SETATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.SETXATTR;
import static io.aquifer.pfs.fuse.FuseProtocol.STATFS;
import static io.aquifer.pfs.fuse.FuseProtocol.STATFS_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.SYMLINK;
import static io.aquifer.pfs.fuse.FuseProtocol.UNLINK;
import static io.aquifer.pfs.fuse.FuseProtocol.WRITE;
import static io.aquifer.pfs.fuse.FuseProtocol.WRITE_IN;
import static io.aquifer.pfs.fuse.FuseProtocol.WRITE_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.opName;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.aquifer.pfs.FsException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One session worker: a platform thread (FFM downcalls pin virtual threads) with its own {@code
 * /dev/fuse} descriptor and its own request and reply memory, allocated once. It reads one request,
 * answers it through {@link FuseOps} and writes one reply, until the device says the file system is
 * gone (ENODEV).
 *
 * <p>READ replies are built in place: {@link FuseOps#read} writes into a direct view of the reply
 * memory just after the reply header. WRITE hands {@link FuseOps#write} a read-only view of the
 * request memory. Neither view outlives the call.
 */
final class FuseWorker implements Runnable {
  private static final System.Logger LOG = System.getLogger(FuseWorker.class.getName());

  private static final int EOPNOTSUPP = FuseException.EOPNOTSUPP;
  private static final int ENOSYS = FuseException.ENOSYS;
  private static final int EIO = FuseException.EIO;
  private static final int EINVAL = FuseException.EINVAL;
  private static final int EPERM = FuseException.EPERM;
  private static final int S_IFREG = FuseAttr.S_IFREG;

  /** A symlink target may be PATH_MAX bytes; names are shorter. */
  private static final int STRING_MAX = 4096;

  private final FuseSession session;
  private final FuseOps ops;
  private final int fd;
  private final int inSize;
  private final int outSize;
  private final boolean debug;
  private final byte[] scratch = new byte[STRING_MAX];
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();

  private MemorySegment in;
  private MemorySegment out;
  private MemorySegment state;
  private FuseDirBuffer dirBuffer;

  // the request being answered
  private int opcode;
  private long unique;
  private long nodeid;
  private long length;
  private long cursor;

  FuseWorker(FuseSession session, int fd) {
    this.session = session;
    this.ops = session.ops();
    this.fd = fd;
    this.inSize = session.requestBufferSize();
    this.outSize = session.replyBufferSize();
    this.debug = session.options().debug();
  }

  @Override
  public void run() {
    try (Arena arena = Arena.ofShared()) {
      in = arena.allocate(inSize, PAGE_SIZE);
      out = arena.allocate(outSize, PAGE_SIZE);
      state = Libc.newCallState(arena);
      dirBuffer = new FuseDirBuffer(out, OUT_HEADER);
      loop();
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "fuse: worker stopped: " + describe(t), t);
    } finally {
      session.workerExited(fd);
    }
  }

  private void loop() {
    while (true) {
      long n = Libc.read(state, fd, in, inSize);
      if (n < 0) {
        int errno = Libc.errno(state);
        if (errno == Libc.EINTR || errno == Libc.EAGAIN || errno == Libc.ENOENT) {
          continue; // interrupted, or the request was taken back: read again
        }
        if (errno != Libc.ENODEV) {
          LOG.log(
              System.Logger.Level.ERROR,
              "fuse: read /dev/fuse: " + Libc.strerror(errno) + " (errno " + errno + ")");
        }
        return; // ENODEV: unmounted, the session is over
      }
      if (n < IN_HEADER || in.get(JAVA_INT_UNALIGNED, H_LEN) != n) {
        LOG.log(System.Logger.Level.WARNING, "fuse: malformed request of " + n + " bytes ignored");
        continue;
      }
      handle(n);
    }
  }

  private void handle(long n) {
    length = n;
    opcode = in.get(JAVA_INT_UNALIGNED, H_OPCODE);
    unique = in.get(JAVA_LONG_UNALIGNED, H_UNIQUE);
    nodeid = in.get(JAVA_LONG_UNALIGNED, H_NODEID);
    if (debug) {
      LOG.log(
          System.Logger.Level.INFO,
          "fuse: " + opName(opcode) + " unique=" + unique + " ino=" + nodeid + " len=" + n);
    }
    try {
      dispatch();
    } catch (FuseException e) {
      replyError(e.errno());
    } catch (FsException e) {
      replyError(e.errno().number());
    } catch (Throwable t) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fuse: " + opName(opcode) + " ino=" + nodeid + " failed, answered EIO: " + describe(t));
      replyError(EIO);
    }
  }

  private void dispatch() {
    switch (opcode) {
      case LOOKUP -> replyEntry(ops.lookup(nodeid, nameAt(IN_HEADER)));
      case FORGET -> ops.forget(nodeid, i64(0, 8));
      case BATCH_FORGET -> batchForget();
      case GETATTR -> getattr();
      case SETATTR -> setattr();
      case READLINK -> readlink();
      case SYMLINK -> symlink();
      case MKNOD -> mknod();
      case MKDIR -> mkdir();
      case UNLINK -> {
        ops.unlink(nodeid, nameAt(IN_HEADER));
        reply(0);
      }
      case RMDIR -> {
        ops.rmdir(nodeid, nameAt(IN_HEADER));
        reply(0);
      }
      case RENAME -> rename(i64(0, 8), 0, IN_HEADER + 8);
      case RENAME2 -> rename(i64(0, 16), i32(8, 16), IN_HEADER + 16);
      case LINK -> replyError(EPERM);
      case OPEN -> open();
      case READ -> read();
      case WRITE -> write();
      case STATFS -> {
        FuseReplies.statfs(out, OUT_HEADER, ops.statfs(nodeid));
        reply(STATFS_OUT);
      }
      case RELEASE -> {
        ops.release(nodeid, i64(0, 16), i32(8, 16));
        reply(0);
      }
      case FSYNC -> {
        ops.fsync(nodeid, i64(0, 16), (i32(8, 16) & FSYNC_FDATASYNC) != 0);
        reply(0);
      }
      case FLUSH -> {
        ops.flush(nodeid, i64(0, 8));
        reply(0);
      }
      case OPENDIR -> opendir();
      case READDIR -> readdir();
      case RELEASEDIR -> {
        ops.releasedir(nodeid, i64(0, 8));
        reply(0);
      }
      case FSYNCDIR -> reply(0);
      case CREATE -> create();
      case INTERRUPT -> {} // the operation runs to its end; its reply is then dropped or used
      // No extended attributes. ENOSYS to GETXATTR makes the kernel stop asking (it would
      // otherwise ask for security.capability before every WRITE) and answer EOPNOTSUPP itself;
      // the list is empty, so getfattr -d and cp -a find nothing to copy.
      case GETXATTR -> replyError(ENOSYS);
      case LISTXATTR -> listxattr();
      case SETXATTR, REMOVEXATTR, FALLOCATE -> replyError(EOPNOTSUPP);
      case IOCTL -> replyError(Libc.ENOTTY);
      case DESTROY -> {
        reply(0);
        session.destroyRequested();
      }
      case INIT -> throw new IllegalStateException("a second INIT");
      default -> replyError(ENOSYS); // LSEEK, POLL, locks, ACCESS, READDIRPLUS, ...: not ours
    }
  }

  // ---- operations ----

  private void batchForget() {
    long count = i32(0, 8) & 0xffffffffL;
    long off = IN_HEADER + 8;
    for (long i = 0; i < count && off + 16 <= length; i++, off += 16) {
      long ino = in.get(JAVA_LONG_UNALIGNED, off);
      long nlookup = in.get(JAVA_LONG_UNALIGNED, off + 8);
      try {
        ops.forget(ino, nlookup);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "fuse: forget ino=" + ino + ": " + describe(e));
      }
    }
  }

  private void getattr() {
    int flags = i32(0, 16);
    long fh = (flags & GETATTR_FH) != 0 ? i64(8, 16) : -1;
    FuseReplies.attrOut(out, OUT_HEADER, ops.getattr(nodeid, fh));
    reply(ATTR_OUT);
  }

  private void setattr() {
    int valid = i32(0, 88);
    long fh = (valid & FATTR_FH) != 0 ? i64(8, 88) : -1;
    long atime = i64(32, 88) * 1_000_000_000L + (i32(56, 88) & 0xffffffffL);
    long mtime = i64(40, 88) * 1_000_000_000L + (i32(60, 88) & 0xffffffffL);
    FuseSetattr change =
        new FuseSetattr(
            nodeid, valid, fh, i32(68, 88), i32(76, 88), i32(80, 88), i64(16, 88), atime, mtime);
    FuseReplies.attrOut(out, OUT_HEADER, ops.setattr(nodeid, change));
    reply(ATTR_OUT);
  }

  private void readlink() {
    byte[] target = ops.readlink(nodeid).getBytes(StandardCharsets.UTF_8);
    if (target.length > outSize - OUT_HEADER) {
      throw new FuseException(FuseException.ENAMETOOLONG, "symlink target too long");
    }
    MemorySegment.copy(target, 0, out, JAVA_BYTE, OUT_HEADER, target.length);
    reply(target.length);
  }

  private void symlink() {
    String name = nameAt(IN_HEADER);
    String target = nextName();
    replyEntry(ops.symlink(target, nodeid, name, context(0)));
  }

  private void mknod() {
    int mode = i32(0, 16);
    int umask = i32(8, 16);
    String name = nameAt(IN_HEADER + 16);
    if ((mode & FuseAttr.S_IFMT) != S_IFREG) {
      replyError(EPERM); // devices, fifos and sockets are not kept
      return;
    }
    int flags = Libc.O_CREAT | Libc.O_EXCL | Libc.O_WRONLY;
    FuseCreated created = ops.create(nodeid, name, mode, flags, context(umask));
    try {
      ops.release(created.entry().ino(), created.open().fh(), flags);
    } catch (RuntimeException e) {
      forgetQuietly(created.entry().ino());
      throw e;
    }
    replyEntry(created.entry());
  }

  private void mkdir() {
    int mode = i32(0, 8);
    int umask = i32(4, 8);
    replyEntry(ops.mkdir(nodeid, nameAt(IN_HEADER + 8), mode, context(umask)));
  }

  private void rename(long newParent, int flags, long namesAt) {
    String name = nameAt(namesAt);
    String newName = nextName();
    ops.rename(nodeid, name, newParent, newName, flags);
    reply(0);
  }

  private void open() {
    int flags = i32(0, 8);
    FuseOpen opened = ops.open(nodeid, flags);
    FuseReplies.openOut(out, OUT_HEADER, opened.fh(), opened.openFlags());
    if (!reply(OPEN_OUT)) {
      releaseQuietly(nodeid, opened.fh(), flags);
    }
  }

  private void read() {
    long fh = i64(0, 24);
    long offset = i64(8, 24);
    int size = (int) Math.min(i32(16, 24) & 0xffffffffL, outSize - OUT_HEADER);
    ByteBuffer dst = out.asSlice(OUT_HEADER, size).asByteBuffer();
    int n = ops.read(nodeid, fh, offset, dst);
    if (n < 0 || n > size) {
      throw new IllegalStateException("read returned " + n + " for a " + size + "-byte request");
    }
    reply(n);
  }

  private void write() {
    long fh = i64(0, WRITE_IN);
    long offset = i64(8, WRITE_IN);
    long size = i32(16, WRITE_IN) & 0xffffffffL;
    long data = IN_HEADER + WRITE_IN;
    if (data + size > length) {
      throw new FuseException(
          EINVAL, "write of " + size + " bytes in a " + length + "-byte request");
    }
    ByteBuffer src = in.asSlice(data, size).asByteBuffer().asReadOnlyBuffer();
    int n = ops.write(nodeid, fh, offset, src);
    if (n < 0 || n > size) {
      throw new IllegalStateException("write returned " + n + " for " + size + " bytes");
    }
    out.set(JAVA_INT_UNALIGNED, OUT_HEADER, n);
    out.set(JAVA_INT_UNALIGNED, OUT_HEADER + 4, 0);
    reply(WRITE_OUT);
  }

  private void opendir() {
    long fh = ops.opendir(nodeid, i32(0, 8));
    FuseReplies.openOut(out, OUT_HEADER, fh, 0);
    if (!reply(OPEN_OUT)) {
      try {
        ops.releasedir(nodeid, fh);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "fuse: releasedir ino=" + nodeid + ": " + describe(e));
      }
    }
  }

  private void readdir() {
    long fh = i64(0, 24);
    long offset = i64(8, 24);
    int size = (int) Math.min(i32(16, 24) & 0xffffffffL, outSize - OUT_HEADER);
    ops.readdir(nodeid, fh, offset, dirBuffer.reset(size));
    reply(dirBuffer.used());
  }

  private void create() {
    int flags = i32(0, 16);
    int mode = i32(4, 16);
    int umask = i32(8, 16);
    String name = nameAt(IN_HEADER + 16);
    FuseCreated created = ops.create(nodeid, name, mode, flags, context(umask));
    FuseReplies.entry(out, OUT_HEADER, created.entry());
    FuseReplies.openOut(
        out, OUT_HEADER + ENTRY_OUT, created.open().fh(), created.open().openFlags());
    if (!reply(ENTRY_OUT + OPEN_OUT)) {
      forgetQuietly(created.entry().ino());
      releaseQuietly(created.entry().ino(), created.open().fh(), flags);
    }
  }

  private void listxattr() {
    if (i32(0, 8) == 0) { // a size query: no names, no bytes
      out.set(JAVA_LONG_UNALIGNED, OUT_HEADER, 0);
      reply(GETXATTR_OUT);
    } else {
      reply(0);
    }
  }

  // ---- replies ----

  private void replyEntry(FuseEntry entry) {
    FuseReplies.entry(out, OUT_HEADER, entry);
    if (!reply(ENTRY_OUT)) {
      forgetQuietly(entry.ino());
    }
  }

  /** Sends the header and {@code body} bytes already in the reply memory; false if not taken. */
  private boolean reply(int body) {
    int len = OUT_HEADER + body;
    out.set(JAVA_INT_UNALIGNED, 0, len);
    out.set(JAVA_INT_UNALIGNED, 4, 0);
    out.set(JAVA_LONG_UNALIGNED, 8, unique);
    return send(len);
  }

  private void replyError(int errno) {
    if (opcode == FORGET || opcode == BATCH_FORGET || opcode == INTERRUPT) {
      return; // no reply expected
    }
    int e = errno > 0 && errno < 512 ? errno : EIO;
    out.set(JAVA_INT_UNALIGNED, 0, OUT_HEADER);
    out.set(JAVA_INT_UNALIGNED, 4, -e);
    out.set(JAVA_LONG_UNALIGNED, 8, unique);
    send(OUT_HEADER);
  }

  private boolean send(int len) {
    long written = Libc.write(state, fd, out, len);
    if (written >= 0) {
      return true;
    }
    int errno = Libc.errno(state);
    // ENOENT: the request was interrupted and is gone; ENODEV: the session is over
    if (errno != Libc.ENOENT && errno != Libc.ENODEV) {
      LOG.log(
          System.Logger.Level.WARNING,
          "fuse: reply to "
              + opName(opcode)
              + " ino="
              + nodeid
              + ": "
              + Libc.strerror(errno)
              + " (errno "
              + errno
              + ")");
    }
    return false;
  }

  /** Gives back the lookup a reply the kernel never took would have counted. */
  private void forgetQuietly(long ino) {
    try {
      ops.forget(ino, 1);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "fuse: forget ino=" + ino + ": " + describe(e));
    }
  }

  private void releaseQuietly(long ino, long fh, int flags) {
    try {
      ops.release(ino, fh, flags);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "fuse: release ino=" + ino + ": " + describe(e));
    }
  }

  // ---- request decoding ----

  private FuseContext context(int umask) {
    return new FuseContext(
        in.get(JAVA_INT_UNALIGNED, H_UID),
        in.get(JAVA_INT_UNALIGNED, H_GID),
        in.get(JAVA_INT_UNALIGNED, H_PID),
        umask);
  }

  private void need(int structSize) {
    if (length < IN_HEADER + structSize) {
      throw new FuseException(
          EINVAL, opName(opcode) + " request of " + length + " bytes is too short");
    }
  }

  /** A 32-bit field at {@code off} of a body struct of {@code structSize} bytes. */
  private int i32(long off, int structSize) {
    need(structSize);
    return in.get(JAVA_INT_UNALIGNED, IN_HEADER + off);
  }

  /** A 64-bit field at {@code off} of a body struct of {@code structSize} bytes. */
  private long i64(long off, int structSize) {
    need(structSize);
    return in.get(JAVA_LONG_UNALIGNED, IN_HEADER + off);
  }

  private String nameAt(long at) {
    cursor = at;
    return nextName();
  }

  /**
   * The NUL-terminated UTF-8 string at the cursor, which moves past it. EINVAL when it runs past
   * the request, is empty or longer than 4095 bytes, or is not UTF-8.
   */
  private String nextName() {
    long start = cursor;
    long limit = Math.min(length, start + STRING_MAX);
    long end = start;
    boolean ascii = true;
    while (end < limit) {
      byte b = in.get(JAVA_BYTE, end);
      if (b == 0) {
        break;
      }
      ascii &= b > 0;
      end++;
    }
    if (end >= limit || end == start) {
      throw new FuseException(EINVAL, opName(opcode) + ": bad name in request");
    }
    cursor = end + 1;
    int n = (int) (end - start);
    MemorySegment.copy(in, JAVA_BYTE, start, scratch, 0, n);
    if (ascii) {
      return new String(scratch, 0, n, StandardCharsets.ISO_8859_1);
    }
    try {
      CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(scratch, 0, n));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new FuseException(EINVAL, opName(opcode) + ": name is not UTF-8");
    }
  }

  /** The exception and where it was thrown, on one line. */
  static String describe(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    return trace.length == 0 ? t.toString() : t + " at " + trace[0];
  }
}
