package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Validation and encoding of bucket names and keys. */
final class Names {
  private Names() {}

  static void checkBucket(String name) {
    if (name == null || name.length() < 3 || name.length() > 63) {
      throw new StorageException(
          StatusCode.INVALID_BUCKET_NAME, "bucket name must be 3 to 63 characters: " + name);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      if (!ok) {
        throw new StorageException(
            StatusCode.INVALID_BUCKET_NAME,
            "bucket name may hold only lowercase letters, digits, '.' and '-': " + name);
      }
    }
    if (!Character.isLetterOrDigit(name.charAt(0))
        || !Character.isLetterOrDigit(name.charAt(name.length() - 1))) {
      throw new StorageException(
          StatusCode.INVALID_BUCKET_NAME,
          "bucket name must start and end with a letter or digit: " + name);
    }
    if (name.contains("..") || looksLikeIpv4(name)) {
      throw new StorageException(
          StatusCode.INVALID_BUCKET_NAME,
          "bucket name must not hold '..' or look like an IP address: " + name);
    }
  }

  /**
   * Whether a name of digits and dots is four dot-separated runs of digits (what {@code
   * \d+\.\d+\.\d+\.\d+} matches), checked by hand: bucket names are checked on every request.
   */
  static boolean looksLikeIpv4(String name) {
    int dots = 0;
    int run = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= '0' && c <= '9') {
        run++;
      } else if (c == '.' && run > 0 && dots < 3) {
        dots++;
        run = 0;
      } else {
        return false;
      }
    }
    return dots == 3 && run > 0;
  }

  /** The UTF-8 bytes of a key, after checking it. */
  static byte[] key(String key) {
    if (key == null || key.isEmpty()) {
      throw new StorageException(StatusCode.INVALID_KEY, "key must not be empty");
    }
    if (key.indexOf('\0') >= 0) {
      throw new StorageException(StatusCode.INVALID_KEY, "key must not contain NUL");
    }
    byte[] b = utf8Strict(key, "key");
    if (b.length > ObjectStore.MAX_KEY_BYTES) {
      throw new StorageException(
          StatusCode.INVALID_KEY,
          "key is " + b.length + " bytes; at most " + ObjectStore.MAX_KEY_BYTES + " allowed");
    }
    return b;
  }

  /** UTF-8 bytes; a string with unpaired surrogates has none and is rejected. */
  static byte[] utf8Strict(String s, String what) {
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(s));
      byte[] out = new byte[bb.remaining()];
      bb.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new StorageException(
          StatusCode.INVALID_KEY, what + " is not valid Unicode (unpaired surrogate)");
    }
  }

  static void checkUserMetadata(PutOptions o) {
    int n = 0;
    for (var e : o.userMetadata().entrySet()) {
      n += e.getKey().getBytes(StandardCharsets.UTF_8).length;
      n += e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (n > ObjectStore.MAX_USER_METADATA_BYTES) {
      throw new StorageException(
          StatusCode.METADATA_TOO_LARGE,
          "user metadata is "
              + n
              + " bytes; at most "
              + ObjectStore.MAX_USER_METADATA_BYTES
              + " allowed");
    }
  }

  static byte[] bucketPrefix(long bucketId) {
    return ByteBuffer.allocate(8).putLong(bucketId).array();
  }

  /** Usage record key: bucket id, slot. */
  static byte[] usageKey(long bucketId, int slot) {
    return ByteBuffer.allocate(9).putLong(bucketId).put((byte) slot).array();
  }

  static byte[] objectKey(long bucketId, byte[] key) {
    return ByteBuffer.allocate(8 + key.length).putLong(bucketId).put(key).array();
  }

  /** Upload record key: bucket, key, NUL, upload id; sorts by key then upload id. */
  static byte[] uploadKey(long bucketId, byte[] key, String uploadId) {
    byte[] u = uploadId.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(8 + key.length + 1 + u.length)
        .putLong(bucketId)
        .put(key)
        .put((byte) 0)
        .put(u)
        .array();
  }

  static byte[] partKey(String uploadId, int part) {
    byte[] u = uploadId.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(u.length + 4).put(u).putInt(part).array();
  }

  static byte[] partPrefix(String uploadId) {
    return uploadId.getBytes(StandardCharsets.US_ASCII);
  }
}
