package io.aquifer.pfs.fuse;

import io.aquifer.pfs.FileAttr;
import io.aquifer.pfs.FileType;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One inode the kernel knows: its place (parent node and name, changed by rename, so a directory's
 * subtree moves with it), its lookup count, its cached attributes, and the state of its open files.
 * Place, counts and children are guarded by the {@link Inodes} table's lock; attributes, the dirty
 * copy and the open count by {@link #lock}.
 */
final class Node {
  final long ino;
  final long generation;
  final FileType type;
  final ReentrantLock lock = new ReentrantLock();

  // ---- guarded by the table
  Node parent;
  String name;
  long lookups;
  boolean detached;
  final Map<String, Node> children = new HashMap<>();

  // ---- guarded by lock
  FileAttr attr;
  long attrExpires;
  FileAttr seenAtOpen;
  volatile int openCount;
  int writers;
  DirtyFile dirty;
  String symlinkTarget;
  boolean unlinked;
  Map<String, FileAttr> listed = Map.of();
  long listedExpires;

  Node(long ino, long generation, Node parent, String name, FileAttr attr) {
    this.ino = ino;
    this.generation = generation;
    this.parent = parent;
    this.name = name;
    this.type = attr.type();
    this.attr = attr;
  }

  boolean isDir() {
    return type == FileType.DIRECTORY;
  }

  @Override
  public String toString() {
    return "inode " + ino + " (" + name + ")";
  }
}
