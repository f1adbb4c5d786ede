package io.aquifer.pfs;

/**
 * Space and objects as statfs reports them.
 *
 * @param totalBytes usable capacity: the online drives' space times k/(k+m), or the bucket's quota
 * @param freeBytes usable free space, at most what the quota leaves
 * @param files committed objects
 */
public record FsStats(long totalBytes, long freeBytes, long files) {}
