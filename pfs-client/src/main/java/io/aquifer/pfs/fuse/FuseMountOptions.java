package io.aquifer.pfs.fuse;

/**
 * How {@link FuseMount} mounts and runs a session. Attribute and entry timeouts are not here: the
 * file system gives them in each reply.
 *
 * @param fsName the mount's source, as {@code mount} and {@code df} show it
 * @param subtype the type suffix: the mount's type is {@code fuse.<subtype>}
 * @param workers platform threads reading and answering requests, each with its own cloned {@code
 *     /dev/fuse} descriptor and buffers
 * @param maxWrite the largest WRITE (and READ) request asked of the kernel, a multiple of 4 KiB;
 *     the kernel may lower it ({@code /proc/sys/fs/fuse/max_pages_limit})
 * @param writebackCache ask for the kernel's writeback cache (writes are buffered in the page cache
 *     and sent later, in larger requests, possibly after close)
 * @param defaultPermissions let the kernel check permissions from mode, uid and gid
 * @param allowOther let users other than the mounting one in (not root: needs {@code
 *     user_allow_other} in /etc/fuse.conf)
 * @param readOnly mount read-only
 * @param readAhead the kernel's readahead for the mount in bytes (its {@code read_ahead_kb}), set
 *     when root can write it; the kernel's default (128 KiB) caps sequential READs at 128 KiB, so
 *     the default is {@code maxWrite}; 0 leaves the kernel's default
 * @param debug log every request (opcode, unique, inode, length) at INFO
 * @param forceFusermount mount through {@code fusermount3} even when mount(2) would work (as root)
 */
public record FuseMountOptions(
    String fsName,
    String subtype,
    int workers,
    int maxWrite,
    boolean writebackCache,
    boolean defaultPermissions,
    boolean allowOther,
    boolean readOnly,
    int readAhead,
    boolean debug,
    boolean forceFusermount) {
  /** The default number of workers. */
  public static final int DEFAULT_WORKERS = 8;

  /** The default largest write: 1 MiB. */
  public static final int DEFAULT_MAX_WRITE = 1 << 20;

  /** The largest {@code maxWrite} accepted: 16 MiB (the kernel's limit is 65535 pages). */
  public static final int MAX_MAX_WRITE = 16 << 20;

  public FuseMountOptions {
    checkName("fsName", fsName);
    checkName("subtype", subtype);
    if (workers < 1 || workers > 256) {
      throw new IllegalArgumentException("workers must be in 1..256, got " + workers);
    }
    if (readAhead < 0 || readAhead % 1024 != 0) {
      throw new IllegalArgumentException(
          "readAhead must be a non-negative multiple of 1024, got " + readAhead);
    }
    if (maxWrite < 4096 || maxWrite > MAX_MAX_WRITE || maxWrite % 4096 != 0) {
      throw new IllegalArgumentException(
          "maxWrite must be a multiple of 4096 in 4096.." + MAX_MAX_WRITE + ", got " + maxWrite);
    }
  }

  private static void checkName(String what, String value) {
    if (value == null || value.isEmpty() || !value.matches("[A-Za-z0-9_.+-]+")) {
      throw new IllegalArgumentException(
          what + " must be non-empty letters, digits, _ . + or -, got " + value);
    }
  }

  /**
   * Defaults: fsName and subtype {@code aquifer}, 8 workers, 1 MiB writes, no writeback cache,
   * default permissions, not allow_other, read-write, 1 MiB readahead, no debug log, mount(2) when
   * root.
   */
  public static FuseMountOptions defaults() {
    return new FuseMountOptions(
        "aquifer",
        "aquifer",
        DEFAULT_WORKERS,
        DEFAULT_MAX_WRITE,
        false,
        true,
        false,
        false,
        DEFAULT_MAX_WRITE,
        false,
        false);
  }

  /** With another fsName and subtype. */
  public FuseMountOptions withName(String fsName, String subtype) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With another number of workers. */
  public FuseMountOptions withWorkers(int workers) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With another largest write. */
  public FuseMountOptions withMaxWrite(int maxWrite) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With the writeback cache on or off. */
  public FuseMountOptions withWritebackCache(boolean writebackCache) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With default_permissions on or off. */
  public FuseMountOptions withDefaultPermissions(boolean defaultPermissions) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With allow_other on or off. */
  public FuseMountOptions withAllowOther(boolean allowOther) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** Read-only or read-write. */
  public FuseMountOptions withReadOnly(boolean readOnly) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With another readahead (bytes; 0: the kernel's default). */
  public FuseMountOptions withReadAhead(int readAhead) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** With the per-request log on or off. */
  public FuseMountOptions withDebug(boolean debug) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }

  /** Mount through fusermount3 always, or only when mount(2) is not allowed. */
  public FuseMountOptions withForceFusermount(boolean forceFusermount) {
    return new FuseMountOptions(
        fsName,
        subtype,
        workers,
        maxWrite,
        writebackCache,
        defaultPermissions,
        allowOther,
        readOnly,
        readAhead,
        debug,
        forceFusermount);
  }
}
