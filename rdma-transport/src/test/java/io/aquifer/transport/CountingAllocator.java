package io.aquifer.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.function.LongSupplier;

/**
 * An allocator for one test and a count of its buffers still allocated: pooled (thread caches off,
 * so every release reaches the arena counters) or unpooled (instrumented buffers count their
 * bytes).
 */
record CountingAllocator(String name, ByteBufAllocator allocator, LongSupplier outstanding) {

  static CountingAllocator pooled() {
    PooledByteBufAllocator pooled = new PooledByteBufAllocator(true, 1, 1, 8192, 9, 0, 0, false);
    return new CountingAllocator(
        "pooled",
        pooled,
        () -> {
          long live = 0;
          for (PoolArenaMetric arena : pooled.metric().directArenas()) {
            live += arena.numActiveAllocations();
          }
          for (PoolArenaMetric arena : pooled.metric().heapArenas()) {
            live += arena.numActiveAllocations();
          }
          return live;
        });
  }

  static CountingAllocator unpooled() {
    UnpooledByteBufAllocator unpooled = new UnpooledByteBufAllocator(true, false, false);
    return new CountingAllocator(
        "unpooled",
        unpooled,
        () -> unpooled.metric().usedDirectMemory() + unpooled.metric().usedHeapMemory());
  }
}
