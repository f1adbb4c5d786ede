package io.aquifer.bench.s3;

import java.util.ArrayList;
import java.util.List;

/** Reads the keys and the continuation token out of a ListObjectsV2 response body. */
final class Listing {
  private Listing() {}

  static List<String> keys(String xml) {
    List<String> keys = new ArrayList<>();
    int i = 0;
    while ((i = xml.indexOf("<Key>", i)) >= 0) {
      int j = xml.indexOf("</Key>", i);
      if (j < 0) {
        break;
      }
      keys.add(unescape(xml.substring(i + 5, j)));
      i = j;
    }
    return keys;
  }

  /** The NextContinuationToken when the listing is truncated, else null. */
  static String nextToken(String xml) {
    if (!xml.contains("<IsTruncated>true</IsTruncated>")) {
      return null;
    }
    int i = xml.indexOf("<NextContinuationToken>");
    int j = i < 0 ? -1 : xml.indexOf("</NextContinuationToken>", i);
    return j < 0 ? null : unescape(xml.substring(i + 23, j));
  }

  static String unescape(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
