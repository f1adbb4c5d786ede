package io.aquifer.gateway.auth;

import java.util.Objects;

/**
 * The result of authentication.
 *
 * @param accessKey the authenticated access key id, or null for an anonymous request (one without
 *     an Authorization header and without an {@code X-Amz-Signature} query parameter)
 * @param mode how the body is authenticated
 * @param payloadSha256 the lowercase hex SHA-256 the body must hash to when {@code mode} is {@link
 *     PayloadMode#SIGNED}, else null
 * @param chunkSigner the signer of the chunk and trailer signatures when {@code mode} is {@link
 *     PayloadMode#STREAMING_SIGNED} or {@link PayloadMode#STREAMING_SIGNED_TRAILER}, else null
 */
public record Principal(
    String accessKey, PayloadMode mode, String payloadSha256, ChunkSigner chunkSigner) {

  /** Checks that the payload fields fit the mode. */
  public Principal {
    Objects.requireNonNull(mode, "mode");
    if ((mode == PayloadMode.SIGNED) != (payloadSha256 != null)) {
      throw new IllegalArgumentException("payloadSha256 is required exactly for SIGNED");
    }
    if (mode.signedChunks() != (chunkSigner != null)) {
      throw new IllegalArgumentException("chunkSigner is required exactly for STREAMING_SIGNED*");
    }
  }

  /** True when the request carried no signature at all. */
  public boolean anonymous() {
    return accessKey == null;
  }
}
