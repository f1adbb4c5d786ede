package io.aquifer.pfs.fuse;

import static io.aquifer.pfs.fuse.FuseException.EEXIST;
import static io.aquifer.pfs.fuse.FuseException.EISDIR;
import static io.aquifer.pfs.fuse.FuseException.ENOENT;
import static io.aquifer.pfs.fuse.FuseException.ENOTDIR;
import static io.aquifer.pfs.fuse.FuseException.ENOTEMPTY;

import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FsException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An in-memory file system for the session's tests: an inode table of files (byte arrays),
 * directories and symlinks under one read-write lock, plus what the tests look at (the largest
 * WRITE, rename flags, init and destroy) and a few hooks: a name that makes lookup throw a
 * RuntimeException, one whose create fails with an FsException, and a latch that lookups of {@code
 * par-*} names wait on together.
 */
final class MemFs implements FuseOps {
  static final long TIMEOUT = 1_000_000_000L;

  /** lookup of this name throws IllegalStateException (answered EIO). */
  static final String EXPLODE = "explode";

  /** create of this name fails with FsException(ENOSPC). */
  static final String FULL = "full";

  /** Files with this suffix are opened with DIRECT_IO (every read reaches the file system). */
  static final String DIRECT = ".direct";

  private static final class Node {
    final long ino;
    int mode;
    int nlink;
    int uid;
    int gid;
    long atime;
    long mtime;
    long ctime;
    byte[] data = new byte[0];
    long size;
    String target;
    String name = "";
    final TreeMap<String, Long> children = new TreeMap<>();

    Node(long ino, int mode, int uid, int gid) {
      this.ino = ino;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.nlink = isDir() ? 2 : 1;
      atime = mtime = ctime = now();
    }

    boolean isDir() {
      return (mode & FuseAttr.S_IFMT) == FuseAttr.S_IFDIR;
    }

    FuseAttr attr() {
      return new FuseAttr(ino, mode, nlink, uid, gid, size, atime, mtime, ctime);
    }
  }

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
  private final AtomicLong nextIno = new AtomicLong(FuseOps.ROOT + 1);
  private final AtomicLong nextFh = new AtomicLong(1);

  final AtomicInteger maxWriteSeen = new AtomicInteger();
  final AtomicInteger writes = new AtomicInteger();
  final AtomicInteger maxReadSeen = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();
  final AtomicInteger lastRenameFlags = new AtomicInteger(-1);
  final AtomicInteger destroys = new AtomicInteger();
  volatile FuseInit initSeen;
  final AtomicBoolean opAfterDestroy = new AtomicBoolean();

  /** Lookups of {@code par-*} count this down and wait for it to reach zero. */
  volatile CountDownLatch parallel = new CountDownLatch(0);

  final List<Boolean> parallelOutcomes = java.util.Collections.synchronizedList(new ArrayList<>());

  MemFs() {
    // owned by whoever serves it, as a fresh mount of an empty file system would be
    Node root = new Node(ROOT, FuseAttr.S_IFDIR | 0755, Libc.getuid(), 0);
    nodes.put(ROOT, root);
  }

  private static long now() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private void checkAlive() {
    if (destroys.get() > 0) {
      opAfterDestroy.set(true);
    }
  }

  private Node node(long ino) {
    Node n = nodes.get(ino);
    if (n == null) {
      throw new FuseException(ENOENT, "no inode " + ino);
    }
    return n;
  }

  private Node dir(long ino) {
    Node n = node(ino);
    if (!n.isDir()) {
      throw new FuseException(ENOTDIR, "inode " + ino + " is not a directory");
    }
    return n;
  }

  private FuseEntry entry(Node n) {
    return new FuseEntry(n.attr(), 0, TIMEOUT, TIMEOUT);
  }

