package io.aquifer.pfs.fuse;

import io.aquifer.pfs.DirEntry;
import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileAttr;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileService;
import io.aquifer.pfs.FileType;
import io.aquifer.pfs.FsException;
import io.aquifer.pfs.FsStats;
import io.aquifer.pfs.SetAttr;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The Aquifer file system the FUSE mount serves: the file view of one bucket (or of every bucket,
 * each a top-level directory) over a {@link FileClient}, with the semantics described in {@code
 * docs/mount.md}: an inode table with lookup counts, names and attributes cached for {@link
 * AquiferFsOptions#attrTtl}, close-to-open consistency, read-ahead, writes streamed while they are
 * sequential and kept in a local spill file always, committed at close and fsync, and files
 * unlinked while open kept readable under a hidden name until their last close.
 *
 * <p>Thread-safe. It owns the connections its supplier returns and closes them.
 */
public final class AquiferFs implements FuseOps, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AquiferFs.class.getName());

  static final int O_RDONLY = 0;
  static final int O_ACCMODE = 3;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_TRUNC = 01000;

  /** Names starting with this are files unlinked while open; readdir and lookup hide them. */
  public static final String UNLINKED_PREFIX = ".aquifer-unlinked-";

  /** Inode numbers readdir gives names it has no node for (never a node's number). */
  private static final long LISTED_INO_BIT = 1L << 62;

  private static final long FIXED_BLOCKS = (1L << 50) / 4096;

  private final AquiferFsOptions options;
  private final ByteBufAllocator alloc;
  private final Connector conn;
  private final Inodes inodes;
  private final long ttlNanos;
  private final String mountId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final AtomicLong hiddenNames = new AtomicLong();
  private final AtomicLong nextFh = new AtomicLong(1);
  private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
  private final Map<Long, List<Listed>> dirs = new ConcurrentHashMap<>();
  private final Semaphore readMemory;

  /** Buffer capacity the files being written may still take ({@code writeMemoryBytes} in all). */
  private final Semaphore writeMemory;

  private final ExecutorService prefetchers = Executors.newVirtualThreadPerTaskExecutor();
  private volatile java.util.function.LongConsumer releaseListener = ino -> {};

  /** One name of a directory snapshot. */
  private record Listed(String name, long ino, int typeBits) {}

  /** Where a node lives on the server; {@code bucket} null for the root of an all-buckets mount. */
  private record Loc(String bucket, String path) {}

  /**
   * A file system over the clients {@code connect} makes (one at a time; another when the
   * connection of the last one ended).
   *
   * @param alloc buffers for prefetch and copies
   */
  public AquiferFs(Supplier<FileClient> connect, AquiferFsOptions options, ByteBufAllocator alloc) {
    this.options = Objects.requireNonNull(options, "options");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.conn = new Connector(connect);
    this.ttlNanos = options.attrTtl().toNanos();
    this.inodes = new Inodes(new FileAttr(FileType.DIRECTORY, 0755, 0, 0, 0, 0, ""));
    this.readMemory =
        new Semaphore((int) Math.min(Integer.MAX_VALUE, options.readaheadMemoryBytes()));
    this.writeMemory = new Semaphore((int) Math.min(Integer.MAX_VALUE, options.writeMemoryBytes()));
  }

  /** Bytes of buffer the files being written hold now, within {@code writeMemoryBytes}. */
  public long writeMemoryHeld() {
    return Math.min(Integer.MAX_VALUE, options.writeMemoryBytes()) - writeMemory.availablePermits();
  }

  /** The settings. */
  public AquiferFsOptions options() {
    return options;
  }

  /** Nodes in the inode table (the root included), for tests and metrics. */
  public int inodeCount() {
    return inodes.size();
  }

  // ---- names

  @Override
  public FuseEntry lookup(long parent, String name) {
    Node dir = dir(parent);
    checkName(name);
    if (hidden(name)) {
      throw new FuseException(FuseException.ENOENT, "lookup " + name + ": hidden");
    }
    Node known = inodes.child(dir, name);
    if (known != null && fresh(known)) {
      Node n = inodes.attach(dir, name, currentAttr(known), true);
      if (n == known) {
        return entry(n);
      }
      inodes.forget(n, 1);
    }
    FileAttr a = known == null ? listedAttr(dir, name) : null;
    if (a == null) {
      Loc l = childLoc(dir, name);
      try {
        a = conn.read(c -> c.getattr(l.bucket(), l.path()));
      } catch (FsException e) {
        if (e.errno() == Errno.EINVAL && l.path().isEmpty()) {
          throw new FuseException(FuseException.ENOENT, "lookup " + name + ": not a bucket name");
        }
        throw e;
      }
    }
    Node n = inodes.attach(dir, name, a, true);
    refreshed(n, a);
    return entry(n);
  }

  /**
   * A file's attributes from the directory's last listing, while it is fresh (so {@code ls -l}
   * costs one listing, not a round trip per name); null otherwise. Directories listed carry no
   * attributes of their own and are always asked for.
   */
  private FileAttr listedAttr(Node dir, String name) {
    dir.lock.lock();
    try {
      if (System.nanoTime() - dir.listedExpires >= 0) {
        dir.listed = Map.of();
        return null;
      }
      return dir.listed.get(name);
    } finally {
      dir.lock.unlock();
    }
  }

  /** Forgets a directory's listing: this mount changed one of its names. */
  private void changed(Node dir) {
    dir.lock.lock();
    try {
      dir.listed = Map.of();
      dir.listedExpires = 0;
    } finally {
      dir.lock.unlock();
    }
  }

  @Override
  public void forget(long ino, long nlookup) {
    Node n = inodes.get(ino);
    if (n != null && n != inodes.root) {
      inodes.forget(n, nlookup);
    }
  }

  @Override
  public FuseAttrReply getattr(long ino, long fh) {
    Node n = node(ino);
    if (n == inodes.root && options.bucket() == null) {
      return attrReply(n);
    }
    if (fresh(n)) {
      return attrReply(n);
    }
    FileAttr a = fetch(n);
    refreshed(n, a);
    return attrReply(n);
  }

  @Override
  public FuseAttrReply setattr(long ino, FuseSetattr change) {
    Node n = node(ino);
    if (change.has(FuseSetattr.SIZE)) {
      truncate(n, change.size());
    }
    Integer mode = change.has(FuseSetattr.MODE) ? change.mode() & 07777 : null;
    Integer uid = change.has(FuseSetattr.UID) ? change.uid() : null;
    Integer gid = change.has(FuseSetattr.GID) ? change.gid() : null;
    Long mtime = null;
    if (change.has(FuseSetattr.MTIME_NOW)) {
      mtime = nowNanos();
    } else if (change.has(FuseSetattr.MTIME)) {
      mtime = change.mtimeNanos();
    }
    SetAttr set = new SetAttr(mode, uid, gid, mtime);
    if (!set.isEmpty()) {
      if (n == inodes.root) {
        throw new FuseException(FuseException.EACCES, "setattr /: the root's attributes are fixed");
      }
      n.lock.lock();
      try {
        commitLocked(n);
        Loc l = loc(n);
        FileAttr a = conn.change(c -> c.setattr(l.bucket(), l.path(), set));
        n.attr = a;
        n.attrExpires = System.nanoTime() + ttlNanos;
      } finally {
        n.lock.unlock();
      }
    }
    return attrReply(n);
  }

  @Override
  public String readlink(long ino) {
    Node n = node(ino);
    if (n.type != FileType.SYMLINK) {
      throw new FuseException(FuseException.EINVAL, "readlink: not a symlink");
    }
    n.lock.lock();
    try {
      if (n.symlinkTarget == null) {
        Loc l = loc(n);
        n.symlinkTarget = conn.read(c -> c.readlink(l.bucket(), l.path()));
      }
      return n.symlinkTarget;
    } finally {
      n.lock.unlock();
    }
  }

  @Override
  public FuseEntry mkdir(long parent, String name, int mode, FuseContext ctx) {
    Node dir = dir(parent);
    checkNewName(dir, name, "mkdir");
    Loc l = childLoc(dir, name);
    int perm = mode & 07777 & ~ctx.umask();
    FileAttr a = conn.change(c -> c.mkdir(l.bucket(), l.path(), perm, ctx.uid(), ctx.gid()));
    changed(dir);
    Node n = inodes.attach(dir, name, a, true);
    refreshed(n, a);
    return entry(n);
  }

  @Override
  public FuseEntry symlink(String target, long parent, String name, FuseContext ctx) {
    Node dir = dir(parent);
    checkNewName(dir, name, "symlink");
    Loc l = childLoc(dir, name);
    FileAttr a = conn.change(c -> c.symlink(l.bucket(), l.path(), target, ctx.uid(), ctx.gid()));
    changed(dir);
    Node n = inodes.attach(dir, name, a, true);
    refreshed(n, a);
    n.lock.lock();
    try {
      n.symlinkTarget = target;
    } finally {
      n.lock.unlock();
    }
    return entry(n);
  }

  @Override
  public void unlink(long parent, String name) {
    Node dir = dir(parent);
    topLevelChange(dir, "unlink");
    changed(dir);
    Loc l = childLoc(dir, name);
    Node n = inodes.child(dir, name);
    if (n != null && !n.isDir()) {
      n.lock.lock();
      try {
        if (n.openCount > 0) {
          hideLocked(dir, n, l);
          return;
        }
      } finally {
        n.lock.unlock();
      }
    }
    conn.change(
        c -> {
          c.unlink(l.bucket(), l.path());
          return null;
        });
    if (n != null) {
      inodes.detach(n);
    }
  }

  /** Moves an open file to a hidden name; its last release removes it. */
  private void hideLocked(Node dir, Node n, Loc l) {
    String hidden = UNLINKED_PREFIX + mountId + "-" + hiddenNames.incrementAndGet();
    Loc to = childLoc(dir, hidden);
    if (n.dirty != null) {
      n.dirty.renamed(loc(n).bucket());
    }
    conn.change(
        c -> {
          c.rename(l.bucket(), l.path(), to.path(), true);
          return null;
        });
    inodes.hide(n, hidden);
    n.unlinked = true;
  }

  /** Undoes {@link #hideLocked} after the rename it made way for failed (best effort). */
  private void unhideLocked(Node dir, Node n, String name) {
    Loc at = loc(n);
    Loc back = childLoc(dir, name);
    try {
      conn.change(
          c -> {
            c.rename(at.bucket(), at.path(), back.path(), true);
            return null;
          });
      n.unlinked = false;
      inodes.unhide(n, dir, name);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "mount: could not move " + at.path() + " back to " + back.path() + ": " + e);
    }
  }

  @Override
  public void rmdir(long parent, String name) {
    Node dir = dir(parent);
    topLevelChange(dir, "rmdir");
    changed(dir);
    Loc l = childLoc(dir, name);
    conn.change(
        c -> {
          c.rmdir(l.bucket(), l.path());
          return null;
        });
    Node n = inodes.child(dir, name);
    if (n != null) {
      inodes.detach(n);
    }
  }

  @Override
  public void rename(long parent, String name, long newParent, String newName, int flags) {
    if ((flags & RENAME_EXCHANGE) != 0) {
      throw new FuseException(FuseException.EINVAL, "rename: RENAME_EXCHANGE is not supported");
    }
    boolean noReplace = (flags & RENAME_NOREPLACE) != 0;
    Node sd = dir(parent);
    Node dd = dir(newParent);
    topLevelChange(sd, "rename");
    topLevelChange(dd, "rename");
    checkNewName(dd, newName, "rename");
    changed(sd);
    changed(dd);
    Loc from = childLoc(sd, name);
    Loc to = childLoc(dd, newName);
    if (!from.bucket().equals(to.bucket())) {
      throw new FsException(Errno.EXDEV, "rename across buckets");
    }
    Node src = inodes.child(sd, name);
    Node dst = inodes.child(dd, newName);
    if (dst == src) {
      dst = null;
    }
    if (src != null && src.isDir()) {
      renamedUnder(src);
    }
    List<Node> locked = new ArrayList<>(2);
    Node hidden = null;
    for (Node x : ordered(src, dst)) {
      x.lock.lock();
      locked.add(x);
    }
    try {
      if (dst != null && !noReplace && !dst.isDir() && dst.openCount > 0) {
        hideLocked(dd, dst, to);
        hidden = dst;
      }
      if (src != null && src.dirty != null) {
        src.dirty.renamed(loc(src).bucket());
      }
      try {
        conn.change(
            c -> {
              c.rename(from.bucket(), from.path(), to.path(), noReplace);
              return null;
            });
      } catch (RuntimeException e) {
        if (hidden != null) {
          unhideLocked(dd, hidden, newName);
        }
        throw e;
      }
      if (src != null) {
        inodes.move(src, dd, newName);
      } else if (dst != null && !dst.unlinked) {
        inodes.detach(dst);
      }
    } finally {
      for (Node x : locked.reversed()) {
        x.lock.unlock();
      }
    }
  }

  /**
   * Files open for writing under a directory being renamed: their streams were bound to the old
   * names, so their commits send their spill files to the new ones.
   */
  private void renamedUnder(Node dir) {
    for (Handle h : handles.values()) {
      Node n = h.node;
      if (h.writable && inodes.isUnder(n, dir)) {
        n.lock.lock();
        try {
          if (n.dirty != null) {
            n.dirty.renamed(loc(n).bucket());
          }
        } finally {
          n.lock.unlock();
        }
      }
    }
  }

  private static List<Node> ordered(Node a, Node b) {
    List<Node> out = new ArrayList<>(2);
    if (a != null) {
      out.add(a);
    }
    if (b != null) {
      out.add(b);
    }
    out.sort((x, y) -> Long.compare(x.ino, y.ino));
    return out;
  }

  // ---- files

  @Override
  public FuseOpen open(long ino, int flags) {
    Node n = node(ino);
    if (n.isDir()) {
      throw new FuseException(FuseException.EISDIR, "open: a directory");
    }
    boolean write = (flags & O_ACCMODE) != O_RDONLY;
    boolean keep;
    n.lock.lock();
    try {
      keep = revalidateLocked(n);
      if (write && (flags & O_TRUNC) != 0) {
        keep = false;
        if (n.dirty != null) {
          n.dirty.truncate(loc(n).bucket(), 0);
        } else if (n.attr.size() > 0) {
          n.dirty = DirtyFile.empty(options.spillDir(), conn, alloc, writeMemory);
        }
      }
      n.openCount++;
      if (write) {
        n.writers++;
      }
    } finally {
      n.lock.unlock();
    }
    return new FuseOpen(newHandle(n, flags), keep ? FuseOpen.KEEP_CACHE : 0);
  }

  /**
   * Close-to-open: asks the server for the file's attributes (unless this mount holds newer
   * content) and answers whether the kernel may keep its cached pages: only when size, mtime and
   * ETag are what this mount saw at the last open.
   */
  private boolean revalidateLocked(Node n) {
    if (n.dirty != null || n.unlinked) {
      return false;
    }
    FileAttr a = fetch(n);
    boolean keep =
        n.seenAtOpen != null
            && n.seenAtOpen.size() == a.size()
            && n.seenAtOpen.mtimeNanos() == a.mtimeNanos()
            && n.seenAtOpen.etag().equals(a.etag());
    n.seenAtOpen = a;
    setAttrLocked(n, a);
    return keep;
  }

  @Override
  public FuseCreated create(long parent, String name, int mode, int flags, FuseContext ctx) {
    Node dir = dir(parent);
    checkNewName(dir, name, "create");
    changed(dir);
    Loc l = childLoc(dir, name);
    int perm = mode & 07777 & ~ctx.umask();
    FileAttr a;
    try {
      a = conn.change(c -> c.create(l.bucket(), l.path(), perm, ctx.uid(), ctx.gid()));
    } catch (FsException e) {
      if (e.errno() != Errno.EEXIST || (flags & O_EXCL) != 0) {
        throw e;
      }
      FuseEntry existing = lookup(parent, name);
      try {
        return new FuseCreated(existing, open(existing.ino(), flags));
      } catch (RuntimeException e2) {
        forget(existing.ino(), 1);
        throw e2;
      }
    }
    Node n = inodes.attach(dir, name, a, true);
    n.lock.lock();
    try {
      n.seenAtOpen = null;
      setAttrLocked(n, a);
      n.openCount++;
      if ((flags & O_ACCMODE) != O_RDONLY) {
        n.writers++;
      }
    } finally {
      n.lock.unlock();
    }
    FuseEntry e = entry(n);
    return new FuseCreated(e, new FuseOpen(newHandle(n, flags), 0));
  }

  private long newHandle(Node n, int flags) {
    long fh = nextFh.getAndIncrement();
    ReadAhead ra =
        new ReadAhead(
            options.readaheadMinBytes(),
            options.readaheadMaxBytes(),
            options.readaheadUnitBytes(),
            readMemory,
            prefetchers,
            alloc);
    handles.put(fh, new Handle(fh, n, flags, ra, currentAttr(n).etag()));
    return fh;
  }

  @Override
  public int read(long ino, long fh, long offset, ByteBuffer dst) {
    Handle h = handle(fh);
    Node n = h.node;
    long size;
    Loc l;
    String etag;
    n.lock.lock();
    try {
      if (n.dirty != null) {
        return n.dirty.read(loc(n).bucket(), offset, dst);
      }
      size = n.attr.size();
      l = loc(n);
      etag = h.etag;
    } finally {
      n.lock.unlock();
    }
    if (offset >= size) {
      return 0;
    }
    return h.readAhead.read(conn, l.bucket(), l.path(), etag, offset, dst, size);
  }

  /** The read-ahead window of an open handle, for tests. */
  long readaheadWindow(long fh) {
    return handle(fh).readAhead.window();
  }

  @Override
  public int write(long ino, long fh, long offset, ByteBuffer src) {
    Handle h = handle(fh);
    if (!h.writable) {
      throw new FuseException(FuseException.EBADF, "write: the file is not open for writing");
    }
    Node n = h.node;
    int len = src.remaining();
    n.lock.lock();
    try {
      Loc l = loc(n);
      dirtyLocked(n, l);
      n.dirty.write(l.bucket(), l.path(), offset, src);
    } finally {
      n.lock.unlock();
    }
    src.position(src.position() + len);
    return len;
  }

  /** The node's dirty copy, made on first need: empty when the file is, else a copy of it. */
  private void dirtyLocked(Node n, Loc l) {
    if (n.dirty == null) {
      n.dirty = dirtyCopy(n, l, n.attr.size());
    }
  }

  /** A new dirty copy of a file: empty for {@code size} 0, else its content fetched at once. */
  private DirtyFile dirtyCopy(Node n, Loc l, long size) {
    return size == 0
        ? DirtyFile.empty(options.spillDir(), conn, alloc, writeMemory)
        : DirtyFile.copyOf(
            options.spillDir(),
            conn,
            alloc,
            writeMemory,
            l.bucket(),
            l.path(),
            n.attr.etag(),
            size);
  }

  private void truncate(Node n, long size) {
    if (n.isDir()) {
      throw new FuseException(FuseException.EISDIR, "truncate: a directory");
    }
    if (size < 0) {
      throw new FuseException(FuseException.EINVAL, "truncate: negative size");
    }
    n.lock.lock();
    try {
      Loc l = loc(n);
      if (n.dirty == null && n.writers == 0) {
        // no writer open: the change is made now
        try (DirtyFile d = dirtyCopy(n, l, size == 0 ? 0 : n.attr.size())) {
          d.truncate(l.bucket(), size);
          FileAttr a = d.commit(l.bucket(), l.path());
          n.seenAtOpen = null;
          setAttrLocked(n, a);
          repin(n, a);
        }
        return;
      }
      if (n.dirty == null) {
        n.dirty = dirtyCopy(n, l, size == 0 ? 0 : n.attr.size());
        if (size == 0 && n.attr.size() == 0) {
          return;
        }
      }
      n.dirty.truncate(l.bucket(), size);
      if (n.writers == 0) {
        commitLocked(n);
      }
    } finally {
      n.lock.unlock();
    }
  }

  @Override
  public void flush(long ino, long fh) {
    Handle h = handles.get(fh);
    if (h == null || !h.writable) {
      return;
    }
    h.node.lock.lock();
    try {
      commitLocked(h.node);
    } finally {
      h.node.lock.unlock();
    }
  }

  @Override
  public void fsync(long ino, long fh, boolean datasync) {
    Node n = fh >= 0 && handles.containsKey(fh) ? handles.get(fh).node : node(ino);
    n.lock.lock();
    try {
      commitLocked(n);
    } finally {
      n.lock.unlock();
    }
  }

  /** Commits the node's new content, if it has any: returns once the server committed it. */
  private void commitLocked(Node n) {
    if (n.dirty == null || n.dirty.clean() || n.unlinked) {
      return;
    }
    Loc l = loc(n);
    // until the commit succeeded the kernel's pages may hold bytes the node does not have
    n.seenAtOpen = null;
    FileAttr a = n.dirty.commit(l.bucket(), l.path());
    if (!n.dirty.local()) {
      // a stream's content is now the server's only: reads and later writes go to the server
      n.dirty.close();
      n.dirty = null;
    }
    // the kernel's pages hold what was written through this mount, which is now the node's
    // content: the next open may keep them while the file stays this version
    n.seenAtOpen = a;
    setAttrLocked(n, a);
    repin(n, a);
  }

  /** This mount replaced the node's content: its handles read the new version. */
  private void repin(Node n, FileAttr a) {
    for (Handle h : handles.values()) {
      if (h.node == n) {
        h.etag = a.etag();
      }
    }
  }

  @Override
  public void release(long ino, long fh, int flags) {
    Handle h = handles.remove(fh);
    if (h == null) {
      return;
    }
    h.readAhead.close();
    Node n = h.node;
    n.lock.lock();
    try {
      if (h.writable) {
        n.writers--;
        try {
          if (n.dirty != null && !n.dirty.failed()) {
            commitLocked(n);
          }
        } catch (RuntimeException e) {
          LOG.log(
              System.Logger.Level.WARNING,
              "mount: " + n + " closed with content that could not be committed: " + e);
        }
      }
      n.openCount--;
      if (n.openCount == 0) {
        if (n.dirty != null) {
          n.dirty.close();
          n.dirty = null;
        }
        if (n.unlinked) {
          Loc l = loc(n);
          try {
            conn.change(
                c -> {
                  c.unlink(l.bucket(), l.path());
                  return null;
                });
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "mount: could not remove " + l.bucket() + "/" + l.path() + ": " + e);
          }
        }
      }
    } finally {
      n.lock.unlock();
    }
    inodes.closed(n);
    releaseListener.accept(n.ino);
  }

  /** Tests: called with the inode number after each release has finished. */
  void onRelease(java.util.function.LongConsumer listener) {
    releaseListener = listener;
  }

  // ---- directories

  @Override
  public long opendir(long ino, int flags) {
    Node n = dir(ino);
    List<Listed> items = new ArrayList<>();
    items.add(new Listed(".", n.ino, FuseAttr.S_IFDIR));
    Node p = n.parent == null ? n : n.parent;
    items.add(new Listed("..", p.ino, FuseAttr.S_IFDIR));
    if (n == inodes.root && options.bucket() == null) {
      for (String b : conn.read(FileClient::listBuckets)) {
        items.add(new Listed(b, listedIno(n, b), FuseAttr.S_IFDIR));
      }
    } else {
      Loc l = loc(n);
      List<DirEntry> entries = conn.read(c -> c.readdirAll(l.bucket(), l.path()));
      Map<String, FileAttr> files = new java.util.HashMap<>();
      for (DirEntry e : entries) {
        if (e.attr().type() != FileType.DIRECTORY) {
          files.put(e.name(), e.attr());
        }
      }
      if (ttlNanos > 0) {
        n.lock.lock();
        try {
          n.listed = files;
          n.listedExpires = System.nanoTime() + ttlNanos;
        } finally {
          n.lock.unlock();
        }
      }
      for (DirEntry e : entries) {
        if (hidden(e.name())) {
          continue;
        }
        items.add(new Listed(e.name(), listedIno(n, e.name()), typeBits(e.attr().type())));
      }
    }
    long fh = nextFh.getAndIncrement();
    dirs.put(fh, List.copyOf(items));
    return fh;
  }

  private long listedIno(Node dir, String name) {
    Node known = inodes.child(dir, name);
    if (known != null) {
      return known.ino;
    }
    long h = dir.ino * 0x9E3779B97F4A7C15L ^ name.hashCode() * 0xC2B2AE3D27D4EB4FL;
    return LISTED_INO_BIT | (h & (LISTED_INO_BIT - 1));
  }

  @Override
  public void readdir(long ino, long fh, long offset, FuseDirSink sink) {
    List<Listed> items = dirs.get(fh);
    if (items == null) {
      throw new FuseException(FuseException.EBADF, "readdir: no such directory handle");
    }
    for (long i = Math.max(0, offset); i < items.size(); i++) {
      Listed x = items.get((int) i);
      if (!sink.add(x.name(), x.ino(), x.typeBits(), i + 1)) {
        return;
      }
    }
  }

  @Override
  public void releasedir(long ino, long fh) {
    dirs.remove(fh);
  }

  @Override
  public FuseStatfs statfs(long ino) {
    FsStats s = conn.read(c -> c.statfs(options.bucket() == null ? "" : options.bucket()));
    long blocks = s.totalBytes() > 0 ? s.totalBytes() / 4096 : FIXED_BLOCKS;
    long free = s.totalBytes() > 0 ? s.freeBytes() / 4096 : FIXED_BLOCKS;
    long filesFree = (1L << 40) - s.files();
    return new FuseStatfs(blocks, free, free, s.files() + filesFree, filesFree, 4096, 255, 4096);
  }

  @Override
  public void destroy() {
    close();
  }

  /** Drops every handle (uncommitted content is discarded) and closes the connection. */
  @Override
  public void close() {
    for (Handle h : List.copyOf(handles.values())) {
      handles.remove(h.fh);
      h.readAhead.close();
      h.node.lock.lock();
      try {
        if (h.node.dirty != null) {
          h.node.dirty.close();
          h.node.dirty = null;
        }
      } finally {
        h.node.lock.unlock();
      }
    }
    prefetchers.close();
    conn.close();
  }

  // ---- helpers

  private Node node(long ino) {
    Node n = inodes.get(ino);
    if (n == null) {
      throw new FuseException(FuseException.ENOENT, "no inode " + ino);
    }
    return n;
  }

  private Node dir(long ino) {
    Node n = node(ino);
    if (!n.isDir()) {
      throw new FuseException(FuseException.ENOTDIR, n + " is not a directory");
    }
    return n;
  }

  private Handle handle(long fh) {
    Handle h = handles.get(fh);
    if (h == null) {
      throw new FuseException(FuseException.EBADF, "no open file " + fh);
    }
    return h;
  }

  private static void checkName(String name) {
    if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new FuseException(FuseException.ENAMETOOLONG, "name over 255 bytes");
    }
  }

  private void checkNewName(Node dir, String name, String op) {
    checkName(name);
    topLevelChange(dir, op);
    if (hidden(name)) {
      throw new FuseException(
          FuseException.EINVAL,
          op
              + " "
              + name
              + ": names starting "
              + UNLINKED_PREFIX
              + " or "
              + FileService.STAGED_PREFIX
              + " are reserved");
    }
  }

  /**
   * Names the mount hides: files unlinked while open, and the node's staged objects (streams not
   * yet renamed onto their files, see {@link FileService#STAGED_PREFIX}).
   */
  static boolean hidden(String name) {
    return name.startsWith(UNLINKED_PREFIX) || name.startsWith(FileService.STAGED_PREFIX);
  }

  /** Buckets are made and removed over S3 or by the operator, not through the mount. */
  private void topLevelChange(Node dir, String op) {
    if (dir == inodes.root && options.bucket() == null) {
      throw new FuseException(
          FuseException.EPERM, op + ": the top level lists buckets; they are not changed here");
    }
  }

  private Loc loc(Node n) {
    return locOf(inodes.components(n));
  }

  private Loc childLoc(Node dir, String name) {
    List<String> c = new ArrayList<>(inodes.components(dir));
    c.add(name);
    return locOf(c);
  }

  private Loc locOf(List<String> c) {
    if (options.bucket() != null) {
      return new Loc(options.bucket(), String.join("/", c));
    }
    if (c.isEmpty()) {
      return new Loc(null, "");
    }
    return new Loc(c.getFirst(), String.join("/", c.subList(1, c.size())));
  }

  /** The server's attributes of a node; ENOENT (and the node detached) when it is gone. */
  private FileAttr fetch(Node n) {
    Loc l = loc(n);
    FileAttr a;
    try {
      a = conn.read(c -> c.getattr(l.bucket(), l.path()));
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT && n != inodes.root) {
        inodes.detach(n);
      }
      throw e;
    }
    if (a.type() != n.type) {
      inodes.detach(n);
      throw new FuseException(FuseException.ENOENT, n + " was replaced by another kind of file");
    }
    return a;
  }

  private boolean fresh(Node n) {
    n.lock.lock();
    try {
      return n.dirty != null || n.unlinked || System.nanoTime() - n.attrExpires < 0;
    } finally {
      n.lock.unlock();
    }
  }

  private FileAttr currentAttr(Node n) {
    n.lock.lock();
    try {
      return n.attr;
    } finally {
      n.lock.unlock();
    }
  }

  private void refreshed(Node n, FileAttr a) {
    n.lock.lock();
    try {
      if (n.dirty == null) {
        setAttrLocked(n, a);
      }
    } finally {
      n.lock.unlock();
    }
  }

  private void setAttrLocked(Node n, FileAttr a) {
    if (n.attr != null && !n.attr.etag().equals(a.etag())) {
      n.symlinkTarget = null;
    }
    n.attr = a;
    n.attrExpires = System.nanoTime() + ttlNanos;
  }

  private FuseEntry entry(Node n) {
    return new FuseEntry(fuseAttr(n), Inodes.GENERATION, ttlNanos, kernelAttrTimeout(n));
  }

  private FuseAttrReply attrReply(Node n) {
    return new FuseAttrReply(fuseAttr(n), kernelAttrTimeout(n));
  }

  /**
   * How long the kernel may keep a node's attributes. A regular file's are not kept (0): the kernel
   * does not ask again at open, so close-to-open needs it to ask this mount (which answers from its
   * own cache within the TTL, and revalidated at open) whenever it needs size or mtime. Directories
   * and symlinks are cached for the TTL.
   */
  private long kernelAttrTimeout(Node n) {
    return n.type == FileType.FILE ? 0 : ttlNanos;
  }

  private FuseAttr fuseAttr(Node n) {
    n.lock.lock();
    try {
      FileAttr a = n.attr;
      long size = a.size();
      long mtime = a.mtimeNanos();
      if (n.dirty != null) {
        size = n.dirty.size();
        if (!n.dirty.clean()) {
          mtime = n.dirty.mtimeNanos();
        }
      }
      int perm = n.type == FileType.SYMLINK ? 0777 : a.mode() & 07777;
      int nlink = n.isDir() ? 2 : n.unlinked ? 0 : 1;
      return new FuseAttr(
          n.ino, typeBits(n.type) | perm, nlink, a.uid(), a.gid(), size, mtime, mtime, mtime);
    } finally {
      n.lock.unlock();
    }
  }

  private static int typeBits(FileType t) {
    return switch (t) {
      case FILE -> FuseAttr.S_IFREG;
      case DIRECTORY -> FuseAttr.S_IFDIR;
      case SYMLINK -> FuseAttr.S_IFLNK;
    };
  }

  private static long nowNanos() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
