package io.aquifer.pfs;

import java.util.Objects;

/**
 * Who a connection acts as once it has authenticated.
 *
 * @param user the user name; buckets whose owner is this name are its own
 * @param root whether it may use every bucket
 */
public record PfsIdentity(String user, boolean root) {
  public PfsIdentity {
    Objects.requireNonNull(user, "user");
  }
}
