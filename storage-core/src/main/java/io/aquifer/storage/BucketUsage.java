package io.aquifer.storage;

/**
 * What a bucket holds: its committed objects and the sum of their sizes. Parts of multipart uploads
 * in progress are not counted; a completed upload counts with its final size.
 *
 * @param objects number of committed objects
 * @param bytes sum of their sizes
 */
public record BucketUsage(long objects, long bytes) {}
