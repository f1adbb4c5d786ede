/**
 * Parallel-file front end. Built: {@link io.aquifer.pfs.FileService}, the file view of a bucket's
 * keys (lookup, readdir, mkdir, rmdir, create, unlink, rename, read, write, setattr, symlinks),
 * {@link io.aquifer.pfs.FileServiceHandler}, which serves it on an {@code rdma-transport} listener,
 * and {@link io.aquifer.pfs.FileClient}, which calls it over a connection with striped parallel
 * reads and streamed writes. Errors are {@link io.aquifer.pfs.Errno} values. The FUSE mount is in
 * {@link io.aquifer.pfs.fuse}. Must not import object-gateway or deploy.
 */
package io.aquifer.pfs;
