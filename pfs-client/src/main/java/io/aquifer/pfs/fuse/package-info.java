/**
 * The FUSE mount: the kernel's FUSE protocol spoken on {@code /dev/fuse} ({@link
 * io.aquifer.pfs.fuse.FuseOps} is what a file system implements) and the Aquifer file system over
 * {@link io.aquifer.pfs.FileClient}.
 *
 * <p>{@link io.aquifer.pfs.fuse.FuseMount} mounts (mount(2) as root, else fusermount3) and runs the
 * session: INIT on the mounting thread, then platform worker threads, each with a cloned {@code
 * /dev/fuse} descriptor and request and reply memory allocated once, reading a request, calling
 * {@code FuseOps} and writing one reply. The libc calls are FFM downcalls in {@code Libc}; no
 * libfuse is linked.
 *
 * <p>{@link io.aquifer.pfs.fuse.AquiferFs} is the file system served: the file view of one bucket
 * (or of every bucket) over a {@code FileClient}, with an inode table, attributes cached for {@link
 * io.aquifer.pfs.fuse.AquiferFsOptions#attrTtl}, close-to-open consistency, read-ahead, writes
 * streamed while sequential and kept in a spill file, committed at close and fsync, and reconnects
 * after a node restart. Its semantics are described in {@code docs/mount.md}.
 */
package io.aquifer.pfs.fuse;
