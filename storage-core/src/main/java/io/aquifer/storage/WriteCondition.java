package io.aquifer.storage;

/**
 * A precondition on the current state of a key, checked atomically when a write switches the key. A
 * failed check answers {@link StatusCode#PRECONDITION_FAILED} and stores nothing.
 */
public sealed interface WriteCondition {

  /** No precondition. */
  record None() implements WriteCondition {}

  /** The key must not exist (S3 {@code If-None-Match: *}). */
  record IfAbsent() implements WriteCondition {}

  /**
   * The key must exist with this ETag (S3 {@code If-Match}).
   *
   * @param etag the ETag without quotes
   */
  record IfEtagMatches(String etag) implements WriteCondition {}

  /** No precondition. */
  static WriteCondition none() {
    return new None();
  }

  /** The key must not exist. */
  static WriteCondition ifAbsent() {
    return new IfAbsent();
  }

  /** The key must exist with this ETag. */
  static WriteCondition ifMatches(String etag) {
    return new IfEtagMatches(etag);
  }
}
