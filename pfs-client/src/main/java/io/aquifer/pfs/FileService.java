package io.aquifer.pfs;

import io.aquifer.storage.BucketInfo;
import io.aquifer.storage.ListPage;
import io.aquifer.storage.ListQuery;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StatusCode;
import io.aquifer.storage.StorageException;
import io.aquifer.storage.WriteCondition;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file view of an {@link ObjectStore}'s keyspace. Key {@code a/b/c.bin} is file {@code c.bin}
 * in directory {@code a/b}; a directory exists when its marker key {@code a/b/} exists or any key
 * starts with {@code a/b/}. Keys that cannot be file names (empty components, {@code .}, {@code
 * ..}, components over 255 bytes) are left out of listings and stay reachable over S3. POSIX mode,
 * owner and mtime live in the object's attributes.
 *
 * <p>Paths are relative to the bucket, components joined by {@code /}; one leading {@code /} is
 * allowed and {@code ""} (or {@code /}) is the bucket's root. Every method blocks on the store and
 * fails with {@link FsException}; call it from a virtual thread, never an event loop. Thread-safe.
 */
public final class FileService {
  private static final System.Logger LOG = System.getLogger(FileService.class.getName());

  /**
   * Names of staged objects, at a bucket's root: a streamed write the client asked to stage ({@link
   * #openWrite(String, String, Integer, boolean)}) is written under such a key and renamed to its
   * file at the commit, or left there for the client to read back and remove ({@link
   * FileOutput#park()}). Mounts hide these names; what a crash leaves is swept ({@link
   * #sweepStaged}).
   */
  public static final String STAGED_PREFIX = ObjectStore.STAGED_KEY_PREFIX;

  /** Staged objects of this service's own run older than this are swept too. */
  static final Duration STAGED_MAX_AGE = Duration.ofHours(1);

  private final ObjectStore store;
  private final FileServiceConfig config;
  private final String runId = HexFormat.of().toHexDigits(new SecureRandom().nextLong());
  private final AtomicLong stagedNames = new AtomicLong();
  private final AtomicBoolean swept = new AtomicBoolean();