  /**
   * Adds {@code count} empty files {@code prefix0..} to the root directly (no kernel round trip).
   */
  void addFiles(String prefix, int count) {
    lock.writeLock().lock();
    try {
      Node root = node(ROOT);
      for (int i = 0; i < count; i++) {
        Node f = new Node(nextIno.getAndIncrement(), FuseAttr.S_IFREG | 0644, 0, 0);
        nodes.put(f.ino, f);
        root.children.put(prefix + i, f.ino);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Adds a file with {@code data} to the root directly (its pages are in no cache). */
  void putFile(String name, byte[] data) {
    lock.writeLock().lock();
    try {
      Node f = new Node(nextIno.getAndIncrement(), FuseAttr.S_IFREG | 0644, 0, 0);
      f.data = data.clone();
      f.size = data.length;
      f.name = name;
      nodes.put(f.ino, f);
      node(ROOT).children.put(name, f.ino);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void init(FuseInit init) {
    initSeen = init;
  }

  @Override
  public void destroy() {
    destroys.incrementAndGet();
  }

  @Override
  public FuseEntry lookup(long parent, String name) {
    checkAlive();
    if (name.equals(EXPLODE)) {
      throw new IllegalStateException("boom in lookup");
    }
    if (name.startsWith("par-")) {
      CountDownLatch latch = parallel;
      latch.countDown();
      try {
        parallelOutcomes.add(latch.await(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        parallelOutcomes.add(false);
      }
    }
    lock.readLock().lock();
    try {
      Long ino = dir(parent).children.get(name);
      if (ino == null) {
        throw new FuseException(ENOENT, name);
      }
      return entry(node(ino));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public FuseAttrReply getattr(long ino, long fh) {
    checkAlive();
    lock.readLock().lock();
    try {
      return new FuseAttrReply(node(ino).attr(), TIMEOUT);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public FuseAttrReply setattr(long ino, FuseSetattr change) {
    lock.writeLock().lock();
    try {
      Node n = node(ino);
      if (change.has(FuseSetattr.MODE)) {
        n.mode = (n.mode & FuseAttr.S_IFMT) | (change.mode() & 07777);
      }
      if (change.has(FuseSetattr.UID)) {
        n.uid = change.uid();
      }
      if (change.has(FuseSetattr.GID)) {
        n.gid = change.gid();
      }
      if (change.has(FuseSetattr.SIZE)) {
        if (n.isDir()) {
          throw new FuseException(EISDIR, "truncate of a directory");
        }
        resize(n, change.size());
      }
      if (change.has(FuseSetattr.ATIME)) {
        n.atime = change.has(FuseSetattr.ATIME_NOW) ? now() : change.atimeNanos();
      }
      if (change.has(FuseSetattr.MTIME)) {
        n.mtime = change.has(FuseSetattr.MTIME_NOW) ? now() : change.mtimeNanos();
      }
      n.ctime = now();
      return new FuseAttrReply(n.attr(), TIMEOUT);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static void resize(Node n, long size) {
    if (size > n.data.length) {
      n.data =
          java.util.Arrays.copyOf(
              n.data, (int) Math.max(size, Math.min(2L * n.data.length, Integer.MAX_VALUE - 8)));
    } else if (size < n.size) {
      java.util.Arrays.fill(n.data, (int) size, (int) n.size, (byte) 0);
    }
    n.size = size;
    n.mtime = n.ctime = now();
  }

  @Override
  public String readlink(long ino) {
    lock.readLock().lock();
    try {
      Node n = node(ino);
      if (n.target == null) {
        throw new FuseException(FuseException.EINVAL, "not a symlink");
      }
      return n.target;
    } finally {
      lock.readLock().unlock();
    }
  }

  private Node add(long parent, String name, int mode, FuseContext ctx) {
    Node p = dir(parent);
    if (p.children.containsKey(name)) {
      throw new FuseException(EEXIST, name);
    }
    Node n = new Node(nextIno.getAndIncrement(), mode, ctx.uid(), ctx.gid());
    nodes.put(n.ino, n);
    p.children.put(name, n.ino);
    n.name = name;
    if (n.isDir()) {
      p.nlink++;
    }
    p.mtime = p.ctime = now();
    return n;
  }

  @Override
  public FuseEntry mkdir(long parent, String name, int mode, FuseContext ctx) {
    lock.writeLock().lock();
    try {
      return entry(add(parent, name, FuseAttr.S_IFDIR | (mode & 07777), ctx));
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public FuseEntry symlink(String target, long parent, String name, FuseContext ctx) {
    lock.writeLock().lock();
    try {
      Node n = add(parent, name, FuseAttr.S_IFLNK | 0777, ctx);
      n.target = target;
      n.size = target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      return entry(n);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public FuseCreated create(long parent, String name, int mode, int flags, FuseContext ctx) {
    if (name.equals(FULL)) {
      throw new FsException(Errno.ENOSPC, "quota reached creating " + name);
    }
    lock.writeLock().lock();
    try {
      Node n = add(parent, name, FuseAttr.S_IFREG | (mode & 07777), ctx);
      return new FuseCreated(entry(n), openHandle(name));
    } finally {
      lock.writeLock().unlock();
    }
  }

  private FuseOpen openHandle(String name) {
    return new FuseOpen(nextFh.getAndIncrement(), name.endsWith(DIRECT) ? FuseOpen.DIRECT_IO : 0);
  }

  @Override
  public void unlink(long parent, String name) {
    lock.writeLock().lock();
    try {
      Node p = dir(parent);
      Long ino = p.children.get(name);
      if (ino == null) {
        throw new FuseException(ENOENT, name);
      }
      if (node(ino).isDir()) {
        throw new FuseException(EISDIR, name);
      }
      p.children.remove(name);
      nodes.remove(ino);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void rmdir(long parent, String name) {
    lock.writeLock().lock();
    try {
      Node p = dir(parent);
      Long ino = p.children.get(name);
      if (ino == null) {
        throw new FuseException(ENOENT, name);
      }
      Node d = node(ino);
      if (!d.isDir()) {
        throw new FuseException(ENOTDIR, name);
      }
      if (!d.children.isEmpty()) {
        throw new FuseException(ENOTEMPTY, name);
      }
      p.children.remove(name);
      p.nlink--;
      nodes.remove(ino);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void rename(long parent, String name, long newParent, String newName, int flags) {
    if ((flags & ~RENAME_NOREPLACE) != 0) {
      throw new FuseException(FuseException.EINVAL, "rename flags " + flags + " not supported");
    }
    lastRenameFlags.set(flags);
    lock.writeLock().lock();
    try {
      Node p = dir(parent);
      Node np = dir(newParent);
      Long ino = p.children.get(name);
      if (ino == null) {
        throw new FuseException(ENOENT, name);
      }
      Long existing = np.children.get(newName);
      if (existing != null) {
        if ((flags & RENAME_NOREPLACE) != 0) {
          throw new FuseException(EEXIST, newName);
        }
        Node e = node(existing);
        if (e.isDir() && !e.children.isEmpty()) {
          throw new FuseException(ENOTEMPTY, newName);
        }
        nodes.remove(existing);
      }
      p.children.remove(name);
      np.children.put(newName, ino);
      node(ino).name = newName;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public FuseOpen open(long ino, int flags) {
    lock.writeLock().lock();
    try {
      Node n = node(ino);
      if ((flags & Libc.O_TRUNC) != 0) {
        resize(n, 0);
      }
      return openHandle(n.name);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public int read(long ino, long fh, long offset, ByteBuffer dst) {
    maxReadSeen.accumulateAndGet(dst.remaining(), Math::max);
    reads.incrementAndGet();
    lock.readLock().lock();
    try {
      Node n = node(ino);
      if (offset >= n.size) {
        return 0;
      }
      int count = (int) Math.min(dst.remaining(), n.size - offset);
      dst.put(n.data, (int) offset, count);
      return count;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public int write(long ino, long fh, long offset, ByteBuffer src) {
    int count = src.remaining();
    maxWriteSeen.accumulateAndGet(count, Math::max);
    writes.incrementAndGet();
    lock.writeLock().lock();
    try {
      Node n = node(ino);
      long end = offset + count;
      if (end > n.data.length) {
        long grown = Math.max(end, Math.min(2L * n.data.length, Integer.MAX_VALUE - 8));
        n.data = java.util.Arrays.copyOf(n.data, (int) grown);
      }
      src.get(n.data, (int) offset, count);
      n.size = Math.max(n.size, end);
      n.mtime = n.ctime = now();
      return count;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void readdir(long ino, long fh, long offset, FuseDirSink sink) {
    lock.readLock().lock();
    try {
      Node d = dir(ino);
      long k = 0; // entry k is ".", "..", then the children in name order; it continues at k + 1
      if (k++ >= offset && !sink.add(".", d.ino, FuseAttr.S_IFDIR, k)) {
        return;
      }
      if (k++ >= offset && !sink.add("..", d.ino, FuseAttr.S_IFDIR, k)) {
        return;
      }
      for (Map.Entry<String, Long> e : d.children.entrySet()) {
        if (k++ < offset) {
          continue;
        }
        Node c = nodes.get(e.getValue());
        if (c == null || !sink.add(e.getKey(), c.ino, c.mode, k)) {
          return;
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public FuseStatfs statfs(long ino) {
    return new FuseStatfs(1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15, 4096, 255, 4096);
  }
}
