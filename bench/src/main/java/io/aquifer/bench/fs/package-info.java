/**
 * {@code aquifer bench fs}: sequential and random I/O and metadata rates of any directory's file
 * system, for a mounted file system or a local disk. The entry point is {@link
 * io.aquifer.bench.fs.FsBench#run}.
 */
package io.aquifer.bench.fs;
