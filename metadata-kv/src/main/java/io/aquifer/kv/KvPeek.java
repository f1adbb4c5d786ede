package io.aquifer.kv;

/**
 * The outcome of a read that may only look in memory ({@link KvStore#peek}): the value, no value,
 * or "the answer needs I/O (or a lock someone holds)", after which the caller reads with {@link
 * KvReader#get} from a thread that may block.
 */
public sealed interface KvPeek {

  /** The key holds {@code value} (a fresh copy owned by the caller). */
  record Found(byte[] value) implements KvPeek {}

  /** The two outcomes without a value. */
  enum Miss implements KvPeek {
    /** The key holds no value (in the latest committed state). */
    ABSENT,
    /** Memory alone cannot tell; nothing was read from disk. */
    WOULD_BLOCK
  }
}
