package io.aquifer.bench.s3;

import java.util.Map;
import java.util.TreeMap;

/** Builds query strings in SigV4 canonical form, which is also valid on the wire. */
final class Query {
  private Query() {}

  /** {@code name=value} pairs sorted by encoded name and joined with '&'; "" for none. */
  static String of(String... nameValues) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      sorted.put(
          SigV4Signer.encodeComponent(nameValues[i]),
          SigV4Signer.encodeComponent(nameValues[i + 1]));
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!b.isEmpty()) {
        b.append('&');
      }
      b.append(e.getKey()).append('=').append(e.getValue());
    }
    return b.toString();
  }
}
