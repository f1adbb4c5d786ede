package io.aquifer.pfs.fuse;

/**
 * What the session agreed with the kernel at INIT: protocol version, the largest write and read
 * requests, and whether the writeback cache is on.
 */
public record FuseInit(
    int major, int minor, int maxWrite, int maxRead, int maxPages, boolean writebackCache) {}
