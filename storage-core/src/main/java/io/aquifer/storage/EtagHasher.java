package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The ETag of a large object, fed its data stripe by stripe in order.
 *
 * <p>Up to {@link PutOptions#md5EtagMaxSize()} bytes the ETag is the MD5 of the content, as S3
 * gives a single-part upload. An object that grows beyond it gets a checksum ETag instead, in the
 * form S3 gives a multipart upload ({@code <32 hex digits>-<N>}, which clients know is not the
 * content's MD5): the MD5 of the CRC32C of each stripe's data (4 bytes big-endian each, in order),
 * then {@code -} and the number of stripes. CRC32C runs at many times MD5's speed, so a writer that
 * asks for it (the file service, whose writes are one long stream each) stops paying MD5, the
 * largest cost per byte of a put, once an object passes the limit. The default limit is unbounded:
 * MD5 always, with no CRC32C pass.
 */
final class EtagHasher {
  private final long md5MaxSize;
  private final MessageDigest md5 = digest();
  private final MessageDigest ofChecksums;
  private final CRC32C crc = new CRC32C();
  private final byte[] four = new byte[4];
  private long size;
  private int stripes;

  EtagHasher(long md5MaxSize) {
    this.md5MaxSize = md5MaxSize;
    this.ofChecksums = md5MaxSize == Long.MAX_VALUE ? null : digest();
  }

  /** Adds the first {@code bytes} of a stripe's data, laid out in {@code blockSize} blocks. */
  void addStripe(ByteBuffer[] blocks, int blockSize, int bytes) {
    boolean withMd5 = size + bytes <= md5MaxSize;
    if (ofChecksums != null) {
      crc.reset();
    }
    for (int i = 0, left = bytes; left > 0; i++) {
      int n = Math.min(blockSize, left);
      if (withMd5) {
        md5.update(blocks[i].slice(0, n));
      }
      if (ofChecksums != null) {
        crc.update(blocks[i].slice(0, n));
      }
      left -= n;
    }
    if (ofChecksums != null) {
      int v = (int) crc.getValue();
      four[0] = (byte) (v >>> 24);
      four[1] = (byte) (v >>> 16);
      four[2] = (byte) (v >>> 8);
      four[3] = (byte) v;
      ofChecksums.update(four);
      stripes++;
    }
    size += bytes;
  }

  /**
   * The ETag of everything added.
   *
   * @param expectedMd5 the MD5 the content must have, or null
   * @throws StorageException {@link StatusCode#BAD_DIGEST} when it differs; {@link
   *     StatusCode#INVALID_ARGUMENT} when one is expected of an object that got a checksum ETag
   */
  String etag(byte[] expectedMd5) {
    if (size <= md5MaxSize) {
      return StoreCore.etag(md5.digest(), expectedMd5);
    }
    if (expectedMd5 != null) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT,
          "an expected MD5 needs an MD5 ETag; this object passed the limit of "
              + md5MaxSize
              + " bytes");
    }
    return HexFormat.of().formatHex(ofChecksums.digest()) + "-" + stripes;
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required by the JDK", e);
    }
  }
}
