package io.aquifer.storage;

import java.time.Instant;
import java.util.Map;

/**
 * A multipart upload in progress.
 *
 * @param key the key it will complete to
 * @param uploadId its id
 * @param initiated when it was created
 * @param contentType the content type the object will get
 * @param userMetadata the user metadata the object will get
 * @param attributes the system attributes given at creation
 */
public record UploadInfo(
    String key,
    String uploadId,
    Instant initiated,
    String contentType,
    Map<String, String> userMetadata,
    Map<String, String> attributes) {

  /** Copies the maps. */
  public UploadInfo {
    userMetadata = Map.copyOf(userMetadata);
    attributes = Map.copyOf(attributes);
  }
}
