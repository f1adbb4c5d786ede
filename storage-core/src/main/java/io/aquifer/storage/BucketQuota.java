package io.aquifer.storage;

/**
 * Limits on what a bucket may hold. Checked when a write commits, atomically with the bucket's
 * {@link BucketUsage}: a put, copy or completed upload that would take the bucket above either
 * limit fails with {@link StatusCode#QUOTA_EXCEEDED} and stores nothing. Only growth is checked: an
 * overwrite that does not grow the bucket and every delete always succeed, so a quota may be set
 * below the current usage.
 *
 * @param maxBytes most bytes of committed objects (the sum of their sizes); 0 means unlimited
 * @param maxObjects most committed objects; 0 means unlimited
 */
public record BucketQuota(long maxBytes, long maxObjects) {
  /** No limit. */
  public static final BucketQuota NONE = new BucketQuota(0, 0);

  /**
   * Checks the limits.
   *
   * @throws IllegalArgumentException when a limit is negative
   */
  public BucketQuota {
    if (maxBytes < 0 || maxObjects < 0) {
      throw new IllegalArgumentException(
          "quota limits must be 0 (unlimited) or positive: maxBytes "
              + maxBytes
              + ", maxObjects "
              + maxObjects);
    }
  }

  /** Whether neither dimension is limited. */
  public boolean unlimited() {
    return maxBytes == 0 && maxObjects == 0;
  }
}
