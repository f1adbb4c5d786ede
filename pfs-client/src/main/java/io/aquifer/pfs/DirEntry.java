package io.aquifer.pfs;

import java.util.Objects;

/**
 * One name in a directory, with its attributes (as readdirplus).
 *
 * @param name one path component: not empty, not {@code .} or {@code ..}, no {@code /}
 * @param attr its attributes
 */
public record DirEntry(String name, FileAttr attr) {
  public DirEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(attr, "attr");
  }
}
