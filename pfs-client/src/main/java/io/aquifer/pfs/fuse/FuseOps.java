package io.aquifer.pfs.fuse;

import java.nio.ByteBuffer;

/**
 * A file system as the kernel's FUSE protocol sees it: operations by inode number, answered
 * synchronously on the session's worker threads (several at once, so implementations are
 * thread-safe). Inode 1 ({@link #ROOT}) is the root. An operation fails by throwing {@link
 * FuseException} or {@link io.aquifer.pfs.FsException}, which answer with their errno; anything
 * else answers {@code EIO} and is logged once by the session. Defaults answer {@code ENOSYS} (the
 * kernel then stops asking) or do nothing where the kernel needs no answer.
 *
 * <p>Every lookup-like reply ({@link #lookup}, {@link #mkdir}, {@link #create}, {@link #symlink},
 * each entry of readdirplus) adds one to the inode's lookup count; {@link #forget} takes it away.
 * An inode may be dropped when its count reaches zero.
 */
public interface FuseOps {
  /** The root's inode number. */
  long ROOT = 1;

  /** Called once after the kernel's INIT, before any other operation. */
  default void init(FuseInit init) {}

  /** Called once when the session ends (unmount or close). */
  default void destroy() {}

  /** Looks {@code name} up in directory {@code parent}. ENOENT when absent. */
  FuseEntry lookup(long parent, String name);

  /** The kernel drops {@code nlookup} references to {@code ino}. No reply. */
  default void forget(long ino, long nlookup) {}

  /** Attributes of {@code ino}; {@code fh} is the open handle or {@code -1}. */
  FuseAttrReply getattr(long ino, long fh);

  /** Changes what {@code change} names (mode, owner, size, times) and returns the result. */
  default FuseAttrReply setattr(long ino, FuseSetattr change) {
    throw new FuseException(FuseException.ENOSYS, "setattr");
  }

  /** A symlink's target. */
  default String readlink(long ino) {
    throw new FuseException(FuseException.ENOSYS, "readlink");
  }

  /** Makes a directory. */
  default FuseEntry mkdir(long parent, String name, int mode, FuseContext ctx) {
    throw new FuseException(FuseException.ENOSYS, "mkdir");
  }

  /** Removes a file or symlink. */
  default void unlink(long parent, String name) {
    throw new FuseException(FuseException.ENOSYS, "unlink");
  }

  /** Removes an empty directory. */
  default void rmdir(long parent, String name) {
    throw new FuseException(FuseException.ENOSYS, "rmdir");
  }

  /** Makes a symlink {@code name} in {@code parent} pointing at {@code target}. */
  default FuseEntry symlink(String target, long parent, String name, FuseContext ctx) {
    throw new FuseException(FuseException.ENOSYS, "symlink");
  }

  /**
   * Renames; {@code flags} holds {@link #RENAME_NOREPLACE} and {@link #RENAME_EXCHANGE} as
   * renameat2 has them.
   */
  default void rename(long parent, String name, long newParent, String newName, int flags) {
    throw new FuseException(FuseException.ENOSYS, "rename");
  }

  /** renameat2's no-replace flag. */
  int RENAME_NOREPLACE = 1;

  /** renameat2's exchange flag. */
  int RENAME_EXCHANGE = 2;

  /** Opens a file; {@code flags} are open(2)'s flags (O_TRUNC and O_APPEND included). */
  default FuseOpen open(long ino, int flags) {
    throw new FuseException(FuseException.ENOSYS, "open");
  }

  /** Creates and opens a file ({@code O_CREAT}); EEXIST with {@code O_EXCL} when present. */
  default FuseCreated create(long parent, String name, int mode, int flags, FuseContext ctx) {
    throw new FuseException(FuseException.ENOSYS, "create");
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst} (a direct buffer
   * valid only during the call), advancing its position. Fewer bytes than asked means end of file.
   * Returns the number of bytes read.
   */
  default int read(long ino, long fh, long offset, ByteBuffer dst) {
    throw new FuseException(FuseException.ENOSYS, "read");
  }

  /**
   * Writes {@code src} (a read-only direct buffer valid only during the call) at {@code offset} and
   * returns how many bytes were taken (all of them, or the call fails).
   */
  default int write(long ino, long fh, long offset, ByteBuffer src) {
    throw new FuseException(FuseException.ENOSYS, "write");
  }

  /** close(2) of one descriptor of the handle (there may be several, after dup). */
  default void flush(long ino, long fh) {}

  /** The last reference to the handle is gone. */
  default void release(long ino, long fh, int flags) {}

  /** Makes the handle's data durable before returning. */
  default void fsync(long ino, long fh, boolean datasync) {}

  /** Opens a directory and returns a handle. */
  default long opendir(long ino, int flags) {
    return 0;
  }

  /**
   * Lists a directory from {@code offset} (0 at the start, otherwise a {@code nextOffset} handed to
   * the sink before) until the sink is full. {@code .} and {@code ..} are the implementation's to
   * list.
   */
  default void readdir(long ino, long fh, long offset, FuseDirSink sink) {
    throw new FuseException(FuseException.ENOSYS, "readdir");
  }

  /** Releases a directory handle. */
  default void releasedir(long ino, long fh) {}

  /** File system statistics. */
  default FuseStatfs statfs(long ino) {
    return FuseStatfs.EMPTY;
  }
}
