package io.aquifer.storage;

import java.time.Instant;
import java.util.Map;

/**
 * What the store knows about an object, without its bytes.
 *
 * @param bucket the bucket
 * @param key the key
 * @param size content length in bytes
 * @param etag the ETag without quotes: hex MD5 of the content, or for multipart objects the hex MD5
 *     of the concatenated binary part MD5s followed by {@code -N}
 * @param modified last modification time
 * @param contentType the content type, never null (defaults to {@code application/octet-stream})
 * @param userMetadata user metadata (S3 {@code x-amz-meta-*} without the prefix, keys lowercase)
 * @param attributes other system attributes stored verbatim (for example Cache-Control,
 *     Content-Disposition, checksums, POSIX mode); keys are chosen by front ends
 * @param parts number of parts for a multipart object, 0 for a single put
 * @param version a number that grows with every write of any key on this node
 */
public record ObjectInfo(
    String bucket,
    String key,
    long size,
    String etag,
    Instant modified,
    String contentType,
    Map<String, String> userMetadata,
    Map<String, String> attributes,
    int parts,
    long version) {

  /** Copies the maps. */
  public ObjectInfo {
    userMetadata = Map.copyOf(userMetadata);
    attributes = Map.copyOf(attributes);
  }
}
