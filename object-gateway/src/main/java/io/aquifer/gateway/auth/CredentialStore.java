package io.aquifer.gateway.auth;

import java.util.Optional;

/** Where secrets come from: the secret access key of each known access key id. */
public interface CredentialStore {
  /**
   * The secret key of {@code accessKey}, or empty when the access key is unknown. Called once per
   * authenticated request, from the network threads (the request's virtual thread, or the event
   * loop for GET and HEAD hits of the small-object cache): it must be fast and must not block.
   */
  Optional<String> secretKey(String accessKey);
}