  /** A file view over {@code store}, which the caller keeps owning. */
  public FileService(ObjectStore store, FileServiceConfig config) {
    this.store = Objects.requireNonNull(store, "store");
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The settings. */
  public FileServiceConfig config() {
    return config;
  }

  /** The store, for the handler's bucket-ownership check. */
  ObjectStore store() {
    return store;
  }

  /**
   * The attributes of a file or directory.
   *
   * @throws FsException {@link Errno#ENOENT} when neither exists (or the bucket does not)
   */
  public FileAttr getattr(String bucket, String path) {
    String p = Paths.check(path);
    try {
      return find(bucket, p).orElseThrow(() -> noEntry(bucket, p));
    } catch (StorageException e) {
      throw fail("getattr", bucket, p, e);
    }
  }

  /**
   * One page of a directory: its files, then its subdirectories, each in key order. Entries of
   * subdirectories carry default attributes; {@link #getattr} reads their stored ones.
   *
   * @param cookie null for the first page, else the previous page's {@link DirPage#cookie()}
   * @param max most keys to read for this page, 1 to 1000
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#ENOTDIR}, {@link Errno#EINVAL} (a bad
   *     cookie or {@code max})
   */
  public DirPage readdir(String bucket, String dir, String cookie, int max) {
    String p = Paths.check(dir);
    if (max < 1 || max > 1000) {
      throw new FsException(Errno.EINVAL, "readdir max must be 1 to 1000, got " + max);
    }
    try {
      requireDir(bucket, p);
      String prefix = Paths.childPrefix(p);
      ListPage page = store.list(bucket, new ListQuery(prefix, "/", null, cookie, max));
      List<DirEntry> out = new ArrayList<>(page.objects().size() + page.commonPrefixes().size());
      java.util.Set<String> files = new java.util.HashSet<>();
      for (ObjectInfo o : page.objects()) {
        String name = o.key().substring(prefix.length());
        if (Paths.isName(name)) {
          out.add(new DirEntry(name, Attrs.attr(o, FileType.FILE, config)));
          files.add(name);
        }
      }
      for (String cp : page.commonPrefixes()) {
        String name = cp.substring(prefix.length(), cp.length() - 1);
        // a key "x" and keys under "x/": getattr shows the file, so the listing does too
        if (Paths.isName(name) && !files.contains(name)) {
          out.add(new DirEntry(name, Attrs.implicitDir(config, 0)));
        }
      }
      return new DirPage(out, page.truncated() ? page.nextToken() : null, page.truncated());
    } catch (StorageException e) {
      throw fail("readdir", bucket, p, e);
    }
  }

  /**
   * Makes a directory: writes its marker key.
   *
   * @throws FsException {@link Errno#EEXIST}, {@link Errno#ENOENT} or {@link Errno#ENOTDIR} (the
   *     parent)
   */
  public FileAttr mkdir(String bucket, String path, int mode) {
    return mkdir(bucket, path, mode, config.uid(), config.gid());
  }

  /** As {@link #mkdir(String, String, int)}, owned by {@code uid}:{@code gid}. */
  public FileAttr mkdir(String bucket, String path, int mode, int uid, int gid) {
    String p = Paths.check(path);
    SetAttr.mode(mode);
    try {
      if (p.isEmpty() || find(bucket, p).isPresent()) {
        throw new FsException(Errno.EEXIST, "mkdir " + bucket + "/" + p + ": exists");
      }
      requireDir(bucket, Paths.parent(p));
      ObjectInfo info =
          store.put(
              bucket,
              p + "/",
              new byte[0],
              PutOptions.DEFAULT
                  .withAttributes(Attrs.owner(mode, uid, gid))
                  .withCondition(WriteCondition.ifAbsent()));
      return Attrs.attr(info, FileType.DIRECTORY, config);
    } catch (StorageException e) {
      throw fail("mkdir", bucket, p, e);
    }
  }

  /**
   * Removes an empty directory.
   *
   * @throws FsException {@link Errno#ENOTEMPTY} when any key is under it, {@link Errno#ENOENT},
   *     {@link Errno#ENOTDIR}, {@link Errno#EINVAL} (the root)
   */
  public void rmdir(String bucket, String path) {
    String p = Paths.check(path);
    if (p.isEmpty()) {
      throw new FsException(Errno.EINVAL, "rmdir " + bucket + "/: the bucket's root stays");
    }
    try {
      requireDir(bucket, p);
      String marker = p + "/";
      ListPage under = store.list(bucket, new ListQuery(marker, null, null, null, 2));
      for (ObjectInfo o : under.objects()) {
        if (!o.key().equals(marker)) {
          throw new FsException(Errno.ENOTEMPTY, "rmdir " + bucket + "/" + p + ": not empty");
        }
      }
      store.delete(bucket, marker);
      keepParent(bucket, Paths.parent(p));
    } catch (StorageException e) {
      throw fail("rmdir", bucket, p, e);
    }
  }

  /**
   * Creates an empty file, failing when the name exists.
   *
   * @throws FsException {@link Errno#EEXIST}, {@link Errno#ENOENT} or {@link Errno#ENOTDIR} (the
   *     parent)
   */
  public FileAttr create(String bucket, String path, int mode) {
    return create(bucket, path, mode, config.uid(), config.gid());
  }

  /** As {@link #create(String, String, int)}, owned by {@code uid}:{@code gid}. */
  public FileAttr create(String bucket, String path, int mode, int uid, int gid) {
    String p = Paths.check(path);
    SetAttr.mode(mode);
    try {
      if (p.isEmpty() || find(bucket, p).isPresent()) {
        throw new FsException(Errno.EEXIST, "create " + bucket + "/" + p + ": exists");
      }
      requireDir(bucket, Paths.parent(p));
      ObjectInfo info =
          store.put(
              bucket,
              p,
              new byte[0],
              PutOptions.DEFAULT
                  .withAttributes(Attrs.owner(mode, uid, gid))
                  .withCondition(WriteCondition.ifAbsent()));
      return Attrs.attr(info, FileType.FILE, config);
    } catch (StorageException e) {
      throw fail("create", bucket, p, e);
    }
  }

  /**
   * Removes a file. Readers that have it open keep reading it.
   *
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#EISDIR}
   */
  public void unlink(String bucket, String path) {
    String p = Paths.check(path);
    try {
      FileAttr a = find(bucket, p).orElseThrow(() -> noEntry(bucket, p));
      if (a.isDirectory()) {
        throw new FsException(Errno.EISDIR, "unlink " + bucket + "/" + p + ": a directory");
      }
      store.delete(bucket, p);
      keepParent(bucket, Paths.parent(p));
    } catch (StorageException e) {
      throw fail("unlink", bucket, p, e);
    }
  }

  /**
   * Renames a file or a directory, atomically (one index batch). A file replaces a file at {@code
   * dst}; a directory replaces an empty directory. A directory rename moves every key under it and
   * fails with {@link Errno#EXDEV}, changing nothing, when that is more than {@link
   * FileServiceConfig#maxRenameEntries} keys.
   *
   * @param noReplace fail with {@link Errno#EEXIST} when {@code dst} exists (RENAME_NOREPLACE)
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#EEXIST}, {@link Errno#EISDIR} (file onto
   *     a directory), {@link Errno#ENOTDIR} (directory onto a file, or a parent is a file), {@link
   *     Errno#ENOTEMPTY}, {@link Errno#EINVAL} (a directory into itself, or the root), {@link
   *     Errno#EXDEV}
   */
  public void rename(String bucket, String src, String dst, boolean noReplace) {
    String s = Paths.check(src);
    String d = Paths.check(dst);
    String what = "rename " + bucket + "/" + s + " to " + d;
    if (s.isEmpty() || d.isEmpty()) {
      throw new FsException(Errno.EINVAL, what + ": the bucket's root cannot be renamed");
    }
    try {
      FileAttr sa = find(bucket, s).orElseThrow(() -> noEntry(bucket, s));
      if (s.equals(d)) {
        if (noReplace) {
          throw new FsException(Errno.EEXIST, what + ": the target exists");
        }
        return;
      }
      if (sa.isDirectory() && d.startsWith(s + "/")) {
        throw new FsException(Errno.EINVAL, what + ": a directory cannot move into itself");
      }
      requireDir(bucket, Paths.parent(d));
      Optional<FileAttr> da = find(bucket, d);
      if (da.isPresent() && noReplace) {
        throw new FsException(Errno.EEXIST, what + ": the target exists");
      }
      if (!sa.isDirectory()) {
        if (da.isPresent() && da.get().isDirectory()) {
          throw new FsException(Errno.EISDIR, what + ": the target is a directory");
        }
        store.rename(bucket, s, d, !noReplace);
        keepParentAfterMove(bucket, s, d);
        return;
      }
      if (da.isPresent()) {
        if (!da.get().isDirectory()) {
          throw new FsException(Errno.ENOTDIR, what + ": the target is a file");
        }
        String marker = d + "/";
        for (ObjectInfo o :
            store.list(bucket, new ListQuery(marker, null, null, null, 2)).objects()) {
          if (!o.key().equals(marker)) {
            throw new FsException(Errno.ENOTEMPTY, what + ": the target is not empty");
          }
        }
      }
      store.renamePrefix(bucket, s + "/", d + "/", config.maxRenameEntries());
      keepParentAfterMove(bucket, s, d);
    } catch (StorageException e) {
      if (e.status() == StatusCode.TOO_MANY_ENTRIES) {
        throw new FsException(
            Errno.EXDEV,
            what
                + ": the directory holds more than "
                + config.maxRenameEntries()
                + " entries (the directory-rename limit); nothing was moved",
            e);
      }
      throw fail("rename", bucket, s, e);
    }
  }

  /**
   * Reads up to {@code length} bytes of a file from {@code offset} into {@code dst}, after its
   * writer index (advanced by the bytes read).
   *
   * @param dst borrowed; it must be one contiguous buffer (not composite) and grows as needed
   * @return the bytes read: fewer than {@code length} only at the end of the file, 0 at or past it
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#EISDIR}, {@link Errno#EINVAL}, {@link
   *     Errno#EIO}
   */
  public int read(String bucket, String path, long offset, ByteBuf dst, int length) {
    return read(bucket, path, offset, dst, length, null);
  }

  /**
   * As {@link #read(String, String, long, ByteBuf, int)}, from the version whose ETag is {@code
   * etag} only.
   *
   * @param etag the ETag the file must have, or null for any
   * @throws FsException {@link Errno#ESTALE} when the file now has another ETag (it was replaced)
   */
  public int read(String bucket, String path, long offset, ByteBuf dst, int length, String etag) {
    String p = Paths.check(path);
    if (offset < 0 || length < 0) {
      throw new FsException(Errno.EINVAL, "read: negative offset or length");
    }
    if (length == 0) {
      return 0;
    }
    ObjectReader r;
    try {
      r = store.get(bucket, p, offset, length);
    } catch (StorageException e) {
      if (e.status() == StatusCode.INVALID_RANGE) {
        return 0;
      }
      if (e.status() == StatusCode.NO_SUCH_KEY && dirExists(bucket, p)) {
        throw new FsException(Errno.EISDIR, "read " + bucket + "/" + p + ": a directory");
      }
      throw fail("read", bucket, p, e);
    }
    try (r) {
      if (etag != null && !etag.equals(r.info().etag())) {
        throw new FsException(
            Errno.ESTALE, "read " + bucket + "/" + p + ": the file was replaced while open");
      }
      dst.ensureWritable(length);
      if (dst.nioBufferCount() != 1) {
        throw new IllegalArgumentException("read needs a contiguous destination buffer");
      }
      int total = 0;
      while (total < length) {
        ByteBuffer view = dst.nioBuffer(dst.writerIndex(), length - total);
        int n = r.read(view);
        if (n < 0) {
          break;
        }
        dst.writerIndex(dst.writerIndex() + n);
        total += n;
      }
      return total;
    } catch (StorageException e) {
      throw fail("read", bucket, p, e);
    }
  }

  /**
   * Starts writing a whole file: nothing is visible until {@link FileOutput#commit()}, which
   * replaces the file atomically. An existing file keeps its mode and owner unless {@code mode} is
   * given.
   *
   * @param mode the new file's permission bits, or null (the old file's, or the default)
   * @throws FsException {@link Errno#EISDIR}, {@link Errno#ENOENT} or {@link Errno#ENOTDIR} (the
   *     parent)
   */
  public FileOutput openWrite(String bucket, String path, Integer mode) {
    return openWrite(bucket, path, mode, false);
  }

  /**
   * As {@link #openWrite(String, String, Integer)}; with {@code staged}, the bytes go to a staged
   * object ({@link #STAGED_PREFIX}) that the commit renames onto the file in one index batch, and
   * that {@link FileOutput#park()} can commit instead, for the client to read back.
   */
  public FileOutput openWrite(String bucket, String path, Integer mode, boolean staged) {
    String p = Paths.check(path);
    if (mode != null) {
      SetAttr.mode(mode);
    }
    sweepOnce();
    try {
      if (p.isEmpty()) {
        throw new FsException(Errno.EISDIR, "write " + bucket + "/: the root is a directory");
      }
      requireDir(bucket, Paths.parent(p));
      Optional<FileAttr> old = find(bucket, p);
      if (old.isPresent() && old.get().isDirectory()) {
        throw new FsException(Errno.EISDIR, "write " + bucket + "/" + p + ": a directory");
      }
      int m = mode != null ? mode : old.map(FileAttr::mode).orElse(config.fileMode());
      int uid = old.map(FileAttr::uid).orElse(config.uid());
      int gid = old.map(FileAttr::gid).orElse(config.gid());
      String stagedKey = null;
      if (staged) {
        stagedKey = STAGED_PREFIX + runId + "-" + stagedNames.incrementAndGet();
      }
      ObjectWriter w =
          store.newWriter(
              bucket,
              stagedKey != null ? stagedKey : p,
              PutOptions.DEFAULT
                  .withAttributes(Attrs.owner(m, uid, gid))
                  .withMd5EtagMaxSize(config.md5EtagMaxSize()));
      return new FileOutput(this, bucket, p, w, stagedKey);
    } catch (StorageException e) {
      throw fail("write", bucket, p, e);
    }
  }

  /** Writes a whole file from {@code in} (not closed) and commits it, as {@link #openWrite}. */
  public FileAttr write(String bucket, String path, InputStream in, Integer mode)
      throws IOException {
    try (FileOutput out = openWrite(bucket, path, mode)) {
      out.writeAll(in);
      return out.commit();
    }
  }

  /**
   * Changes mode, owner or mtime, kept in the object's attributes (a directory without a marker
   * gets one).
   *
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#EACCES} (the bucket's root)
   */
  public FileAttr setattr(String bucket, String path, SetAttr change) {
    String p = Paths.check(path);
    Objects.requireNonNull(change, "change");
    try {
      FileAttr a = find(bucket, p).orElseThrow(() -> noEntry(bucket, p));
      if (p.isEmpty()) {
        throw new FsException(
            Errno.EACCES, "setattr " + bucket + "/: the bucket root's attributes are fixed");
      }
      if (change.isEmpty()) {
        return a;
      }
      Map<String, String> set = Attrs.of(change);
      if (!a.isDirectory()) {
        return Attrs.attr(store.updateAttributes(bucket, p, set, Set.of()), FileType.FILE, config);
      }
      String marker = p + "/";
      if (headOrNull(bucket, marker) == null) {
        Map<String, String> all = new java.util.HashMap<>(Attrs.owner(a.mode(), a.uid(), a.gid()));
        all.putAll(set);
        try {
          return Attrs.attr(
              store.put(
                  bucket,
                  marker,
                  new byte[0],
                  PutOptions.DEFAULT.withAttributes(all).withCondition(WriteCondition.ifAbsent())),
              FileType.DIRECTORY,
              config);
        } catch (StorageException e) {
          if (e.status() != StatusCode.PRECONDITION_FAILED) {
            throw e;
          }
        }
      }
      return Attrs.attr(
          store.updateAttributes(bucket, marker, set, Set.of()), FileType.DIRECTORY, config);
    } catch (StorageException e) {
      throw fail("setattr", bucket, p, e);
    }
  }

  /**
   * Makes a symlink: an object whose content is {@code target} and whose attribute {@code pfs-type}
   * is {@code symlink}, written with the object (so {@code rebuild-index} keeps it).
   *
   * @throws FsException {@link Errno#EEXIST}, {@link Errno#ENOENT} or {@link Errno#ENOTDIR} (the
   *     parent), {@link Errno#EINVAL} (an empty target, or one over 4095 bytes)
   */
  public FileAttr symlink(String bucket, String path, String target, int uid, int gid) {
    String p = Paths.check(path);
    byte[] t = Objects.requireNonNull(target, "target").getBytes(StandardCharsets.UTF_8);
    if (t.length == 0 || t.length > Attrs.SYMLINK_MAX || target.indexOf('\0') >= 0) {
      throw new FsException(
          Errno.EINVAL, "symlink " + bucket + "/" + p + ": a target must be 1 to 4095 bytes");
    }
    try {
      if (p.isEmpty() || find(bucket, p).isPresent()) {
        throw new FsException(Errno.EEXIST, "symlink " + bucket + "/" + p + ": exists");
      }
      requireDir(bucket, Paths.parent(p));
      Map<String, String> attrs = new java.util.HashMap<>(Attrs.owner(0777, uid, gid));
      attrs.put(Attrs.TYPE, Attrs.TYPE_SYMLINK);
      ObjectInfo info =
          store.put(
              bucket,
              p,
              t,
              PutOptions.DEFAULT.withAttributes(attrs).withCondition(WriteCondition.ifAbsent()));
      return Attrs.attr(info, FileType.FILE, config);
    } catch (StorageException e) {
      throw fail("symlink", bucket, p, e);
    }
  }

  /**
   * A symlink's target.
   *
   * @throws FsException {@link Errno#ENOENT}, {@link Errno#EINVAL} (not a symlink)
   */
  public String readlink(String bucket, String path) {
    String p = Paths.check(path);
    try {
      ObjectInfo info = headOrNull(bucket, p);
      if (info == null || p.isEmpty()) {
        find(bucket, p).orElseThrow(() -> noEntry(bucket, p));
        throw new FsException(Errno.EINVAL, "readlink " + bucket + "/" + p + ": not a symlink");
      }
      if (!Attrs.TYPE_SYMLINK.equals(info.attributes().get(Attrs.TYPE))
          || info.size() > Attrs.SYMLINK_MAX) {
        throw new FsException(Errno.EINVAL, "readlink " + bucket + "/" + p + ": not a symlink");
      }
      try (ObjectReader r = store.get(bucket, p)) {
        return new String(r.asInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new FsException(Errno.EIO, "readlink " + bucket + "/" + p + ": " + e, e);
      }
    } catch (StorageException e) {
      throw fail("readlink", bucket, p, e);
    }
  }

  /** The names of the store's buckets, in order. */
  public List<String> listBuckets() {
    try {
      return store.listBuckets().stream().map(BucketInfo::name).sorted().toList();
    } catch (StorageException e) {
      throw fail("listBuckets", "", "", e);
    }
  }

  /**
   * Capacity as a file system reports it: the online drives' space times k/(k+m), or the bucket's
   * quota when it has one; the object count of the bucket (or of every bucket).
   *
   * @param bucket a bucket, or {@code ""} for the whole store
   * @throws FsException {@link Errno#ENOENT} (no such bucket)
   */
  public FsStats statfs(String bucket) {
    try {
      StoreStatsView v = storeSpace();
      long total = v.total;
      long free = v.free;
      long files = 0;
      if (bucket.isEmpty()) {
        for (BucketInfo b : store.listBuckets()) {
          files += store.usage(b.name()).objects();
        }
      } else {
        BucketInfo b = store.headBucket(bucket).orElseThrow(() -> noEntry(bucket, ""));
        io.aquifer.storage.BucketUsage u = store.usage(bucket);
        files = u.objects();
        if (b.quota().maxBytes() > 0) {
          total = b.quota().maxBytes();
          free = Math.max(0, Math.min(free, total - u.bytes()));
        }
      }
      return new FsStats(total, free, files);
    } catch (StorageException e) {
      throw fail("statfs", bucket, "", e);
    }
  }

  private record StoreStatsView(long total, long free) {}

  private StoreStatsView storeSpace() {
    long total = 0;
    long free = 0;
    for (io.aquifer.storage.DriveStatus d : store.drives()) {
      if (d.state() == io.aquifer.storage.DriveState.ONLINE && d.totalBytes() > 0) {
        total += d.totalBytes();
        free += Math.max(0, d.freeBytes());
      }
    }
    io.aquifer.storage.StoreStats s = store.stats();
    int k = s.dataShards();
    int n = s.dataShards() + s.parityShards();
    return new StoreStatsView(total / n * k, free / n * k);
  }

  /**
   * Removes the staged objects of {@code bucket} that no writer can still use: those of an earlier
   * run of the service (a stream does not outlive its connection, so a crash or restart left them),
   * and those of this run older than {@link #STAGED_MAX_AGE} (a client that parked a stream and
   * died before removing it). Runs for every bucket once per run ({@link #sweepOnce}: at the node's
   * start, or the first write if that comes first) and for the bucket at every park. Failures are
   * logged, not thrown.
   *
   * @return how many were removed
   */
  public int sweepStaged(String bucket) {
    Instant old = Instant.now().minus(STAGED_MAX_AGE);
    String mine = STAGED_PREFIX + runId + "-";
    int removed = 0;
    try {
      ListQuery q = ListQuery.prefix(STAGED_PREFIX);
      while (true) {
        ListPage page = store.list(bucket, q);
        for (ObjectInfo o : page.objects()) {
          if (!o.key().startsWith(mine) || o.modified().isBefore(old)) {
            discardStaged(bucket, o.key());
            removed++;
          }
        }
        if (!page.truncated()) {
          break;
        }
        q = q.next(page.nextToken());
      }
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "pfs: sweep of staged objects in " + bucket + ": " + e);
    }
    if (removed > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "pfs: removed " + removed + " staged object(s) left in " + bucket);
    }
    return removed;
  }

