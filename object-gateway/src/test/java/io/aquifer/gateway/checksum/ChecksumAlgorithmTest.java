package io.aquifer.gateway.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Names, lengths and known answers of every algorithm. */
class ChecksumAlgorithmTest {
  private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

  static byte[] digest(ChecksumAlgorithm alg, byte[] data) {
    Checksum c = alg.newChecksum();
    c.update(data, 0, data.length);
    return c.digest();
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Test
  void wireNames() {
    assertEquals("x-amz-checksum-crc32", ChecksumAlgorithm.CRC32.headerName());
    assertEquals("x-amz-checksum-crc32c", ChecksumAlgorithm.CRC32C.headerName());
    assertEquals("x-amz-checksum-crc64nvme", ChecksumAlgorithm.CRC64NVME.headerName());
    assertEquals("x-amz-checksum-sha1", ChecksumAlgorithm.SHA1.headerName());
    assertEquals("x-amz-checksum-sha256", ChecksumAlgorithm.SHA256.headerName());
    assertEquals("ChecksumCRC32", ChecksumAlgorithm.CRC32.xmlName());
    assertEquals("ChecksumCRC32C", ChecksumAlgorithm.CRC32C.xmlName());
    assertEquals("ChecksumCRC64NVME", ChecksumAlgorithm.CRC64NVME.xmlName());
    assertEquals("ChecksumSHA1", ChecksumAlgorithm.SHA1.xmlName());
    assertEquals("ChecksumSHA256", ChecksumAlgorithm.SHA256.xmlName());
  }

  @ParameterizedTest
  @EnumSource(ChecksumAlgorithm.class)
  void lengthsAndKinds(ChecksumAlgorithm alg) {
    int expected =
        switch (alg) {
          case CRC32, CRC32C -> 4;
          case CRC64NVME -> 8;
          case SHA1 -> 20;
          case SHA256 -> 32;
        };
    assertEquals(expected, alg.digestLength());
    assertEquals(expected, digest(alg, CHECK).length);
    assertEquals(alg.name().startsWith("CRC"), alg.isCrc());
    assertSame(alg, ChecksumAlgorithm.fromHeader(alg.headerName()));
    assertSame(alg, ChecksumAlgorithm.fromName(alg.name()));
    assertSame(alg, ChecksumAlgorithm.fromName(alg.name().toLowerCase(java.util.Locale.ROOT)));
  }

  @Test
  void fromNameIsCaseInsensitive() {
    assertSame(ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.fromName("crc32c"));
    assertSame(ChecksumAlgorithm.CRC64NVME, ChecksumAlgorithm.fromName("Crc64Nvme"));
    assertSame(ChecksumAlgorithm.SHA256, ChecksumAlgorithm.fromName("sha256"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MD5", "CRC-32", "SHA-256", "crc32 ", " SHA1", "CRC64", "sha512"})
  void fromNameRejects(String name) {
    S3Exception e = assertThrows(S3Exception.class, () -> ChecksumAlgorithm.fromName(name));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
    assertEquals("Value for x-amz-checksum-algorithm header is invalid.", e.getMessage());
  }

  @Test
  void fromNameRejectsNull() {
    S3Exception e = assertThrows(S3Exception.class, () -> ChecksumAlgorithm.fromName(null));
    assertEquals(S3Error.INVALID_REQUEST, e.error());
  }

  @Test
  void fromHeaderOthers() {
    assertNull(ChecksumAlgorithm.fromHeader(null));
    assertNull(ChecksumAlgorithm.fromHeader("x-amz-checksum-algorithm"));
    assertNull(ChecksumAlgorithm.fromHeader("x-amz-checksum-type"));
    assertNull(ChecksumAlgorithm.fromHeader("X-Amz-Checksum-Crc32"));
    assertNull(ChecksumAlgorithm.fromHeader("x-amz-checksum-md5"));
    assertNull(ChecksumAlgorithm.fromHeader("content-md5"));
  }

  @Test
  void checkValues() {
    assertEquals("cbf43926", hex(digest(ChecksumAlgorithm.CRC32, CHECK)));
    assertEquals("e3069283", hex(digest(ChecksumAlgorithm.CRC32C, CHECK)));
    assertEquals("ae8b14860a799888", hex(digest(ChecksumAlgorithm.CRC64NVME, CHECK)));
    assertEquals(
        "f7c3bc1d808e04732adf679965ccc34ca7ae3441", hex(digest(ChecksumAlgorithm.SHA1, CHECK)));
    assertEquals(
        "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
        hex(digest(ChecksumAlgorithm.SHA256, CHECK)));
  }

  @Test
  void shaVectorsFromFips180() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        "a9993e364706816aba3e25717850c26c9cd0d89d", hex(digest(ChecksumAlgorithm.SHA1, abc)));
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        hex(digest(ChecksumAlgorithm.SHA256, abc)));
    byte[] two =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            .getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1", hex(digest(ChecksumAlgorithm.SHA1, two)));
    assertEquals(
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        hex(digest(ChecksumAlgorithm.SHA256, two)));
  }

  @Test
  void emptyInput() {
    byte[] none = new byte[0];
    assertEquals("00000000", hex(digest(ChecksumAlgorithm.CRC32, none)));
    assertEquals("00000000", hex(digest(ChecksumAlgorithm.CRC32C, none)));
    assertEquals("0000000000000000", hex(digest(ChecksumAlgorithm.CRC64NVME, none)));
    assertEquals(
        "da39a3ee5e6b4b0d3255bfef95601890afd80709", hex(digest(ChecksumAlgorithm.SHA1, none)));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        hex(digest(ChecksumAlgorithm.SHA256, none)));
  }

