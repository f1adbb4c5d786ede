package io.aquifer.gateway.auth;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A growable byte array for the canonical request: chars go in as ISO-8859-1 bytes (one byte per
 * char; a char that ISO-8859-1 cannot hold, or a surrogate pair, becomes one '?', as {@code
 * String.getBytes(ISO_8859_1)} does), so the bytes are what the old StringBuilder-then-getBytes
 * gave, without a String in between.
 */
final class CanonicalBytes {
  private byte[] buf;
  private int length;

  CanonicalBytes(int capacity) {
    buf = new byte[capacity];
  }

  /** Appends one byte, given as a char or int of 0 to 255. */
  CanonicalBytes append(int b) {
    if (length == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[length++] = (byte) b;
    return this;
  }

  /** Appends {@code s} as ISO-8859-1. */
  CanonicalBytes append(String s) {
    int n = s.length();
    if (length + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c <= 0xff) {
        buf[length++] = (byte) c;
      } else {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++; // one code point, one replacement
        }
        buf[length++] = '?';
      }
    }
    return this;
  }

  int length() {
    return length;
  }

  /** The bytes so far, copied. */
  byte[] toByteArray() {
    return Arrays.copyOf(buf, length);
  }

  /** Feeds the bytes so far to {@code digest}. */
  void updateTo(MessageDigest digest) {
    digest.update(buf, 0, length);
  }
}