  /**
   * {@link #sweepAll} unless it already ran (or runs) in this run: the node calls it at its start,
   * so a crash's leftovers go before anyone lists them, and the first write calls it in case the
   * start's sweep has not begun. Safe beside writes: it never removes a staged object of this run
   * younger than {@link #STAGED_MAX_AGE}.
   */
  public void sweepOnce() {
    if (swept.compareAndSet(false, true)) {
      sweepAll();
    }
  }

  /** {@link #sweepStaged} of every bucket (failures are logged, not thrown). */
  public void sweepAll() {
    List<BucketInfo> buckets;
    try {
      buckets = store.listBuckets();
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "pfs: sweep of staged objects: " + e);
      return;
    }
    for (BucketInfo b : buckets) {
      sweepStaged(b.name());
    }
  }

  /** Deletes a staged object (best effort: a failure is logged; the sweep retries later). */
  void discardStaged(String bucket, String key) {
    try {
      store.delete(bucket, key);
    } catch (StorageException e) {
      if (e.status() != StatusCode.NO_SUCH_KEY) {
        LOG.log(
            System.Logger.Level.WARNING, "pfs: could not remove " + bucket + "/" + key + ": " + e);
      }
    }
  }

  // ---- internals

  /** A file, a directory, or nothing. */
  private Optional<FileAttr> find(String bucket, String p) {
    if (p.isEmpty()) {
      BucketInfo b = store.headBucket(bucket).orElse(null);
      if (b == null) {
        return Optional.empty();
      }
      long created = b.created().getEpochSecond() * 1_000_000_000L + b.created().getNano();
      return Optional.of(Attrs.implicitDir(config, created));
    }
    ObjectInfo file = headOrNull(bucket, p);
    if (file != null) {
      return Optional.of(Attrs.attr(file, FileType.FILE, config));
    }
    ObjectInfo marker = headOrNull(bucket, p + "/");
    if (marker != null) {
      return Optional.of(Attrs.attr(marker, FileType.DIRECTORY, config));
    }
    if (hasChildren(bucket, p)) {
      return Optional.of(Attrs.implicitDir(config, 0));
    }
    return Optional.empty();
  }

  private boolean dirExists(String bucket, String p) {
    try {
      return headOrNull(bucket, p + "/") != null || hasChildren(bucket, p);
    } catch (StorageException e) {
      return false;
    }
  }

  private boolean hasChildren(String bucket, String p) {
    ListPage l = store.list(bucket, new ListQuery(p + "/", null, null, null, 1));
    return !l.objects().isEmpty() || !l.commonPrefixes().isEmpty();
  }

  private ObjectInfo headOrNull(String bucket, String key) {
    try {
      return store.head(bucket, key);
    } catch (StorageException e) {
      if (e.status() == StatusCode.NO_SUCH_KEY) {
        return null;
      }
      throw e;
    }
  }

  private void requireDir(String bucket, String p) {
    FileAttr a = find(bucket, p).orElseThrow(() -> noEntry(bucket, p));
    if (!a.isDirectory()) {
      throw new FsException(Errno.ENOTDIR, bucket + "/" + p + " is a file, not a directory");
    }
  }

  /** After {@code s} moved to {@code d}: keeps {@code s}'s parent unless {@code d} is inside it. */
  private void keepParentAfterMove(String bucket, String s, String d) {
    String parent = Paths.parent(s);
    if (!d.startsWith(Paths.childPrefix(parent))) {
      keepParent(bucket, parent);
    }
  }

  /**
   * Gives a directory that existed only through its children a marker once one of them was removed,
   * so that removing its last child does not remove it too. (Until the marker is written, a
   * directory that had no marker and just lost its last child is briefly absent.)
   */
  private void keepParent(String bucket, String parent) {
    if (parent.isEmpty() || headOrNull(bucket, parent + "/") != null) {
      return;
    }
    try {
      store.put(
          bucket,
          parent + "/",
          new byte[0],
          PutOptions.DEFAULT
              .withAttributes(Attrs.owner(config.dirMode(), config.uid(), config.gid()))
              .withCondition(WriteCondition.ifAbsent()));
    } catch (StorageException e) {
      if (e.status() != StatusCode.PRECONDITION_FAILED) {
        throw e;
      }
    }
  }

  private static FsException noEntry(String bucket, String p) {
    return new FsException(Errno.ENOENT, bucket + "/" + p + ": no such file or directory");
  }

  /** The one translation of a storage failure; EIO is logged here. */
  FsException fail(String op, String bucket, String p, StorageException e) {
    Errno errno = Errno.of(e.status());
    String message = op + " " + bucket + "/" + p + ": " + e.getMessage();
    if (errno == Errno.EIO) {
      LOG.log(System.Logger.Level.WARNING, "pfs: EIO from " + message);
    }
    return new FsException(errno, message, e);
  }
}
