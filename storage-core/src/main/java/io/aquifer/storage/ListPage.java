package io.aquifer.storage;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param objects objects, in key order
 * @param commonPrefixes common prefixes, in order, each ending with the delimiter
 * @param truncated whether more entries follow
 * @param nextToken an opaque token for the next page when truncated, else null
 */
public record ListPage(
    List<ObjectInfo> objects, List<String> commonPrefixes, boolean truncated, String nextToken) {

  /** Copies the lists. */
  public ListPage {
    objects = List.copyOf(objects);
    commonPrefixes = List.copyOf(commonPrefixes);
  }
}
