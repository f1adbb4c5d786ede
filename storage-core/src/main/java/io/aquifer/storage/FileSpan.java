package io.aquifer.storage;

import java.nio.channels.FileChannel;

/**
 * Bytes of an object that lie, verified, in a shard file: {@code length} bytes at {@code position}
 * of {@code channel}, to be sent as they are (for example with {@code sendfile}) instead of being
 * copied through a buffer. The channel is opened for this span alone and belongs to the caller, who
 * closes it once the bytes are sent; shard files never change, and an open channel keeps the bytes
 * readable even if the data is reclaimed meanwhile.
 *
 * @param channel the shard file, open for reading
 * @param position where the bytes start in the file
 * @param length number of bytes
 */
public record FileSpan(FileChannel channel, long position, int length) {}
