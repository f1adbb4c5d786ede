/**
 * The FUSE mount: the kernel's FUSE protocol spoken on {@code /dev/fuse} ({@link
 * io.aquifer.pfs.fuse.FuseOps} is what a file system implements) and the Aquifer file system over
 * {@link io.aquifer.pfs.FileClient}.
 */
package io.aquifer.pfs.fuse;
