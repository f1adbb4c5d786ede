package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-written parsers of the verifier's hot path give what the library parsers they replaced
 * gave: dates as the strict {@code DateTimeFormatter}s, Authorization components as {@code
 * split("[,\\s]+")}, signature comparison as comparing the bytes, digests and MACs as fresh ones.
 */
class SigV4ParsingProperties {
  private static final DateTimeFormatter AMZ =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
          .withResolverStyle(ResolverStyle.STRICT)
          .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SCOPE =
      DateTimeFormatter.ofPattern("uuuuMMdd").withResolverStyle(ResolverStyle.STRICT);

  private static Instant amzOracle(String s) {
    if (s == null || s.length() != 16) {
      return null;
    }
    try {
      return LocalDateTime.parse(s, AMZ).toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static boolean scopeOracle(String s) {
    if (s.length() != 8) {
      return false;
    }
    try {
      LocalDate.parse(s, SCOPE);
      return true;
    } catch (DateTimeException e) {
      return false;
    }
  }

  /** Mostly digits in the right places, with wrong ones and out-of-range fields mixed in. */
  @Provide
  Arbitrary<String> amzDates() {
    Arbitrary<String> digit = Arbitraries.of("0", "1", "2", "3", "5", "9");
    Arbitrary<String> odd = Arbitraries.of("T", "Z", "+", "-", " ", "a", "\u0661", "/", ":");
    Arbitrary<String> ch =
        Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, digit), net.jqwik.api.Tuple.of(1, odd));
    Arbitrary<String> date = ch.list().ofSize(8).map(l -> String.join("", l));
    Arbitrary<String> time = ch.list().ofSize(6).map(l -> String.join("", l));
    Arbitrary<String> sep =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.just("T")), net.jqwik.api.Tuple.of(1, odd));
    Arbitrary<String> end =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.just("Z")), net.jqwik.api.Tuple.of(1, odd));
    Arbitrary<String> valid =
        Arbitraries.longs()
            .between(-62167219200L, 253402300799L)
            .map(s -> AMZ.format(Instant.ofEpochSecond(s)));
    Arbitrary<String> mixed =
        net.jqwik.api.Combinators.combine(date, sep, time, end).as((a, b, c, d) -> a + b + c + d);
    return Arbitraries.oneOf(valid, mixed, Arbitraries.strings().ofMaxLength(18));
  }

  @Property(tries = 5000)
  void amzDatesParseAsTheStrictFormatter(@ForAll("amzDates") String s) {
    assertEquals(amzOracle(s), SigV4.parseAmzDate(s), s);
  }

  @Property(tries = 3000)
  void scopeDatesAsTheStrictFormatter(@ForAll("amzDates") String s) {
    String d = s.length() >= 8 ? s.substring(0, 8) : s;
    assertEquals(scopeOracle(d), SigV4.isScopeDate(d), d);
  }

  @Example
  void dateEdges() {
    for (String s :
        List.of(
            "20240229T000000Z",
            "20230229T000000Z",
            "20241231T235959Z",
            "20241231T240000Z",
            "20241231T235960Z",
            "00000101T000000Z",
            "99991231T235959Z",
            "20241301T000000Z",
            "20240100T000000Z",
            "+2024010T000000Z",
            "2024-1-1T000000Z")) {
      assertEquals(amzOracle(s), SigV4.parseAmzDate(s), s);
      assertEquals(scopeOracle(s.substring(0, 8)), SigV4.isScopeDate(s.substring(0, 8)), s);
    }
    assertEquals(null, SigV4.parseAmzDate(null));
  }

  private static List<String> splitOracle(String rest) {
    List<String> out = new ArrayList<>();
    for (String part : rest.split("[,\\s]+")) {
      if (!part.isEmpty()) {
        out.add(part);
      }
    }
    return out;
  }

  @Provide
  Arbitrary<String> authorizationRests() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.of(",", " ", "\t", "\n", "\u000B", "\f", "\r", ", ", " ,", "\u00a0", "="),
            Arbitraries.strings().alpha().numeric().withChars("=/;-").ofMaxLength(12),
            // chars next to the separators' codes: none of them separates
            Arbitraries.strings()
                .withChars("\u0000\u0008\u000E\u001C\u001F!\"#$%&'()*+-.\u0085\u2028")
                .ofMaxLength(4));
    return piece.list().ofMaxSize(12).map(l -> String.join("", l));
  }

  @Property(tries = 3000)
  void componentsSplitAsTheRegex(@ForAll("authorizationRests") String rest) {
    assertEquals(splitOracle(rest), SigV4Verifier.components(rest), rest);
  }

  /** The expected signature is lowercase hex; the provided one is anything a client sends. */
  @Property(tries = 2000)
  void signaturesCompareAsTheirBytes(
      @ForAll("hex") String expected, @ForAll("hexish") String provided) {
    boolean bytes =
        MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            provided.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(bytes, SigV4Verifier.equal(expected, provided));
    assertTrue(SigV4Verifier.equal(expected, expected));
  }

  @Provide
  Arbitrary<String> hex() {
    return Arbitraries.strings().withChars("0123abcdef").ofMinLength(0).ofMaxLength(4);
  }

  @Provide
  Arbitrary<String> hexish() {
    return Arbitraries.oneOf(
        hex(), Arbitraries.strings().withChars("0123abcdefA?\u00e9\u0100\u0161").ofMaxLength(4));
  }

  @Example
  void signatureComparisonEdges() {
    String sig = "a".repeat(64);
    assertTrue(SigV4Verifier.equal(sig, sig));
    assertFalse(SigV4Verifier.equal(sig, sig.substring(1)));
    assertFalse(SigV4Verifier.equal(sig, "A".repeat(64)));
    assertFalse(SigV4Verifier.equal(sig, "a".repeat(63) + "b"));
    assertFalse(SigV4Verifier.equal("", "a"));
  }

  @Property(tries = 200)
  void clonedDigestsAndMacsAreFreshOnes(@ForAll byte[] data, @ForAll byte[] key) {
    byte[] k = key.length == 0 ? new byte[] {1} : key;
    assertTrue(Arrays.equals(SigV4.newSha256().digest(data), SigV4.newSha256().digest(data)));
    javax.crypto.Mac fresh = SigV4.newMac(k);
    javax.crypto.Mac prototype = SigV4.newMac(k);
    javax.crypto.Mac copy = SigV4.copyMac(prototype, k);
    assertTrue(Arrays.equals(fresh.doFinal(data), copy.doFinal(data)));
    // the prototype is untouched by its copies' use
    assertTrue(Arrays.equals(fresh.doFinal(data), SigV4.copyMac(prototype, k).doFinal(data)));
  }

  @Provide
  Arbitrary<String> anyChars() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(20),
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(20),
        Arbitraries.strings()
            .withChars('a', '\u00e9', '\u0100', '\ud83d', '\ude00', '\udbff', '\udfff', '?')
            .ofMaxLength(12));
  }

  /**
   * Canonical-request bytes are the ISO-8859-1 bytes of each appended string (a surrogate pair is
   * one '?'), and single bytes as they are.
   */
  @Property(tries = 3000)
  void canonicalBytesAreIso88591(@ForAll("anyChars") String a, @ForAll("anyChars") String b) {
    CanonicalBytes c = new CanonicalBytes(4);
    c.append(a).append('\n').append(0xe9).append(b);
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    expected.writeBytes(a.getBytes(StandardCharsets.ISO_8859_1));
    expected.write('\n');
    expected.write(0xe9);
    expected.writeBytes(b.getBytes(StandardCharsets.ISO_8859_1));
    assertArrayEquals(expected.toByteArray(), c.toByteArray());
    assertEquals(expected.size(), c.length());
  }
}
