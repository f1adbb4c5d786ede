package io.aquifer.storage;

import java.time.Instant;
import java.util.Map;

/**
 * An uploaded part.
 *
 * @param partNumber 1 to 10000
 * @param size bytes
 * @param etag hex MD5 of the part, without quotes
 * @param modified when it was uploaded
 * @param attributes the system attributes given when the part's writer committed (for example its
 *     checksums)
 */
public record PartInfo(
    int partNumber, long size, String etag, Instant modified, Map<String, String> attributes) {

  /** Copies the map. */
  public PartInfo {
    attributes = Map.copyOf(attributes);
  }
}
