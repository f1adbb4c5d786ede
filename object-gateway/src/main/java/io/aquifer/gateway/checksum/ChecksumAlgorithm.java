package io.aquifer.gateway.checksum;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import java.util.Locale;

/** The checksum algorithms S3 accepts in {@code x-amz-checksum-*} headers and trailers. */
public enum ChecksumAlgorithm {
  /** CRC-32 (ISO-HDLC, as zip and Ethernet), 4 bytes. */
  CRC32("crc32", "ChecksumCRC32", 4, true),
  /** CRC-32C (Castagnoli), 4 bytes. */
  CRC32C("crc32c", "ChecksumCRC32C", 4, true),
  /** CRC-64/NVME, 8 bytes. */
  CRC64NVME("crc64nvme", "ChecksumCRC64NVME", 8, true),
  /** SHA-1, 20 bytes. */
  SHA1("sha1", "ChecksumSHA1", 20, false),
  /** SHA-256, 32 bytes. */
  SHA256("sha256", "ChecksumSHA256", 32, false);

  private static final ChecksumAlgorithm[] VALUES = values();

  private final String headerName;
  private final String xmlName;
  private final int digestLength;
  private final boolean crc;

  ChecksumAlgorithm(String suffix, String xmlName, int digestLength, boolean crc) {
    this.headerName = "x-amz-checksum-" + suffix;
    this.xmlName = xmlName;
    this.digestLength = digestLength;
    this.crc = crc;
  }

  /** The lowercase header carrying this checksum, e.g. {@code x-amz-checksum-crc64nvme}. */
  public String headerName() {
    return headerName;
  }

  /** The XML element carrying this checksum, e.g. {@code ChecksumCRC64NVME}. */
  public String xmlName() {
    return xmlName;
  }

  /** The length in bytes of {@link Checksum#digest()}: 4, 4, 8, 20 or 32. */
  public int digestLength() {
    return digestLength;
  }

  /** Whether this is a CRC, which {@link CrcCombine} can combine across concatenated data. */
  public boolean isCrc() {
    return crc;
  }

  /** A fresh running checksum of this algorithm. */
  public Checksum newChecksum() {
    return switch (this) {
      case CRC32 -> new JdkCrc(new java.util.zip.CRC32());
      case CRC32C -> new JdkCrc(new java.util.zip.CRC32C());
      case CRC64NVME -> new Crc64Nvme();
      case SHA1 -> HashChecksum.of("SHA-1");
      case SHA256 -> HashChecksum.of("SHA-256");
    };
  }

  /**
   * Parses an algorithm name as sent in {@code x-amz-checksum-algorithm} or {@code
   * x-amz-sdk-checksum-algorithm}: {@code CRC32}, {@code CRC32C}, {@code CRC64NVME}, {@code SHA1}
   * or {@code SHA256}, in any case.
   *
   * @throws S3Exception {@link S3Error#INVALID_REQUEST} for anything else, null included
   */
  public static ChecksumAlgorithm fromName(String name) {
    if (name != null) {
      String upper = name.toUpperCase(Locale.ROOT);
      for (ChecksumAlgorithm a : VALUES) {
        if (a.name().equals(upper)) {
          return a;
        }
      }
    }
    throw new S3Exception(
        S3Error.INVALID_REQUEST, "Value for x-amz-checksum-algorithm header is invalid.");
  }

  /**
   * The algorithm whose {@link #headerName()} equals {@code lowercaseHeaderName}, or null when none
   * does (null included).
   */
  public static ChecksumAlgorithm fromHeader(String lowercaseHeaderName) {
    if (lowercaseHeaderName == null || !lowercaseHeaderName.startsWith("x-amz-checksum-")) {
      return null;
    }
    for (ChecksumAlgorithm a : VALUES) {
      if (a.headerName.equals(lowercaseHeaderName)) {
        return a;
      }
    }
    return null;
  }
}
