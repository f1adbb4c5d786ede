package io.aquifer.storage;

import java.nio.ByteBuffer;

/**
 * An object answered from memory by {@link ObjectStore#tryGetCached}: what {@link
 * ObjectStore#headBucket} and {@link ObjectStore#get} would have given at the moment of the call.
 *
 * @param bucket the bucket's info (its owner, for access checks)
 * @param info the object's info, from the index record current at the call
 * @param content the whole content, read-only, exactly {@code info.size()} bytes (the caller may
 *     move its position and limit; the bytes are shared and never change)
 */
public record CachedObject(BucketInfo bucket, ObjectInfo info, ByteBuffer content) {

  /**
   * A reader over {@code [start, start + length)} of the content ({@code length} -1: to the end),
   * with {@link ObjectStore#get}'s range checks; it holds nothing, so closing it is optional. Its
   * {@link ObjectReader#takeRemaining} hands out a read-only slice without a copy.
   *
   * @throws StorageException {@link StatusCode#INVALID_RANGE} as {@link ObjectStore#get} does
   */
  public ObjectReader open(long start, long length) {
    long size = info.size();
    if (start < 0 || (start >= size && size > 0) || (size == 0 && start > 0)) {
      throw new StorageException(
          StatusCode.INVALID_RANGE,
          "range start " + start + " is not within object of " + size + " bytes");
    }
    long len = length < 0 ? size - start : Math.min(length, size - start);
    ByteBuffer c = content.duplicate();
    c.position(0).limit((int) size);
    return new MemoryReader(info, c.slice().asReadOnlyBuffer(), start, len);
  }
}
