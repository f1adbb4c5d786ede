package io.aquifer.gateway.auth;

import java.util.Optional;

/** Where secrets come from: the secret access key of each known access key id. */
public interface CredentialStore {
  /**
   * The secret key of {@code accessKey}, or empty when the access key is unknown. Called once per
   * authenticated request, from the network threads: it must be fast and must not block.
   */
  Optional<String> secretKey(String accessKey);
}
