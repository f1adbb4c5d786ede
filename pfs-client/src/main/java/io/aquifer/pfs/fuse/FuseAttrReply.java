package io.aquifer.pfs.fuse;

import java.util.Objects;

/** Attributes and how long the kernel may cache them. */
public record FuseAttrReply(FuseAttr attr, long attrTimeoutNanos) {
  public FuseAttrReply {
    Objects.requireNonNull(attr, "attr");
    if (attrTimeoutNanos < 0) {
      throw new IllegalArgumentException("attrTimeoutNanos must be >= 0");
    }
  }
}