  /**
   * The CRC-64 test cases of the NVMe NVM Command Set specification (protection information with
   * 64-bit guard): 4 KiB of zeros, of 0xFF, of an incrementing and of a decrementing byte pattern.
   */
  @Test
  void nvmeSpecificationVectors() {
    byte[] zeros = new byte[4096];
    byte[] ones = new byte[4096];
    byte[] up = new byte[4096];
    byte[] down = new byte[4096];
    for (int i = 0; i < 4096; i++) {
      ones[i] = (byte) 0xff;
      up[i] = (byte) i;
      down[i] = (byte) (255 - i);
    }
    assertEquals("6482d367eb22b64e", hex(digest(ChecksumAlgorithm.CRC64NVME, zeros)));
    assertEquals("c0ddba7302eca3ac", hex(digest(ChecksumAlgorithm.CRC64NVME, ones)));
    assertEquals("3e729f5f6750449c", hex(digest(ChecksumAlgorithm.CRC64NVME, up)));
    assertEquals("9a2df64b8e9e517e", hex(digest(ChecksumAlgorithm.CRC64NVME, down)));
  }

  @ParameterizedTest
  @EnumSource(ChecksumAlgorithm.class)
  void digestResets(ChecksumAlgorithm alg) {
    Checksum c = alg.newChecksum();
    c.update("garbage".getBytes(StandardCharsets.US_ASCII), 0, 7);
    c.digest();
    c.update(CHECK, 0, CHECK.length);
    assertArrayEquals(digest(alg, CHECK), c.digest());
    assertArrayEquals(digest(alg, new byte[0]), c.digest());
  }

  @ParameterizedTest
  @EnumSource(ChecksumAlgorithm.class)
  void base64IsTheHeaderForm(ChecksumAlgorithm alg) {
    Checksum c = alg.newChecksum();
    c.update(CHECK, 0, CHECK.length);
    assertEquals(Base64.getEncoder().encodeToString(digest(alg, CHECK)), c.digestBase64());
  }

  @Test
  void knownBase64() {
    // The header form of the check values of "123456789".
    Checksum c = ChecksumAlgorithm.CRC32.newChecksum();
    c.update(CHECK, 0, CHECK.length);
    assertEquals("y/Q5Jg==", c.digestBase64());
    c = ChecksumAlgorithm.CRC64NVME.newChecksum();
    c.update(CHECK, 0, CHECK.length);
    assertEquals("rosUhgp5mIg=", c.digestBase64());
  }

  @ParameterizedTest
  @EnumSource(ChecksumAlgorithm.class)
  void updateAdvancesBufferPosition(ChecksumAlgorithm alg) {
    for (ByteBuffer b :
        new ByteBuffer[] {
          ByteBuffer.wrap(CHECK),
          ByteBuffer.allocateDirect(CHECK.length).put(CHECK).flip(),
          ByteBuffer.wrap(CHECK).asReadOnlyBuffer(),
          ByteBuffer.allocateDirect(CHECK.length).put(CHECK).flip().asReadOnlyBuffer()
        }) {
      Checksum c = alg.newChecksum();
      c.update(b);
      assertFalse(b.hasRemaining());
      assertEquals(CHECK.length, b.position());
      assertArrayEquals(digest(alg, CHECK), c.digest());
      c.update(b); // nothing left: no change
      assertArrayEquals(digest(alg, new byte[0]), c.digest());
    }
  }

  @ParameterizedTest
  @EnumSource(ChecksumAlgorithm.class)
  void arrayBoundsChecked(ChecksumAlgorithm alg) {
    Checksum c = alg.newChecksum();
    assertThrows(IndexOutOfBoundsException.class, () -> c.update(CHECK, 5, 5));
    assertThrows(IndexOutOfBoundsException.class, () -> c.update(CHECK, -1, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> c.update(CHECK, 0, -1));
  }
}
