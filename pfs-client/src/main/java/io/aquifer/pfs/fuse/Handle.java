package io.aquifer.pfs.fuse;

/** An open file: its node, its open(2) flags and its read-ahead. */
final class Handle {
  final long fh;
  final Node node;
  final int flags;
  final boolean writable;
  final ReadAhead readAhead;

  /** The ETag reads must find (the version opened, or this mount's last commit of it). */
  volatile String etag;

  Handle(long fh, Node node, int flags, ReadAhead readAhead, String etag) {
    this.etag = etag;
    this.fh = fh;
    this.node = node;
    this.flags = flags;
    this.writable = (flags & AquiferFs.O_ACCMODE) != AquiferFs.O_RDONLY;
    this.readAhead = readAhead;
  }
}
