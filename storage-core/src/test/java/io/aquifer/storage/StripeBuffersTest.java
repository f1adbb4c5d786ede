package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Stripe memory is bounded: past the budget, takers wait for a release instead of allocating. */
class StripeBuffersTest {

  @Test
  void takersWaitWhenTheBudgetIsUsedUp() throws Exception {
    int size = StripeBuffers.size(4, 4096);
    StripeBuffers pool = new StripeBuffers(2L * size, size);
    ByteBuffer a = pool.acquire(size);
    ByteBuffer b = pool.acquire(size);
    assertNull(pool.tryAcquire(size), "no budget left");
    CompletableFuture<ByteBuffer> waiting = CompletableFuture.supplyAsync(() -> pool.acquire(size));
    while (!pool.hasWaiters()) {
      Thread.onSpinWait(); // until the taker is parked on the budget
    }
    assertFalse(waiting.isDone());
    pool.release(a);
    ByteBuffer c = waiting.get();
    assertSame(a, c, "released buffers are reused, not reallocated");
    pool.release(b);
    pool.release(c);
    assertEquals(size, pool.acquire(size).capacity());
  }

  @Test
  void regionsAreBlockPlusChecksumEachInAlignedSlotsWithHeadroom() {
    int slot = StripeBuffers.slot(4096);
    assertEquals(3 * 4096, slot, "block + crc + 4095 bytes of headroom, rounded up to 4 KiB");
    assertEquals((1 << 20) + 8192, StripeBuffers.slot(1 << 20), "carry + block + crc fit");
    StripeBuffers pool = new StripeBuffers(1L << 20, StripeBuffers.size(3, 4096));
    ByteBuffer stripe = pool.acquire(StripeBuffers.size(3, 4096));
    assertEquals(3 * slot, stripe.capacity());
    assertEquals(0, stripe.alignmentOffset(0, ShardOutput.ALIGN), "buffers are 4 KiB aligned");
    ByteBuffer[] r = StripeBuffers.regions(stripe, 3, 4096);
    assertEquals(3, r.length);
    for (ByteBuffer x : r) {
      assertEquals(4096 + 4, x.capacity());
      assertEquals(0, x.alignmentOffset(0, ShardOutput.ALIGN));
    }
    r[1].put(0, (byte) 7);
    assertTrue(stripe.get(slot) == 7);
    // a region placed past a carry of 4095 bytes still fits its slot
    ByteBuffer[] shifted = StripeBuffers.regions(stripe, 3, 4096, new int[] {4095, 1, 0});
    shifted[0].put(4096 + 3, (byte) 9);
    assertTrue(stripe.get(4095 + 4096 + 3) == 9);
    assertTrue(4095 + 4096 + 4 <= slot);
    pool.release(stripe);
  }

  @Test
  void aBudgetOfExactlyTheBlocksStillHoldsOneAlignedStripe() {
    int size = StripeBuffers.size(4, 4096);
    StripeBuffers pool = new StripeBuffers(4L * 4096, size);
    ByteBuffer a = pool.acquire(size);
    assertNull(pool.tryAcquire(size));
    pool.release(a);
    assertSame(a, pool.tryAcquire(size));
  }
}
