package io.aquifer.pfs;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The file-service messages carried in transport headers and payloads (see docs/pfs-protocol.md,
 * "File service"). A request header is: version u8, op u8, bucket, then the op's fields. Strings
 * are u16 length plus UTF-8; integers are big-endian.
 */
final class FileWire {
  /** The file-service message version. */
  static final int VERSION = 1;

  /** An error reply's code is this plus the errno number. */
  static final int ERRNO_BASE = 100;

  static final int GETATTR = 1;
  static final int READDIR = 2;
  static final int MKDIR = 3;
  static final int RMDIR = 4;
  static final int CREATE = 5;
  static final int UNLINK = 6;
  static final int RENAME = 7;
  static final int READ = 8;
  static final int WRITE = 9;
  static final int SETATTR = 10;
  static final int SYMLINK = 11;
  static final int READLINK = 12;
  static final int BUCKETS = 13;
  static final int STATFS = 14;

  /** First byte of a write stream chunk: file bytes follow. */
  static final int CHUNK_DATA = 0;

  /** First byte of a write stream's last chunk: u64 total bytes follow; commit. */
  static final int CHUNK_COMMIT = 1;

  /** First byte of a write stream's last chunk: discard what was written. */
  static final int CHUNK_ABORT = 2;

  /**
   * First byte of a staged write stream's last chunk: u64 total bytes follow; commit the staged
   * object instead of the file and answer its attributes and its key (a string after them).
   */
  static final int CHUNK_PARK = 3;

  /** WRITE's optional trailing flags byte: write to a staged object (FileService.STAGED_PREFIX). */
  static final int WRITE_STAGED = 1;

  static final int RENAME_NOREPLACE = 1;

  static final int SET_MODE = 1;
  static final int SET_UID = 2;
  static final int SET_GID = 4;
  static final int SET_MTIME = 8;

  private FileWire() {}

  static String opName(int op) {
    return switch (op) {
      case GETATTR -> "getattr";
      case READDIR -> "readdir";
      case MKDIR -> "mkdir";
      case RMDIR -> "rmdir";
      case CREATE -> "create";
      case UNLINK -> "unlink";
      case RENAME -> "rename";
      case READ -> "read";
      case WRITE -> "write";
      case SETATTR -> "setattr";
      case SYMLINK -> "symlink";
      case READLINK -> "readlink";
      case BUCKETS -> "buckets";
      case STATFS -> "statfs";
      default -> "op " + op;
    };
  }

  static void writeString(ByteBuf b, String s) {
    int at = b.writerIndex();
    b.writeShort(0);
    int n = b.writeCharSequence(s, StandardCharsets.UTF_8);
    if (n > 0xFFFF) {
      throw new FsException(Errno.EINVAL, "string of " + n + " bytes is too long for the wire");
    }
    b.setShort(at, n);
  }

  /**
   * @throws IndexOutOfBoundsException on a truncated message
   */
  static String readString(ByteBuf b) {
    int n = b.readUnsignedShort();
    return b.readCharSequence(n, StandardCharsets.UTF_8).toString();
  }

  static void writeAttr(ByteBuf b, FileAttr a) {
    b.writeByte(
        switch (a.type()) {
          case FILE -> 1;
          case DIRECTORY -> 2;
          case SYMLINK -> 3;
        });
    b.writeInt(a.mode());
    b.writeInt(a.uid());
    b.writeInt(a.gid());
    b.writeLong(a.size());
    b.writeLong(a.mtimeNanos());
    writeString(b, a.etag());
  }

  static FileAttr readAttr(ByteBuf b) {
    int t = b.readUnsignedByte();
    FileType type =
        switch (t) {
          case 1 -> FileType.FILE;
          case 2 -> FileType.DIRECTORY;
          case 3 -> FileType.SYMLINK;
          default -> throw new IllegalArgumentException("bad file type " + t);
        };
    return new FileAttr(
        type, b.readInt(), b.readInt(), b.readInt(), b.readLong(), b.readLong(), readString(b));
  }

  static void writeSetAttr(ByteBuf b, SetAttr s) {
    int mask =
        (s.mode() != null ? SET_MODE : 0)
            | (s.uid() != null ? SET_UID : 0)
            | (s.gid() != null ? SET_GID : 0)
            | (s.mtimeNanos() != null ? SET_MTIME : 0);
    b.writeByte(mask);
    b.writeInt(s.mode() != null ? s.mode() : 0);
    b.writeInt(s.uid() != null ? s.uid() : 0);
    b.writeInt(s.gid() != null ? s.gid() : 0);
    b.writeLong(s.mtimeNanos() != null ? s.mtimeNanos() : 0);
  }

  static SetAttr readSetAttr(ByteBuf b) {
    int mask = b.readUnsignedByte();
    int mode = b.readInt();
    int uid = b.readInt();
    int gid = b.readInt();
    long mtime = b.readLong();
    return new SetAttr(
        (mask & SET_MODE) != 0 ? mode : null,
        (mask & SET_UID) != 0 ? uid : null,
        (mask & SET_GID) != 0 ? gid : null,
        (mask & SET_MTIME) != 0 ? mtime : null);
  }
}
