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
 */
public record PutOptions(
    String contentType,
    Map<String, String> userMetadata,
    Map<String, String> attributes,
    WriteCondition condition) {

  /** No metadata, unconditional. */
  public static final PutOptions DEFAULT =
      new PutOptions(null, Map.of(), Map.of(), WriteCondition.none());

  /** Copies the maps. */
  public PutOptions {
    userMetadata = Map.copyOf(userMetadata);
    attributes = Map.copyOf(attributes);
    condition = condition == null ? WriteCondition.none() : condition;
  }

  /** A copy with another content type. */
  public PutOptions withContentType(String type) {
    return new PutOptions(type, userMetadata, attributes, condition);
  }

  /** A copy with other user metadata. */
  public PutOptions withUserMetadata(Map<String, String> meta) {
    return new PutOptions(contentType, meta, attributes, condition);
  }

  /** A copy with other system attributes. */
  public PutOptions withAttributes(Map<String, String> attrs) {
    return new PutOptions(contentType, userMetadata, attrs, condition);
  }

  /** A copy with another condition. */
  public PutOptions withCondition(WriteCondition c) {
    return new PutOptions(contentType, userMetadata, attributes, c);
  }
}
