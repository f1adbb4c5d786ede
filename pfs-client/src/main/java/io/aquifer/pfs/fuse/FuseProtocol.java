package io.aquifer.pfs.fuse;

/**
 * The kernel's FUSE protocol as {@code linux/fuse.h} (7.38) defines it: opcodes, INIT flags and the
 * sizes and offsets of the structs the session reads and writes (64-bit, native byte order).
 */
final class FuseProtocol {
  private FuseProtocol() {}

  static final int KERNEL_VERSION = 7;
  static final int KERNEL_MINOR_VERSION = 38;

  /** The oldest kernel minor the session speaks to (MAX_PAGES arrived in 7.28). */
  static final int MIN_KERNEL_MINOR = 28;

  static final int PAGE_SIZE = 4096;

  /** The kernel's max_pages when MAX_PAGES is not negotiated. */
  static final int DEFAULT_MAX_PAGES = 32;

  static final int MIN_READ_BUFFER = 8192;

  /** FUSE_DEV_IOC_CLONE: _IOR(229, 0, uint32_t). */
  static final long DEV_IOC_CLONE = (2L << 30) | (4L << 16) | (229L << 8);

  // opcodes
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int GETLK = 31;
  static final int SETLK = 32;
  static final int SETLKW = 33;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int BMAP = 37;
  static final int DESTROY = 38;
  static final int IOCTL = 39;
  static final int POLL = 40;
  static final int NOTIFY_REPLY = 41;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int READDIRPLUS = 44;
  static final int RENAME2 = 45;
  static final int LSEEK = 46;
  static final int COPY_FILE_RANGE = 47;
  static final int SETUPMAPPING = 48;
  static final int REMOVEMAPPING = 49;
  static final int SYNCFS = 50;
  static final int TMPFILE = 51;
  static final int STATX = 52;

  private static final String[] NAMES = new String[STATX + 1];

  static {
    String[] names = {
      "",
      "lookup",
      "forget",
      "getattr",
      "setattr",
      "readlink",
      "symlink",
      "7",
      "mknod",
      "mkdir",
      "unlink",
      "rmdir",
      "rename",
      "link",
      "open",
      "read",
      "write",
      "statfs",
      "release",
      "19",
      "fsync",
      "setxattr",
      "getxattr",
      "listxattr",
      "removexattr",
      "flush",
      "init",
      "opendir",
      "readdir",
      "releasedir",
      "fsyncdir",
      "getlk",
      "setlk",
      "setlkw",
      "access",
      "create",
      "interrupt",
      "bmap",
      "destroy",
      "ioctl",
      "poll",
      "notify_reply",
      "batch_forget",
      "fallocate",
      "readdirplus",
      "rename2",
      "lseek",
      "copy_file_range",
      "setupmapping",
      "removemapping",
      "syncfs",
      "tmpfile",
      "statx"
    };
    System.arraycopy(names, 0, NAMES, 0, names.length);
  }

  /** The opcode's name, for logs. */
  static String opName(int opcode) {
    return opcode >= 0 && opcode < NAMES.length ? NAMES[opcode] : "opcode-" + opcode;
  }

  // INIT flags (init_in.flags / init_out.flags; bits 32..63 travel in flags2)
  static final long ASYNC_READ = 1L;
  static final long ATOMIC_O_TRUNC = 1L << 3;
  static final long BIG_WRITES = 1L << 5;
  static final long DO_READDIRPLUS = 1L << 13;
  static final long WRITEBACK_CACHE = 1L << 16;
  static final long PARALLEL_DIROPS = 1L << 18;
  static final long MAX_PAGES = 1L << 22;
  static final long INIT_EXT = 1L << 30;

  // getattr_in.getattr_flags, setattr_in.valid, fsync_in.fsync_flags
  static final int GETATTR_FH = 1;
  static final int FATTR_FH = 1 << 6;
  static final int FSYNC_FDATASYNC = 1;

  // struct sizes
  static final int IN_HEADER = 40;
  static final int OUT_HEADER = 16;
  static final int ATTR = 88;
  static final int ENTRY_OUT = 40 + ATTR;
  static final int ATTR_OUT = 16 + ATTR;
  static final int OPEN_OUT = 16;
  static final int WRITE_IN = 40;
  static final int WRITE_OUT = 8;
  static final int STATFS_OUT = 80;
  static final int INIT_OUT = 64;
  static final int GETXATTR_OUT = 8;
  static final int DIRENT_HEADER = 24;

  /** The kernel's limit on a directory entry name (FUSE_NAME_MAX). */
  static final int NAME_MAX = 1024;

  // in-header offsets
  static final long H_LEN = 0;
  static final long H_OPCODE = 4;
  static final long H_UNIQUE = 8;
  static final long H_NODEID = 16;
  static final long H_UID = 24;
  static final long H_GID = 28;
  static final long H_PID = 32;
}
