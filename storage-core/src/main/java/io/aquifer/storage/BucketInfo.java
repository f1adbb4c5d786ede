package io.aquifer.storage;

import java.time.Instant;

/**
 * A bucket.
 *
 * @param name the bucket's name
 * @param created when it was created
 */
public record BucketInfo(String name, Instant created) {}
