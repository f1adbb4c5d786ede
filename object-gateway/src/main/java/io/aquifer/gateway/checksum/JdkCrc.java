package io.aquifer.gateway.checksum;

import java.nio.ByteBuffer;

/** CRC32 or CRC32C through the JDK classes, whose update loops the JIT replaces by intrinsics. */
final class JdkCrc implements Checksum {
  private final java.util.zip.Checksum crc;

  JdkCrc(java.util.zip.Checksum crc) {
    this.crc = crc;
  }

  @Override
  public void update(ByteBuffer src) {
    crc.update(src);
  }

  @Override
  public void update(byte[] b, int off, int len) {
    crc.update(b, off, len);
  }

  @Override
  public byte[] digest() {
    int v = (int) crc.getValue();
    crc.reset();
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
