package io.aquifer.storage;

/**
 * A listing request.
 *
 * @param prefix only keys starting with this (empty for all)
 * @param delimiter roll keys that contain it after the prefix up into common prefixes (null or
 *     empty for none)
 * @param startAfter only keys strictly after this (null for none)
 * @param continuationToken the {@link ListPage#nextToken()} of the previous page, or null
 * @param maxKeys most keys plus common prefixes to return, 0 to 1000
 */
public record ListQuery(
    String prefix, String delimiter, String startAfter, String continuationToken, int maxKeys) {

  /** Normalizes null prefix to empty and checks {@code maxKeys}. */
  public ListQuery {
    prefix = prefix == null ? "" : prefix;
    delimiter = delimiter == null || delimiter.isEmpty() ? null : delimiter;
    if (maxKeys < 0 || maxKeys > 1000) {
      throw new StorageException(
          StatusCode.INVALID_ARGUMENT, "maxKeys must be 0 to 1000: " + maxKeys);
    }
  }

  /** All keys with a prefix, up to 1000. */
  public static ListQuery prefix(String prefix) {
    return new ListQuery(prefix, null, null, null, 1000);
  }

  /** A copy continuing after {@code token}. */
  public ListQuery next(String token) {
    return new ListQuery(prefix, delimiter, startAfter, token, maxKeys);
  }

  /**
   * A continuation token that resumes a listing after every key starting with {@code commonPrefix},
   * as if the previous page had ended on that common prefix (for S3 ListObjects v1, whose marker
   * may be a common prefix).
   */
  public static String tokenAfterPrefix(String commonPrefix) {
    byte[] p = commonPrefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] t = new byte[p.length + 1];
    t[0] = 'P';
    System.arraycopy(p, 0, t, 1, p.length);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(t);
  }
}
