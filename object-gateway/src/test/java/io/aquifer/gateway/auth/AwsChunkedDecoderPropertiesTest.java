package io.aquifer.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Properties of {@link AwsChunkedDecoder} over bodies made by the independent test encoder: any
 * split of the input decodes to the same payload and trailers; no truncation is ever complete; in
 * the signed modes no single flipped byte changes the output undetected; and garbage only ever
 * fails with an {@link S3Exception}.
 */
class AwsChunkedDecoderPropertiesTest {
  static final PayloadMode[] MODES = {
    PayloadMode.STREAMING_SIGNED,
    PayloadMode.STREAMING_SIGNED_TRAILER,
    PayloadMode.STREAMING_UNSIGNED_TRAILER
  };
  static final String[] TRAILER_NAMES = {
    "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-meta-t"
  };

  /** A body, and what it must decode to. */
  record Sample(
      PayloadMode mode,
      byte[] payload,
      Map<String, String> trailers,
      byte[] body,
      String seed,
      long decodedLength) {

    AwsChunkedDecoder decoder() {
      ChunkSigner signer =
          mode.signedChunks()
              ? new ChunkedBodies.Signing(
                      ChunkedBodies.docKey(), ChunkedBodies.AMZ_DATE, ChunkedBodies.SCOPE, seed)
                  .signer()
              : null;
      return new AwsChunkedDecoder(mode, signer, trailers.keySet(), decodedLength);
    }
  }

  static Sample sample(Random rnd, int maxPayload, int maxChunk) {
    PayloadMode mode = MODES[rnd.nextInt(MODES.length)];
    int n = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : rnd.nextInt(maxPayload + 1);
    byte[] payload = new byte[n];
    rnd.nextBytes(payload);
    List<Integer> sizes = new ArrayList<>();
    int k = 1 + rnd.nextInt(3);
    for (int i = 0; i < k; i++) {
      sizes.add(1 + rnd.nextInt(maxChunk));
    }
    Map<String, String> trailers = new LinkedHashMap<>();
    if (mode.trailer()) {
      int t = rnd.nextInt(TRAILER_NAMES.length + 1);
      for (int i = 0; i < t; i++) {
        byte[] v = new byte[1 + rnd.nextInt(32)];
        rnd.nextBytes(v);
        trailers.put(TRAILER_NAMES[i], Base64.getEncoder().encodeToString(v));
      }
    }
    byte[] seedBytes = new byte[32];
    rnd.nextBytes(seedBytes);
    String seed = java.util.HexFormat.of().formatHex(seedBytes);
    ChunkedBodies.Signing signing =
        mode.signedChunks()
            ? new ChunkedBodies.Signing(
                ChunkedBodies.docKey(), ChunkedBodies.AMZ_DATE, ChunkedBodies.SCOPE, seed)
            : null;
    byte[] body = ChunkedBodies.encode(payload, sizes, signing, mode.trailer() ? trailers : null);
    long decodedLength = rnd.nextBoolean() ? n : -1;
    return new Sample(mode, payload, trailers, body, seed, decodedLength);
  }

  static int[] randomCuts(Random rnd, int length) {
    int count = rnd.nextInt(Math.min(40, length + 1) + 1);
    return rnd.ints(count, 0, length + 1).sorted().toArray();
  }

  @Property(tries = 120)
  void anySplitGivesTheSamePayloadAndTrailers(@ForAll long seed) {
    Random rnd = new Random(seed);
    Sample s = sample(rnd, 200_000, 70_000);
    Decoding.Kind kind = Decoding.Kind.values()[rnd.nextInt(3)];
    AwsChunkedDecoder d = s.decoder();
    Decoding.Result r = Decoding.decode(d, s.body(), randomCuts(rnd, s.body().length), kind);
    assertArrayEquals(s.payload(), r.payload());
    assertEquals(s.trailers(), r.trailers());
    assertTrue(d.done());
    assertEquals(s.payload().length, d.decodedBytes());
  }

