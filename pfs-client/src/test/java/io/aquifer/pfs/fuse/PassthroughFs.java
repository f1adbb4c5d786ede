package io.aquifer.pfs.fuse;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-scope pass-through to a local directory, for measuring the session against libfuse's
 * passthrough_ll over the same directory: node ids are the backing inode numbers, each node
 * remembers its parent and name, data moves with positional FileChannel reads and writes straight
 * between the backing file and the session's request and reply memory.
 */
final class PassthroughFs implements FuseOps {
  private static final long TIMEOUT = 1_000_000_000L;
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private record Node(long parent, String name) {}

  private final Path root;
  private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
  private final Map<Long, FileChannel> files = new ConcurrentHashMap<>();
  private final AtomicLong nextFh = new AtomicLong(1);

  /** Writes that would end past this offset fail with ENOSPC (a full disk), for tests. */
  volatile long failWritesPast = Long.MAX_VALUE;

  /**
   * With {@code -Dfusebench.md5=true}, every write is also hashed with MD5 (one digest per handle,
   * in write order): the least work a file system that gives written files MD5 ETags must add.
   */
  private final Map<Long, MessageDigest> digests =
      Boolean.getBoolean("fusebench.md5") ? new ConcurrentHashMap<>() : null;

  PassthroughFs(Path root) {
    this.root = root;
  }

  private Path path(long ino) {
    if (ino == ROOT) {
      return root;
    }
    Node n = nodes.get(ino);
    if (n == null) {
      throw new FuseException(FuseException.ENOENT, "unknown inode " + ino);
    }
    return path(n.parent()).resolve(n.name());
  }

  private static FuseException errno(IOException e) {
    int errno =
        switch (e) {
          case NoSuchFileException x -> FuseException.ENOENT;
          case FileAlreadyExistsException x -> FuseException.EEXIST;
          case DirectoryNotEmptyException x -> FuseException.ENOTEMPTY;
          case NotDirectoryException x -> FuseException.ENOTDIR;
          case AccessDeniedException x -> FuseException.EACCES;
          default -> FuseException.EIO;
        };
    return new FuseException(errno, e.getMessage());
  }

  private FuseAttr attr(long ino, Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
    return new FuseAttr(
        ino,
        (Integer) a.get("mode"),
        (Integer) a.get("nlink"),
        (Integer) a.get("uid"),
        (Integer) a.get("gid"),
        (Long) a.get("size"),
        nanos(a.get("lastAccessTime")),
        nanos(a.get("lastModifiedTime")),
        nanos(a.get("ctime")));
  }

  private static long nanos(Object time) {
    return ((FileTime) time).to(TimeUnit.NANOSECONDS);
  }

  private FuseEntry entry(long parent, String name) throws IOException {
    Path p = path(parent).resolve(name);
    long backing = (Long) Files.getAttribute(p, "unix:ino", NOFOLLOW);
    long ino = backing == ROOT ? Long.MIN_VALUE : backing;
    nodes.put(ino, new Node(parent, name));
    return new FuseEntry(attr(ino, p), 0, TIMEOUT, TIMEOUT);
  }

  @Override
  public FuseEntry lookup(long parent, String name) {
    try {
      return entry(parent, name);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public FuseAttrReply getattr(long ino, long fh) {
    try {
      return new FuseAttrReply(attr(ino, path(ino)), TIMEOUT);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public FuseAttrReply setattr(long ino, FuseSetattr change) {
    Path p = path(ino);
    try {
      if (change.has(FuseSetattr.MODE)) {
        Files.setAttribute(p, "unix:mode", change.mode() & 07777);
      }
      if (change.has(FuseSetattr.SIZE)) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
          f.setLength(change.size());
        }
      }
      if (change.has(FuseSetattr.ATIME) || change.has(FuseSetattr.MTIME)) {
        FileTime now = FileTime.from(java.time.Instant.now());
        FileTime atime =
            !change.has(FuseSetattr.ATIME)
                ? null
                : change.has(FuseSetattr.ATIME_NOW)
                    ? now
                    : FileTime.from(change.atimeNanos(), TimeUnit.NANOSECONDS);
        FileTime mtime =
            !change.has(FuseSetattr.MTIME)
                ? null
                : change.has(FuseSetattr.MTIME_NOW)
                    ? now
                    : FileTime.from(change.mtimeNanos(), TimeUnit.NANOSECONDS);
        Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW)
            .setTimes(mtime, atime, null);
      }
      return new FuseAttrReply(attr(ino, p), TIMEOUT);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        s.add(all[i]);
      }
    }
    return s;
  }

