package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad transport settings fail once, at construction, naming the setting. */
class TransportConfigTest {

  @Test
  void defaultsWorkOnALaptop() {
    TransportConfig config = TransportConfig.defaults();
    assertEquals(TransportConfig.Kind.AUTO, config.kind());
    assertEquals("127.0.0.1", config.bindAddress().getHostString());
    assertEquals(0, config.bindAddress().getPort());
    assertEquals(1 << 20, config.maxFrameBytes());
    assertEquals(Duration.ofSeconds(30), config.requestTimeout());
  }

  @Test
  void nullObjectsTakeTheirDefaults() {
    TransportConfig config =
        new TransportConfig(
            null, false, null, null, 1 << 20, 8 << 20, 256L << 20, null, null, true);
    assertEquals(TransportConfig.defaults(), config);
  }

  private static String rejected(Runnable build) {
    return assertThrows(IllegalArgumentException.class, build::run).getMessage();
  }

  @Test
  void badSizesAreRejected() {
    TransportConfig base = TransportConfig.defaults();
    assertEquals(
        "transport maxFrameBytes must be in [4096, 67108864], got 100",
        rejected(() -> base.withSizes(100, 8 << 20, 256L << 20)));
    assertEquals(
        "transport windowBytes (65536) must be at least maxFrameBytes (1048576) so that any frame"
            + " can be sent",
        rejected(() -> base.withSizes(1 << 20, 64 << 10, 256L << 20)));
    assertEquals(
        "transport bufferPoolBytes (1024) must hold at least one window (8388608)",
        rejected(() -> base.withSizes(1 << 20, 8 << 20, 1024)));
  }

  @Test
  void badTimeoutsAndFallbackAreRejected() {
    TransportConfig base = TransportConfig.defaults();
    assertEquals(
        "transport requestTimeout must be positive, got PT0S",
        rejected(() -> base.withRequestTimeout(Duration.ZERO)));
    assertEquals(
        "transport fallbackToTcp only applies to kind RDMA",
        rejected(() -> base.withKind(TransportConfig.Kind.TCP, true)));
  }
}
