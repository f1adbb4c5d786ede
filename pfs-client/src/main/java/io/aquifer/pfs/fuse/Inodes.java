package io.aquifer.pfs.fuse;

import io.aquifer.pfs.FileAttr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inode table: numbers to nodes, and each directory node's known children by name. Numbers
 * count up from 2 and are never reused (a 64-bit counter does not wrap), so a number the kernel
 * still holds always means the node it was given for; every node gets generation 1. A node is
 * dropped when the kernel forgot it, no handle has it open and no known child hangs under it.
 */
final class Inodes {
  /** The generation of every node: numbers are never reused, so one generation suffices. */
  static final long GENERATION = 1;

  private final Map<Long, Node> byIno = new HashMap<>();
  private long next = FuseOps.ROOT + 1;
  final Node root;

  Inodes(FileAttr rootAttr) {
    root = new Node(FuseOps.ROOT, GENERATION, null, "", rootAttr);
    root.lookups = 1;
    byIno.put(root.ino, root);
  }

  synchronized Node get(long ino) {
    return byIno.get(ino);
  }

  synchronized Node child(Node dir, String name) {
    return dir.children.get(name);
  }

  /**
   * The node for {@code name} in {@code dir} with {@code attr} from the server, counting one lookup
   * when {@code lookup}: the known node when its type matches, else a new one (a node of another
   * type, replaced behind this mount's back, is detached and lives on until forgotten).
   */
  synchronized Node attach(Node dir, String name, FileAttr attr, boolean lookup) {
    Node n = dir.children.get(name);
    if (n == null || n.type != attr.type()) {
      if (n != null) {
        detach(n);
      }
      n = new Node(next++, GENERATION, dir, name, attr);
      byIno.put(n.ino, n);
      dir.children.put(name, n);
    }
    if (lookup) {
      n.lookups++;
    }
    return n;
  }

  /** Removes {@code n} from its parent's names (it was removed or replaced). */
  synchronized void detach(Node n) {
    if (n.parent != null && n.parent.children.get(n.name) == n) {
      n.parent.children.remove(n.name);
    }
    n.detached = true;
    maybeDrop(n);
  }

  /** Moves {@code n} to {@code name} in {@code dir}; a node already there is detached. */
  synchronized void move(Node n, Node dir, String name) {
    Node old = dir.children.get(name);
    if (old != null && old != n) {
      detach(old);
    }
    if (n.parent != null && n.parent.children.get(n.name) == n) {
      n.parent.children.remove(n.name);
    }
    Node oldParent = n.parent;
    n.parent = dir;
    n.name = name;
    if (!n.detached) {
      dir.children.put(name, n);
    }
    if (oldParent != null) {
      maybeDrop(oldParent);
    }
  }

  /** Puts a hidden node back at {@code name} in {@code dir}. */
  synchronized void unhide(Node n, Node dir, String name) {
    n.detached = false;
    move(n, dir, name);
  }

  /** Renames {@code n} in place to a hidden name, leaving the directory's names. */
  synchronized void hide(Node n, String hiddenName) {
    if (n.parent != null && n.parent.children.get(n.name) == n) {
      n.parent.children.remove(n.name);
    }
    n.name = hiddenName;
    n.detached = true;
  }

  synchronized void forget(Node n, long count) {
    n.lookups = Math.max(0, n.lookups - count);
    maybeDrop(n);
  }

  /** Call when a node's open count fell to zero. */
  synchronized void closed(Node n) {
    maybeDrop(n);
  }

  /** The components from the root to {@code n}, as of now. */
  synchronized List<String> components(Node n) {
    List<String> out = new ArrayList<>();
    for (Node x = n; x != null && x != root; x = x.parent) {
      out.add(x.name);
    }
    return out.reversed();
  }

  /** Whether {@code n} is {@code dir} or below it. */
  synchronized boolean isUnder(Node n, Node dir) {
    for (Node x = n; x != null; x = x.parent) {
      if (x == dir) {
        return true;
      }
    }
    return false;
  }

  synchronized int size() {
    return byIno.size();
  }

  private void maybeDrop(Node n) {
    Node x = n;
    while (x != null && x != root && x.lookups == 0 && openCount(x) == 0 && x.children.isEmpty()) {
      if (byIno.remove(x.ino) == null) {
        return;
      }
      Node p = x.parent;
      if (p != null && p.children.get(x.name) == x) {
        p.children.remove(x.name);
      }
      x = p;
    }
  }

  private static int openCount(Node n) {
    // read without the node's lock: a stale non-zero keeps the node, and the release that brings
    // it to zero calls closed() afterwards
    return n.openCount;
  }
}
