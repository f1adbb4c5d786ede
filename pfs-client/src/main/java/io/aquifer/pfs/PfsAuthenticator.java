package io.aquifer.pfs;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the file service finds the users it authenticates: the same access keys and secrets as the
 * S3 gateway. The node adapts its user store to this; pfs-client knows nothing else of users.
 */
@FunctionalInterface
public interface PfsAuthenticator {

  /**
   * The user holding {@code accessKey}, or empty when the key is unknown. Called once per AUTH
   * request, from a virtual thread; it should be fast.
   */
  Optional<Credential> lookup(String accessKey);

  /**
   * A known access key.
   *
   * @param user the user name, as recorded in {@code BucketInfo.owner} of the buckets it owns
   * @param secretKey the secret access key (the HMAC key of the AUTH answer)
   * @param root whether the user administers the node: may use every bucket
   */
  record Credential(String user, String secretKey, boolean root) {
    public Credential {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(secretKey, "secretKey");
    }

    @Override
    public String toString() {
      return "Credential[user=" + user + ", root=" + root + "]"; // never the secret
    }
  }
}
