package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.auth.SdkSigning;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients over a raw socket against a gateway with short timeouts: headers that never finish,
 * and bodies that stall. Each test waits for the gateway's answer or its close, never on time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawHttpTimeoutTest {
  static final Duration IDLE = Duration.ofMillis(1500);
  static final Duration HEADER = Duration.ofMillis(700);

  @TempDir static Path dir;
  GatewayFixture fx;
  int port;

  @BeforeAll
  void start() {
    fx =
        new GatewayFixture(
            dir, GatewayConfig.DEFAULT.withListen("127.0.0.1", 0).withTimeouts(IDLE, HEADER));
    port = fx.gateway.address().getPort();
    fx.store.createBucket("slow");
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  long errors(String code) {
    return fx.gateway.errorCounts().getOrDefault(code, 0L);
  }

  long malformed(String code) {
    return fx.gateway.malformedCounts().getOrDefault(code, 0L);
  }

  SdkSigning.Wire sign(String method, String path, byte[] payload) {
    return RawHttp.sign(
        port, method, path, "", payload, false, GatewayFixture.SECRET, Clock.systemUTC());
  }

  int headStatus(String key) {
    try (RawHttp c = new RawHttp(port)) {
      return c.write(RawHttp.bytes(sign("HEAD", "/slow/" + key, null), -1, null))
          .read(true)
          .status();
    }
  }

  @Test
  void headersNeverFinishedAnswerRequestTimeoutAndClose() {
    long e0 = errors("RequestTimeout");
    long m0 = malformed("RequestTimeout");
    try (RawHttp c = new RawHttp(port)) {
      c.write("PUT /slow/never HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-da");
      RawHttp.Response r = c.read();
      assertEquals(400, r.status(), r.toString());
      assertEquals("RequestTimeout", r.code(), r.toString());
      assertTrue(r.closes(), r.toString());
      assertTrue(c.closedByPeer());
    }
    assertEquals(e0 + 1, errors("RequestTimeout"));
    assertEquals(m0 + 1, malformed("RequestTimeout"));
    assertEquals(404, headStatus("never"), "the node serves the next connection");
  }

  @Test
  void theHeaderTimeoutStillHoldsAfterRequestsOnTheSameConnection() {
    // the deadline is armed and disarmed per request without rescheduling its check: after
    // several requests, a header section that never ends still gets its RequestTimeout
    long m0 = malformed("RequestTimeout");
    try (RawHttp c = new RawHttp(port)) {
      for (int i = 0; i < 5; i++) {
        c.write(RawHttp.bytes(sign("HEAD", "/slow/kept-" + i, null), -1, null));
        assertEquals(404, c.read(true).status());
      }
      c.write("GET /slow/never HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-da");
      RawHttp.Response r = c.read();
      assertEquals("RequestTimeout", r.code(), r.toString());
      assertTrue(r.closes(), r.toString());
      assertTrue(c.closedByPeer());
    }
    assertEquals(m0 + 1, malformed("RequestTimeout"));
  }

  @Test
  void headersTrickledSlowerThanTheHeaderTimeoutAreCutOff() throws Exception {
    // traffic keeps the connection from being idle, but the header section has its own deadline
    // from its first byte; this client paces its own writes and stops once the gateway answers
    byte[] request =
        RawHttp.bytes(sign("GET", "/slow/trickle", null), -1, null, "x-pad", "p".repeat(400));
    long m0 = malformed("RequestTimeout");
    try (RawHttp c = new RawHttp(port)) {
      int sent = 0;
      while (sent < request.length && c.in.available() == 0) {
        c.write(Arrays.copyOfRange(request, sent, sent + 1));
        sent++;
        Thread.sleep(10); // the client's own pacing, not synchronisation
      }
      assertTrue(sent < request.length, "the gateway answered before the headers were complete");
      RawHttp.Response r = c.read();
      assertEquals("RequestTimeout", r.code(), r.toString());
      assertTrue(c.closedByPeer());
    } catch (java.io.UncheckedIOException e) {
      // the gateway closed while we were writing: also a cut-off, checked by the counter below
    }
    Await.equal("malformed RequestTimeout", m0 + 1, () -> malformed("RequestTimeout"));
  }

  @Test
  void aBodyThatStallsAnswersRequestTimeoutAndStoresNothing() {
    byte[] data = new byte[1000];
    new Random(1).nextBytes(data);
    long e0 = errors("RequestTimeout");
    long m0 = malformed("RequestTimeout");
    try (RawHttp c = new RawHttp(port)) {
      byte[] all = RawHttp.bytes(sign("PUT", "/slow/stalled", data), -1, data);
      c.write(Arrays.copyOf(all, all.length - 500)); // half the body, then nothing
      RawHttp.Response r = c.read();
      assertEquals(400, r.status(), r.toString());
      assertEquals("RequestTimeout", r.code(), r.toString());
      assertTrue(r.closes(), r.toString());
      assertTrue(c.closedByPeer());
    }
    Await.equal("RequestTimeout counted", e0 + 1, () -> errors("RequestTimeout"));
    assertEquals(m0, malformed("RequestTimeout"), "an authenticated request is not malformed");
    assertEquals(404, headStatus("stalled"));
  }

  @Test
  void anIdleConnectionIsClosedWithoutAnAnswer() {
    long e0 = errors("RequestTimeout");
    try (RawHttp c = new RawHttp(port)) {
      byte[] head = RawHttp.bytes(sign("HEAD", "/slow/idle", null), -1, null);
      assertEquals(404, c.write(head).read(true).status());
      // nothing more: the keep-alive connection is closed after the idle timeout, silently
      assertTrue(c.closedByPeer());
    }
    assertEquals(e0, errors("RequestTimeout"));
  }

  @Test
  void aSlowButSteadyBodyIsStored() throws Exception {
    // each pause is shorter than the idle timeout, so the request succeeds
    byte[] data = "slow and steady".getBytes(StandardCharsets.UTF_8);
    try (RawHttp c = new RawHttp(port)) {
      byte[] all = RawHttp.bytes(sign("PUT", "/slow/steady", data), -1, data);
      int head = all.length - data.length;
      c.write(Arrays.copyOf(all, head));
      for (int i = head; i < all.length; i += 5) {
        Thread.sleep(100); // the client's own pacing
        c.write(Arrays.copyOfRange(all, i, Math.min(all.length, i + 5)));
      }
      assertEquals(200, c.read().status());
    }
    assertEquals(200, headStatus("steady"));
    assertNull(fx.gateway.errorCounts().get("IncompleteBody"));
  }
}
