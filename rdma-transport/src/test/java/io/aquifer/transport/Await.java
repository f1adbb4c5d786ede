package io.aquifer.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a future another thread completes. The wait ends as soon as it completes; the bound
 * only keeps a broken test from hanging.
 */
final class Await {
  static final long BOUND_SECONDS = 30;

  private Await() {}

  static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("future still pending after " + BOUND_SECONDS + " s");
    }
  }

  /** The exception a future completed with. */
  static Throwable failure(CompletableFuture<?> future) {
    try {
      future.get(BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("future still pending after " + BOUND_SECONDS + " s");
    }
    throw new AssertionError("future succeeded but was expected to fail");
  }
}
