package io.aquifer.pfs;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in every test run) reported a leak:
 * collects garbage and allocates once more at the end so that leaks of the class are reported.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {
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
  public void afterAll(ExtensionContext context) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
      b.release();
    }
    synchronized (REPORTS) {
      if (!REPORTS.isEmpty()) {
        String first = REPORTS.getFirst();
        REPORTS.clear();
        fail("Netty's leak detector reported a leak: " + first);
      }
    }
  }
}
