package io.aquifer.pfs.fuse;

/** The calling process of a request, as the kernel reports it, and the umask applied to mode. */
public record FuseContext(int uid, int gid, int pid, int umask) {}
