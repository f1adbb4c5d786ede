package io.aquifer.pfs.fuse;

import java.util.Objects;

/** What create answers: the new entry and its open handle. */
public record FuseCreated(FuseEntry entry, FuseOpen open) {
  public FuseCreated {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(open, "open");
  }
}
