package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves buffers allocated: after each test (and its {@code @AfterEach}, which
 * closes the transports) the test's {@link CountingAllocator} must reach zero outstanding buffers.
 * Also fails the class if Netty's leak detector (paranoid in every test run) reported a leak.
 */
final class BufferLeakExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  /** A test whose buffers come from one counting allocator. */
  interface Counted {
    CountingAllocator allocator();
  }

  private static final Logger NETTY_LEAKS = Logger.getLogger("io.netty.util.ResourceLeakDetector");
  private static final List<String> REPORTS = new ArrayList<>();
  private static final Handler CAPTURE =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          String message = record.getMessage();
          if (message != null && message.contains("LEAK")) {
            synchronized (REPORTS) {
              REPORTS.add(message);
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @Override
  public void beforeAll(ExtensionContext context) {
    NETTY_LEAKS.removeHandler(CAPTURE);
    NETTY_LEAKS.addHandler(CAPTURE);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!(context.getRequiredTestInstance() instanceof Counted counted)) {
      return;
    }
    CountingAllocator allocator = counted.allocator();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long live;
    while ((live = allocator.outstanding().getAsLong()) != 0) {
      if (System.nanoTime() - deadline > 0) {
        fail(
            context.getDisplayName()
                + " left "
                + live
                + " "
                + allocator.name()
                + " buffer(s) (or bytes) allocated");
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    synchronized (REPORTS) {
      if (!REPORTS.isEmpty()) {
        String first = REPORTS.getFirst();
        REPORTS.clear();
        fail("Netty's leak detector reported a leak: " + first);
      }
    }
  }
}
