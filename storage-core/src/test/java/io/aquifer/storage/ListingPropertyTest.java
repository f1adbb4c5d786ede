package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Listings with prefix, delimiter, start-after, max-keys and continuation match a simple model over
 * random key sets, with characters that sort around '/' (".", "0", "/" itself), a multi-byte
 * character and a supplementary one, so unsigned UTF-8 byte order is exercised. Keys under the
 * staged prefix are left out unless the query's prefix is under it too.
 */
class ListingPropertyTest {
  private static Path root;
  private static ObjectStore store;
  private static int bucketCounter;

  static final Comparator<String> UTF8 =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  @BeforeContainer
  static void open() throws Exception {
    root = Files.createTempDirectory("aquifer-listing");
    var c = TestStores.config(root, 1, 1, 0).withDurable(false);
    store = ObjectStores.open(c);
  }

  @AfterContainer
  static void close() throws Exception {
    store.close();
    TestStores.deleteTree(root);
  }

  @Provide
  Arbitrary<Set<String>> keys() {
    Arbitrary<String> key =
        Arbitraries.of(
                "a",
                "b",
                "/",
                ".",
                "0",
                "-",
                "é",
                "\uD83D\uDE00",
                "ab/",
                "a/b",
                ObjectStore.STAGED_KEY_PREFIX)
            .list()
            .ofMinSize(1)
            .ofMaxSize(5)
            .map(l -> String.join("", l));
    return key.set().ofMinSize(0).ofMaxSize(40);
  }

  @Provide
  Arbitrary<String> fragments() {
    return Arbitraries.of(
        "",
        "a",
        "a/",
        "b",
        "/",
        ".",
        "ab",
        "é",
        "a/b",
        "0",
        "-",
        ".aq",
        ObjectStore.STAGED_KEY_PREFIX);
  }

  @Property(tries = 200)
  void pagedListingMatchesModel(
      @ForAll("keys") Set<String> keys,
      @ForAll("fragments") String prefix,
      @ForAll("fragments") String delimiter,
      @ForAll("fragments") String startAfter,
      @ForAll("pageSizes") int maxKeys) {
    String bucket = "prop-" + (bucketCounter++);
    store.createBucket(bucket);
    for (String k : keys) {
      store.put(bucket, k, new byte[0], PutOptions.DEFAULT);
    }
    List<String> got = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      ListPage p = store.list(bucket, new ListQuery(prefix, delimiter, startAfter, token, maxKeys));
      assertEquals(true, p.objects().size() + p.commonPrefixes().size() <= maxKeys);
      // objects and prefixes interleave in key order in the model; merge them back
      List<String> page = new ArrayList<>();
      p.objects().forEach(o -> page.add(o.key()));
      page.addAll(p.commonPrefixes());
      page.sort(UTF8);
      got.addAll(page);
      token = p.nextToken();
      assertEquals(p.truncated(), token != null);
      pages++;
    } while (token != null && pages < 1000);
    assertEquals(model(keys, prefix, delimiter, startAfter), got);
    for (String k : keys) {
      store.delete(bucket, k);
    }
    store.deleteBucket(bucket);
  }

  @Provide
  Arbitrary<Integer> pageSizes() {
    return Arbitraries.integers().between(1, 7);
  }

  /** The whole listing, as S3 defines it, computed naively. */
  static List<String> model(Set<String> keys, String prefix, String delimiter, String startAfter) {
    TreeSet<String> out = new TreeSet<>(UTF8);
    for (String k : keys) {
      if (!k.startsWith(prefix)) {
        continue;
      }
      if (k.startsWith(ObjectStore.STAGED_KEY_PREFIX)
          && !prefix.startsWith(ObjectStore.STAGED_KEY_PREFIX)) {
        continue;
      }
      if (!startAfter.isEmpty() && UTF8.compare(k, startAfter) <= 0) {
        continue;
      }
      int i = delimiter.isEmpty() ? -1 : k.indexOf(delimiter, prefix.length());
      out.add(i >= 0 ? k.substring(0, i + delimiter.length()) : k);
    }
    return new ArrayList<>(out);
  }
}
