package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that another thread makes true (a counter the gateway moves after it has
 * written a response, a store the gateway updates after a connection dies). The wait ends as soon
 * as the condition holds; the bound only keeps a broken test from hanging.
 */
final class Await {
  private static final long BOUND_NANOS = 20_000_000_000L;

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + BOUND_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("still waiting for: " + what);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** Waits until {@code actual} equals {@code expected}, failing with the last value seen. */
  static <T> void equal(String what, T expected, Supplier<T> actual) {
    long deadline = System.nanoTime() + BOUND_NANOS;
    T last;
    while (!expected.equals(last = actual.get())) {
      if (System.nanoTime() - deadline > 0) {
        fail(what + ": expected " + expected + " but was " + last);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
