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
 */
package io.aquifer.pfs.fuse;
