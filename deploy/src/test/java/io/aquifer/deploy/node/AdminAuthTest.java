package io.aquifer.deploy.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AdminAuthTest {
  private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
  private static final byte[] BODY = "{\"name\":\"alice\"}".getBytes(StandardCharsets.UTF_8);

  private static String auth(String secret, String date) {
    return AdminAuth.authorization("ROOTKEY", secret, "POST", "/admin/v1/users", date, BODY);
  }

  @Test
  void aSignedRequestVerifies() {
    String date = AdminAuth.date(NOW);
    assertEquals("ROOTKEY", AdminAuth.accessKeyOf(auth("s3cretkey", date)));
    assertNull(
        AdminAuth.check(
            auth("s3cretkey", date), date, "s3cretkey", "POST", "/admin/v1/users", BODY, NOW));
  }

  @Test
  void anyChangeBreaksTheSignature() {
    String date = AdminAuth.date(NOW);
    String a = auth("s3cretkey", date);
    assertEquals(
        AdminAuth.Refusal.BAD_SIGNATURE,
        AdminAuth.check(a, date, "othersecret", "POST", "/admin/v1/users", BODY, NOW));
    assertEquals(
        AdminAuth.Refusal.BAD_SIGNATURE,
        AdminAuth.check(a, date, "s3cretkey", "DELETE", "/admin/v1/users", BODY, NOW));
    assertEquals(
        AdminAuth.Refusal.BAD_SIGNATURE,
        AdminAuth.check(a, date, "s3cretkey", "POST", "/admin/v1/users/x", BODY, NOW));
    assertEquals(
        AdminAuth.Refusal.BAD_SIGNATURE,
        AdminAuth.check(a, date, "s3cretkey", "POST", "/admin/v1/users", new byte[0], NOW));
    String later = AdminAuth.date(NOW.plusSeconds(1));
    assertEquals(
        AdminAuth.Refusal.BAD_SIGNATURE,
        AdminAuth.check(a, later, "s3cretkey", "POST", "/admin/v1/users", BODY, NOW));
  }

  @Test
  void skewBeyondFifteenMinutesIsRefused() {
    String old = AdminAuth.date(NOW.minus(Duration.ofMinutes(16)));
    assertEquals(
        AdminAuth.Refusal.SKEWED,
        AdminAuth.check(
            auth("k3yk3yk3y", old), old, "k3yk3yk3y", "POST", "/admin/v1/users", BODY, NOW));
    String near = AdminAuth.date(NOW.minus(Duration.ofMinutes(14)));
    assertNull(
        AdminAuth.check(
            auth("k3yk3yk3y", near), near, "k3yk3yk3y", "POST", "/admin/v1/users", BODY, NOW));
  }

  @Test
  void malformedHeadersAreRefused() {
    String date = AdminAuth.date(NOW);
    assertEquals(
        AdminAuth.Refusal.MISSING,
        AdminAuth.check(null, date, "k", "GET", "/admin/v1/info", new byte[0], NOW));
    assertEquals(
        AdminAuth.Refusal.MALFORMED,
        AdminAuth.check("Basic abc", date, "k", "GET", "/admin/v1/info", new byte[0], NOW));
    assertEquals(
        AdminAuth.Refusal.MALFORMED,
        AdminAuth.check(auth("k", date), "yesterday", "k", "POST", "/admin/v1/users", BODY, NOW));
  }
}
