package io.aquifer.pfs.fuse;

/** An open file: its node, its open(2) flags and its read-ahead. */
final class Handle {
  final long fh;
  final Node node;
  final int flags;
  final boolean writable;
  final ReadAhead readAhead;

  Handle(long fh, Node node, int flags, ReadAhead readAhead) {
    this.fh = fh;
    this.node = node;
    this.flags = flags;
    this.writable = (flags & AquiferFs.O_ACCMODE) != AquiferFs.O_RDONLY;
    this.readAhead = readAhead;
  }
}
