package io.aquifer.gateway.auth;

/**
 * Who an authenticated access key belongs to. Each user owns the buckets it creates; another user's
 * bucket answers AccessDenied, except to an administrator, who may use every bucket.
 */
public interface UserDirectory {
  /** Every access key is its own user and an administrator: no isolation (one-user gateways). */
  UserDirectory SINGLE_TENANT =
      new UserDirectory() {
        @Override
        public String userOf(String accessKey) {
          return accessKey;
        }

        @Override
        public boolean isAdmin(String user) {
          return true;
        }
      };

  /**
   * The user name of an access key the {@link CredentialStore} knows. Called once per request from
   * the request's thread, which may be a network event loop (GET and HEAD hits of the small-object
   * cache are answered there): must be fast and must not block. {@link #isAdmin} likewise.
   */
  String userOf(String accessKey);

  /**
   * Whether {@code user} administers the node: sees and may use every bucket, including buckets
   * without a recorded owner.
   */
  boolean isAdmin(String user);
}
