package io.aquifer.deploy.node;

import java.time.Instant;

/**
 * A user of the node: owns the buckets it creates.
 *
 * @param name unique name; {@code root} is the node's administrator
 * @param accessKey access key id, unique across users
 * @param secretKey secret access key
 * @param created when the user (or its current key) was created
 */
public record User(String name, String accessKey, String secretKey, Instant created) {
  /** The administrator's name. */
  public static final String ROOT = "root";

  /** Whether this is the root user. */
  public boolean root() {
    return name.equals(ROOT);
  }
}