  @Property(tries = 25)
  void noTruncationIsEverComplete(@ForAll long seed) {
    Random rnd = new Random(seed);
    Sample s = sample(rnd, 1200, 400);
    byte[] body = s.body();
    for (int len = 0; len < body.length; len++) {
      AwsChunkedDecoder d = s.decoder();
      byte[] prefix = Arrays.copyOf(body, len);
      Decoding.feed(
          d, prefix, randomCuts(rnd, len), Decoding.Kind.HEAP, new ByteArrayOutputStream());
      assertFalse(d.done(), "done after " + len + " of " + body.length + " bytes");
      S3Exception e = assertThrows(S3Exception.class, d::finish);
      assertEquals(S3Error.INCOMPLETE_BODY, e.error(), "at " + len + ": " + e.getMessage());
    }
  }

  @Property(tries = 200)
  void signedBodiesDetectAnyFlippedByte(@ForAll long seed) {
    Random rnd = new Random(seed);
    Sample s;
    do {
      s = sample(rnd, 3000, 1000);
    } while (!s.mode().signedChunks());
    for (int flips = 0; flips < 20; flips++) {
      byte[] body = s.body().clone();
      int at = rnd.nextInt(body.length);
      body[at] ^= (byte) (1 + rnd.nextInt(255));
      AwsChunkedDecoder d = s.decoder();
      Decoding.Result r;
      try {
        r = Decoding.decode(d, body, randomCuts(rnd, body.length), Decoding.Kind.HEAP);
      } catch (S3Exception rejected) {
        continue;
      }
      // accepted: then the change must not matter: the case of a hex digit, or whitespace in a
      // trailer line (values are trimmed and a line may end with a bare LF, so a CR turned into a
      // space leaves the trailers, and what their signature covers, unchanged)
      assertArrayEquals(s.payload(), r.payload(), "flip at " + at + " changed the payload");
      assertEquals(s.trailers(), r.trailers(), "flip at " + at + " changed the trailers");
      assertTrue(
          caseOnly(s.body()[at], body[at]) || (blank(s.body()[at]) && blank(body[at])),
          "flip at " + at + " accepted: " + (char) s.body()[at] + " -> " + (char) body[at]);
    }
  }

  private static boolean blank(byte b) {
    return b == ' ' || b == '\t' || b == '\r';
  }

  private static boolean caseOnly(byte a, byte b) {
    return Character.toLowerCase((char) (a & 0xff)) == Character.toLowerCase((char) (b & 0xff));
  }

  @Property(tries = 300)
  void garbageOnlyEverFailsWithS3Exception(@ForAll long seed) {
    Random rnd = new Random(seed);
    Sample s = sample(rnd, 2000, 500);
    byte[] body;
    if (rnd.nextBoolean()) {
      body = edit(rnd, s.body());
    } else {
      String alphabet = "0123456789abcdefABCDEF;=:\r\n\r\n-xz chunk-signature=x-amz-trailer";
      body = new byte[rnd.nextInt(3000)];
      for (int i = 0; i < body.length; i++) {
        body[i] =
            rnd.nextInt(5) == 0
                ? (byte) rnd.nextInt(256)
                : (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
      }
    }
    Sample garbage =
        new Sample(s.mode(), s.payload(), s.trailers(), body, s.seed(), s.decodedLength());
    AwsChunkedDecoder d = garbage.decoder();
    Decoding.Kind kind = Decoding.Kind.values()[rnd.nextInt(3)];
    try {
      Decoding.decode(d, body, randomCuts(rnd, body.length), kind);
    } catch (S3Exception expected) {
      assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
    }
  }

  /** One to five random insertions, deletions or replacements. */
  private static byte[] edit(Random rnd, byte[] body) {
    List<Byte> b = new ArrayList<>(body.length + 8);
    for (byte x : body) {
      b.add(x);
    }
    int edits = 1 + rnd.nextInt(5);
    byte[] special = "\r\n;=:0aF".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < edits; i++) {
      int at = b.isEmpty() ? 0 : rnd.nextInt(b.size());
      byte v = rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : (byte) rnd.nextInt(256);
      switch (b.isEmpty() ? 0 : rnd.nextInt(3)) {
        case 0 -> b.add(at, v);
        case 1 -> b.remove(at);
        default -> b.set(at, v);
      }
    }
    byte[] out = new byte[b.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i);
    }
    return out;
  }
}
