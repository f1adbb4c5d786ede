package io.aquifer.storage;

import java.util.Map;

/**
 * Options of a put, copy or multipart upload.
 *
 * @param contentType content type, or null for {@code application/octet-stream}
 * @param userMetadata user metadata; keys and values together at most {@link
 *     ObjectStore#MAX_USER_METADATA_BYTES} bytes
 * @param attributes other system attributes stored verbatim
 * @param condition a precondition checked atomically with the switch of the key
 * @param md5EtagMaxSize the largest object that gets the MD5 of its content as its ETag; a larger
 *     one written in shard files gets a checksum ETag in S3's multipart form ({@code <hex>-<N>},
 *     from the CRC32C of each stripe) and costs no MD5 beyond this size. {@link Long#MAX_VALUE}
 *     (the default): always MD5. Objects written packed, multipart parts and copies always get MD5.
 */
public record PutOptions(
    String contentType,
    Map<String, String> userMetadata,
    Map<String, String> attributes,
    WriteCondition condition,
    long md5EtagMaxSize) {

  /** No metadata, unconditional, MD5 ETags. */
  public static final PutOptions DEFAULT =
      new PutOptions(null, Map.of(), Map.of(), WriteCondition.none());

  /** Copies the maps. */
  public PutOptions {
    userMetadata = Map.copyOf(userMetadata);
    attributes = Map.copyOf(attributes);
    condition = condition == null ? WriteCondition.none() : condition;
    if (md5EtagMaxSize < 0) {
      throw new IllegalArgumentException("md5EtagMaxSize must not be negative: " + md5EtagMaxSize);
    }
  }

  /** Options with MD5 ETags whatever the size. */
  public PutOptions(
      String contentType,
      Map<String, String> userMetadata,
      Map<String, String> attributes,
      WriteCondition condition) {
    this(contentType, userMetadata, attributes, condition, Long.MAX_VALUE);
  }

  /** A copy with another content type. */
  public PutOptions withContentType(String type) {
    return new PutOptions(type, userMetadata, attributes, condition, md5EtagMaxSize);
  }

  /** A copy with other user metadata. */
  public PutOptions withUserMetadata(Map<String, String> meta) {
    return new PutOptions(contentType, meta, attributes, condition, md5EtagMaxSize);
  }

  /** A copy with other system attributes. */
  public PutOptions withAttributes(Map<String, String> attrs) {
    return new PutOptions(contentType, userMetadata, attrs, condition, md5EtagMaxSize);
  }

  /** A copy whose objects above {@code max} bytes get checksum ETags (see the record). */
  public PutOptions withMd5EtagMaxSize(long max) {
    return new PutOptions(contentType, userMetadata, attributes, condition, max);
  }

  /** A copy with another condition. */
  public PutOptions withCondition(WriteCondition c) {
    return new PutOptions(contentType, userMetadata, attributes, c, md5EtagMaxSize);
  }
}
