package io.aquifer.pfs;

/**
 * Which attributes a setattr changes; a null field stays as it is.
 *
 * @param mode new permission bits ({@code 0} to {@code 07777})
 * @param uid new owner
 * @param gid new group
 * @param mtimeNanos new modification time, nanoseconds since the epoch
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long mtimeNanos) {
  public SetAttr {
    if (mode != null && (mode < 0 || mode > 07777)) {
      throw new FsException(Errno.EINVAL, "mode must be 0 to 07777, got " + mode);
    }
  }

  /** Changes only the mode. */
  public static SetAttr mode(int mode) {
    return new SetAttr(mode, null, null, null);
  }

  /** Whether nothing changes. */
  public boolean isEmpty() {
    return mode == null && uid == null && gid == null && mtimeNanos == null;
  }
}
