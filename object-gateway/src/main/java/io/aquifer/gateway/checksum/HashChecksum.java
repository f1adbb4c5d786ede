package io.aquifer.gateway.checksum;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** SHA-1 or SHA-256 through {@link MessageDigest}. */
final class HashChecksum implements Checksum {
  private final MessageDigest md;

  private HashChecksum(MessageDigest md) {
    this.md = md;
  }

  /** A digest of the named JDK algorithm, which every JDK provides. */
  static HashChecksum of(String jdkName) {
    try {
      return new HashChecksum(MessageDigest.getInstance(jdkName));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + jdkName, e);
    }
  }

  @Override
  public void update(ByteBuffer src) {
    md.update(src);
  }

  @Override
  public void update(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    md.update(b, off, len);
  }

  @Override
  public byte[] digest() {
    return md.digest();
  }
}
