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
  void regionsAreBlockPlusChecksumEach() {
    ByteBuffer stripe = ByteBuffer.allocateDirect(StripeBuffers.size(3, 4096));
    ByteBuffer[] r = StripeBuffers.regions(stripe, 3, 4096);
    assertEquals(3, r.length);
    for (ByteBuffer x : r) {
      assertEquals(4096 + 4, x.capacity());
    }
    r[1].put(0, (byte) 7);
    assertTrue(stripe.get(4100) == 7);
  }
}