  @Override
  public FuseEntry mkdir(long parent, String name, int mode, FuseContext ctx) {
    try {
      Path p = Files.createDirectory(path(parent).resolve(name));
      Files.setPosixFilePermissions(p, permissions(mode));
      return entry(parent, name);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public void unlink(long parent, String name) {
    try {
      Files.delete(path(parent).resolve(name));
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public void rmdir(long parent, String name) {
    unlink(parent, name);
  }

  @Override
  public void rename(long parent, String name, long newParent, String newName, int flags) {
    if ((flags & ~RENAME_NOREPLACE) != 0) {
      throw new FuseException(FuseException.EINVAL, "rename flags " + flags + " not supported");
    }
    Path to = path(newParent).resolve(newName);
    try {
      if ((flags & RENAME_NOREPLACE) != 0 && Files.exists(to, NOFOLLOW)) {
        throw new FuseException(FuseException.EEXIST, newName);
      }
      Files.move(path(parent).resolve(name), to, StandardCopyOption.ATOMIC_MOVE);
      long ino = (Long) Files.getAttribute(to, "unix:ino", NOFOLLOW);
      nodes.put(ino, new Node(newParent, newName));
    } catch (IOException e) {
      throw errno(e);
    }
  }

  private long open(Path p, int flags) throws IOException {
    Set<OpenOption> options = new HashSet<>();
    int access = flags & 3;
    if (access == Libc.O_RDONLY || access == Libc.O_RDWR) {
      options.add(StandardOpenOption.READ);
    }
    if (access == Libc.O_WRONLY || access == Libc.O_RDWR) {
      options.add(StandardOpenOption.WRITE);
    }
    if ((flags & Libc.O_TRUNC) != 0) {
      options.add(StandardOpenOption.TRUNCATE_EXISTING);
    }
    long fh = nextFh.getAndIncrement();
    files.put(fh, FileChannel.open(p, options));
    return fh;
  }

  @Override
  public FuseOpen open(long ino, int flags) {
    try {
      return new FuseOpen(open(path(ino), flags), 0);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public FuseCreated create(long parent, String name, int mode, int flags, FuseContext ctx) {
    try {
      Path p = path(parent).resolve(name);
      if ((flags & Libc.O_EXCL) != 0 || !Files.exists(p, NOFOLLOW)) {
        Files.createFile(p);
        Files.setPosixFilePermissions(p, permissions(mode));
      }
      FuseEntry e = entry(parent, name);
      return new FuseCreated(e, new FuseOpen(open(p, flags), 0));
    } catch (IOException e) {
      throw errno(e);
    }
  }

  private FileChannel channel(long fh) {
    FileChannel ch = files.get(fh);
    if (ch == null) {
      throw new FuseException(FuseException.EBADF, "no handle " + fh);
    }
    return ch;
  }

  @Override
  public int read(long ino, long fh, long offset, ByteBuffer dst) {
    FileChannel ch = channel(fh);
    int start = dst.position();
    try {
      while (dst.hasRemaining()) {
        int n = ch.read(dst, offset + dst.position() - start);
        if (n <= 0) {
          break;
        }
      }
    } catch (IOException e) {
      throw errno(e);
    }
    return dst.position() - start;
  }

  @Override
  public int write(long ino, long fh, long offset, ByteBuffer src) {
    FileChannel ch = channel(fh);
    int count = src.remaining();
    if (offset + count > failWritesPast) {
      throw new FuseException(FuseException.ENOSPC, "full past " + failWritesPast);
    }
    if (digests != null) {
      digests.computeIfAbsent(fh, h -> md5()).update(src.duplicate());
    }
    try {
      while (src.hasRemaining()) {
        ch.write(src, offset + count - src.remaining());
      }
    } catch (IOException e) {
      throw errno(e);
    }
    return count;
  }

  @Override
  public void fsync(long ino, long fh, boolean datasync) {
    try {
      channel(fh).force(!datasync);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void release(long ino, long fh, int flags) {
    if (digests != null) {
      digests.remove(fh);
    }
    FileChannel ch = files.remove(fh);
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        throw errno(e);
      }
    }
  }

  @Override
  public void readdir(long ino, long fh, long offset, FuseDirSink sink) {
    long k = 0;
    if (k++ >= offset && !sink.add(".", ino, FuseAttr.S_IFDIR, k)) {
      return;
    }
    if (k++ >= offset && !sink.add("..", ino, FuseAttr.S_IFDIR, k)) {
      return;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(path(ino))) {
      for (Path p : dir) {
        if (k++ < offset) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,mode", NOFOLLOW);
        if (!sink.add(
            p.getFileName().toString(), (Long) a.get("ino"), (Integer) a.get("mode"), k)) {
          return;
        }
      }
    } catch (IOException e) {
      throw errno(e);
    }
  }

  @Override
  public FuseStatfs statfs(long ino) {
    try {
      FileStore store = Files.getFileStore(root);
      long bs = 4096;
      return new FuseStatfs(
          store.getTotalSpace() / bs,
          store.getUnallocatedSpace() / bs,
          store.getUsableSpace() / bs,
          0,
          0,
          (int) bs,
          255,
          (int) bs);
    } catch (IOException e) {
      throw errno(e);
    }
  }
}
