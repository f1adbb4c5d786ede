package io.aquifer.pfs.fuse;

import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * What the files being written of one mount share for write-behind ({@link DirtyFile}): the
 * executor their pumps run on, the bytes accepted but not yet written that all of them together may
 * hold ({@link AquiferFsOptions#writeBehindBytes}), and the allocator of those copies.
 *
 * @param pumps runs one pump per file with queued appends (virtual threads)
 * @param memory permits, one per byte held; null when write-behind is off
 * @param alloc direct buffers for the copies
 */
record WriteBehind(ExecutorService pumps, Semaphore memory, ByteBufAllocator alloc) {

  boolean on() {
    return memory != null;
  }
}
