package io.aquifer.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A bucket.
 *
 * <p>Owner and quota live in the index only. Buckets created before owners existed, and every
 * bucket restored by {@code rebuild-index} (which recreates buckets from the drives' bucket markers
 * and the restored objects), have owner {@code ""} and {@link BucketQuota#NONE}; rebuild-index
 * recomputes each bucket's {@link BucketUsage} from the objects it restores.
 *
 * @param name the bucket's name
 * @param created when it was created
 * @param owner the name of the user that created it, {@code ""} when unknown
 * @param quota its limits, {@link BucketQuota#NONE} when it has none
 */
public record BucketInfo(String name, Instant created, String owner, BucketQuota quota) {
  /** Checks that no component is null. */
  public BucketInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(quota, "quota");
  }
}
