package io.aquifer.storage;

import java.util.List;
import java.util.Map;

/**
 * The index record of an object version.
 *
 * @param version grows with every write on this node; the highest wins in {@code rebuild-index}
 * @param size content length
 * @param etag ETag without quotes
 * @param mtimeMillis modification time
 * @param contentType content type, never null
 * @param userMetadata user metadata
 * @param attributes other system attributes
 * @param manifestId for a multipart object, the id of its manifest files; else null
 * @param segments the data, in order: one for a single put, one per part for multipart; empty for a
 *     packed object
 * @param packed for a packed (small) object, where its record copies are; else null
 */
record ObjectMeta(
    long version,
    long size,
    String etag,
    long mtimeMillis,
    String contentType,
    Map<String, String> userMetadata,
    Map<String, String> attributes,
    byte[] manifestId,
    List<DataRef> segments,
    PackedRef packed) {

  /** An object record of data in shard files (not packed). */
  ObjectMeta(
      long version,
      long size,
      String etag,
      long mtimeMillis,
      String contentType,
      Map<String, String> userMetadata,
      Map<String, String> attributes,
      byte[] manifestId,
      List<DataRef> segments) {
    this(
        version,
        size,
        etag,
        mtimeMillis,
        contentType,
        userMetadata,
        attributes,
        manifestId,
        segments,
        null);
  }

  ObjectMeta {
    userMetadata = Map.copyOf(userMetadata);
    attributes = Map.copyOf(attributes);
    segments = List.copyOf(segments);
  }

  /** The same record with another version (a rename). */
  ObjectMeta withVersion(long v) {
    return new ObjectMeta(
        v,
        size,
        etag,
        mtimeMillis,
        contentType,
        userMetadata,
        attributes,
        manifestId,
        segments,
        packed);
  }

  /** The same record with other attributes (a chmod, chown or utimens). */
  ObjectMeta withAttributes(Map<String, String> a) {
    return new ObjectMeta(
        version,
        size,
        etag,
        mtimeMillis,
        contentType,
        userMetadata,
        a,
        manifestId,
        segments,
        packed);
  }

  /** The same record with the packed data at other copies. */
  ObjectMeta withPacked(PackedRef p) {
    return new ObjectMeta(
        version,
        size,
        etag,
        mtimeMillis,
        contentType,
        userMetadata,
        attributes,
        manifestId,
        segments,
        p);
  }

  /** The public view. */
  ObjectInfo info(String bucket, String key) {
    return new ObjectInfo(
        bucket,
        key,
        size,
        etag,
        java.time.Instant.ofEpochMilli(mtimeMillis),
        contentType,
        userMetadata,
        attributes,
        manifestId == null ? 0 : segments.size(),
        version);
  }
}
