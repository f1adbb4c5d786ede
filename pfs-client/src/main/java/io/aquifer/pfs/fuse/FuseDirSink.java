package io.aquifer.pfs.fuse;

/** Where readdir puts entries; one reply buffer's worth. */
public interface FuseDirSink {
  /**
   * Adds an entry with its inode, type bits ({@link FuseAttr#S_IFDIR} and so on) and the offset to
   * continue after it. Returns false, adding nothing, when the reply is full.
   */
  boolean add(String name, long ino, int typeBits, long nextOffset);
}
