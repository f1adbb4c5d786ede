package io.aquifer.pfs;

import java.util.List;

/**
 * One page of a directory listing.
 *
 * @param entries names in key order; keys that cannot be file names are left out, so a page may be
 *     shorter than asked, or empty, and still be followed by more
 * @param cookie where the next page starts, when {@code more}; else null
 * @param more whether more entries may follow
 */
public record DirPage(List<DirEntry> entries, String cookie, boolean more) {
  public DirPage {
    entries = List.copyOf(entries);
  }
}
