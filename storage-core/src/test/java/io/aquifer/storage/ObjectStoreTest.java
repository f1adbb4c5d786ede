package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectStoreTest {
  @TempDir Path dir;
  StorageConfig config;
  ObjectStore store;

  @BeforeEach
  void open() {
    config = TestStores.config(dir, 4, 2, 2);
    store = ObjectStores.open(config);
    store.createBucket("data");
  }

  @AfterEach
  void close() {
    store.close();
  }

  static StatusCode status(Runnable r) {
    return assertThrows(StorageException.class, r::run).status();
  }

  @Test
  void bucketsCreateListHeadDelete() {
    store.createBucket("alpha");
    assertEquals(
        List.of("alpha", "data"), store.listBuckets().stream().map(BucketInfo::name).toList());
    assertTrue(store.headBucket("alpha").isPresent());
    assertEquals(StatusCode.BUCKET_ALREADY_EXISTS, status(() -> store.createBucket("alpha")));
    store.put("alpha", "k", new byte[] {1}, PutOptions.DEFAULT);
    assertEquals(StatusCode.BUCKET_NOT_EMPTY, status(() -> store.deleteBucket("alpha")));
    store.delete("alpha", "k");
    store.deleteBucket("alpha");
    assertFalse(store.headBucket("alpha").isPresent());
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.deleteBucket("alpha")));
    assertEquals(StatusCode.NO_SUCH_BUCKET, status(() -> store.head("alpha", "k")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "UPPER", "-start", "end-", "a..b", "192.168.1.1", "under_score"})
  void badBucketNamesAreRejected(String name) {
    assertEquals(StatusCode.INVALID_BUCKET_NAME, status(() -> store.createBucket(name)));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 100, 4095, 4096, 8191, 8192, 8193, 3 * 8192 + 5000, 100_000})
  void roundTripsEverySize(int size) throws Exception {
    byte[] data = TestStores.random(size, size);
    ObjectInfo info = store.put("data", "obj", new ByteArrayInputStream(data), PutOptions.DEFAULT);
    assertEquals(size, info.size());
    assertEquals(TestStores.md5(data), info.etag());
    assertArrayEquals(data, TestStores.readAll(store, "data", "obj"));
    ObjectInfo head = store.head("data", "obj");
    assertEquals(size, head.size());
    assertEquals(info.etag(), head.etag());
    assertEquals("application/octet-stream", head.contentType());
  }

  @Test
  void rangesReturnExactBytes() {
    byte[] data = TestStores.random(7, 5 * 8192 + 123);
    store.put("data", "r", data, PutOptions.DEFAULT);
    long[][] ranges = {
      {0, 1},
      {0, 4096},
      {4095, 2},
      {8190, 10},
      {8192, 8192},
      {data.length - 1, 1},
      {100, -1},
      {40000, 5000},
      {0, data.length},
      {12345, 999_999}
    };
    for (long[] r : ranges) {
      int from = (int) r[0];
      int to = r[1] < 0 ? data.length : (int) Math.min(data.length, r[0] + r[1]);
      assertArrayEquals(
          Arrays.copyOfRange(data, from, to),
          TestStores.readRange(store, "data", "r", r[0], r[1]),
          "range " + Arrays.toString(r));
    }
    assertEquals(
        StatusCode.INVALID_RANGE, status(() -> store.get("data", "r", data.length, 1).close()));
  }

  @Test
  void metadataAndAttributesAreStored() {
    PutOptions o =
        PutOptions.DEFAULT
            .withContentType("text/plain")
            .withUserMetadata(Map.of("owner", "ml-team", "run", "42"))
            .withAttributes(Map.of("Cache-Control", "no-cache"));
    store.put("data", "m", "hello".getBytes(), o);
    ObjectInfo h = store.head("data", "m");
    assertEquals("text/plain", h.contentType());
    assertEquals(Map.of("owner", "ml-team", "run", "42"), h.userMetadata());
    assertEquals(Map.of("Cache-Control", "no-cache"), h.attributes());
    var big = PutOptions.DEFAULT.withUserMetadata(Map.of("x", "y".repeat(2048)));
    assertEquals(
        StatusCode.METADATA_TOO_LARGE, status(() -> store.put("data", "m2", new byte[1], big)));
  }

  @Test
  void keysAreValidated() {
    assertEquals(
        StatusCode.INVALID_KEY, status(() -> store.newWriter("data", "", PutOptions.DEFAULT)));
    assertEquals(
        StatusCode.INVALID_KEY,
        status(() -> store.newWriter("data", "x".repeat(1025), PutOptions.DEFAULT)));
    assertEquals(
        StatusCode.INVALID_KEY, status(() -> store.newWriter("data", "a\0b", PutOptions.DEFAULT)));
    assertEquals(
        StatusCode.INVALID_KEY,
        status(() -> store.newWriter("data", "bad\uD800", PutOptions.DEFAULT)));
    // keys that would be dangerous as paths are just keys
    store.put("data", "../../etc/passwd", new byte[] {1}, PutOptions.DEFAULT);
    store.put("data", "/abs//double/./dot", new byte[] {2}, PutOptions.DEFAULT);
    assertArrayEquals(new byte[] {1}, TestStores.readAll(store, "data", "../../etc/passwd"));
    assertArrayEquals(new byte[] {2}, TestStores.readAll(store, "data", "/abs//double/./dot"));
  }

  @Test
  void overwriteReplacesAndReclaimsOldData() throws Exception {
    store.put("data", "k", TestStores.random(1, 20000), PutOptions.DEFAULT);
    int files = TestStores.shardFiles(config).size();
    byte[] second = TestStores.random(2, 30000);
    store.put("data", "k", second, PutOptions.DEFAULT);
    assertArrayEquals(second, TestStores.readAll(store, "data", "k"));
    assertEquals(files, TestStores.shardFiles(config).size(), "old shards reclaimed");
    store.delete("data", "k");
    assertEquals(0, TestStores.shardFiles(config).size(), "deleted shards reclaimed");
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.head("data", "k")));
    store.delete("data", "k"); // deleting a missing key succeeds
  }

  @Test
  void readerKeepsItsVersionAcrossOverwriteAndDelete() throws Exception {
    byte[] first = TestStores.random(1, 50000);
    store.put("data", "k", first, PutOptions.DEFAULT);
    try (ObjectReader r = store.get("data", "k")) {
      store.put("data", "k", TestStores.random(2, 50000), PutOptions.DEFAULT);
      store.delete("data", "k");
      assertArrayEquals(first, r.asInputStream().readAllBytes());
    }
    assertEquals(0, TestStores.shardFiles(config).size(), "reclaimed when the reader closed");
  }

  @Test
  void conditionalWrites() {
    var ifAbsent = PutOptions.DEFAULT.withCondition(WriteCondition.ifAbsent());
    ObjectInfo first = store.put("data", "c", new byte[] {1}, ifAbsent);
    assertEquals(
        StatusCode.PRECONDITION_FAILED,
        status(() -> store.put("data", "c", new byte[] {2}, ifAbsent)));
    var wrongEtag = PutOptions.DEFAULT.withCondition(WriteCondition.ifMatches("\"0000\""));
    assertEquals(
        StatusCode.PRECONDITION_FAILED,
        status(() -> store.put("data", "c", new byte[] {3}, wrongEtag)));
    var rightEtag =
        PutOptions.DEFAULT.withCondition(WriteCondition.ifMatches("\"" + first.etag() + "\""));
    store.put("data", "c", new byte[] {4}, rightEtag);
    assertArrayEquals(new byte[] {4}, TestStores.readAll(store, "data", "c"));
    assertEquals(
        StatusCode.NO_SUCH_KEY,
        status(() -> store.put("data", "absent", new byte[] {5}, rightEtag)));
  }

  @Test
  void failedConditionStoresNothing() throws Exception {
    store.put("data", "c", new byte[] {1}, PutOptions.DEFAULT);
    int files = TestStores.shardFiles(config).size();
    var ifAbsent = PutOptions.DEFAULT.withCondition(WriteCondition.ifAbsent());
    status(() -> store.put("data", "c", TestStores.random(3, 30000), ifAbsent));
    assertEquals(files, TestStores.shardFiles(config).size());
  }

  @Test
  void abortedWriterLeavesNothing() throws Exception {
    try (ObjectWriter w = store.newWriter("data", "a", PutOptions.DEFAULT)) {
      w.write(TestStores.random(1, 40000), 0, 40000);
    }
    assertEquals(0, TestStores.shardFiles(config).size());
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.head("data", "a")));
  }

  @Test
  void copyKeepsOrReplacesMetadata() {
    byte[] data = TestStores.random(5, 33333);
    store.put(
        "data",
        "src",
        data,
        PutOptions.DEFAULT.withContentType("image/png").withUserMetadata(Map.of("a", "1")));
    store.createBucket("other");
    ObjectInfo c = store.copy("data", "src", "other", "dst", null);
    assertEquals("image/png", c.contentType());
    assertEquals(Map.of("a", "1"), c.userMetadata());
    assertArrayEquals(data, TestStores.readAll(store, "other", "dst"));
    ObjectInfo self =
        store.copy("data", "src", "data", "src", PutOptions.DEFAULT.withContentType("text/csv"));
    assertEquals("text/csv", self.contentType());
    assertEquals(TestStores.md5(data), self.etag());
    assertArrayEquals(data, TestStores.readAll(store, "data", "src"));
  }

  @Test
  void listingWithPrefixDelimiterAndPages() {
    for (String k : List.of("a/1", "a/2", "a/b/3", "b", "c/x", "c/y", "d")) {
      store.put("data", k, new byte[] {1}, PutOptions.DEFAULT);
    }
    ListPage all = store.list("data", new ListQuery("", "/", null, null, 1000));
    assertEquals(List.of("b", "d"), all.objects().stream().map(ObjectInfo::key).toList());
    assertEquals(List.of("a/", "c/"), all.commonPrefixes());
    ListPage a = store.list("data", new ListQuery("a/", "/", null, null, 1000));
    assertEquals(List.of("a/1", "a/2"), a.objects().stream().map(ObjectInfo::key).toList());
    assertEquals(List.of("a/b/"), a.commonPrefixes());
    ListPage p1 = store.list("data", new ListQuery("", "/", null, null, 2));
    assertTrue(p1.truncated());
    assertEquals(List.of("a/"), p1.commonPrefixes());
    assertEquals(List.of("b"), p1.objects().stream().map(ObjectInfo::key).toList());
    ListPage p2 = store.list("data", new ListQuery("", "/", null, p1.nextToken(), 2));
    assertEquals(List.of("c/"), p2.commonPrefixes());
    assertEquals(List.of("d"), p2.objects().stream().map(ObjectInfo::key).toList());
    assertFalse(p2.truncated());
    ListPage p3 = store.list("data", new ListQuery("", "/", null, null, 1));
    assertEquals(List.of("a/"), p3.commonPrefixes());
    ListPage p4 = store.list("data", new ListQuery("", "/", null, p3.nextToken(), 1));
    assertEquals(List.of("b"), p4.objects().stream().map(ObjectInfo::key).toList());
    assertEquals(0, store.list("data", new ListQuery("", null, null, null, 0)).objects().size());
    assertEquals(
        List.of("b", "c/x", "c/y", "d"),
        store.list("data", new ListQuery("", null, "a/b/3", null, 1000)).objects().stream()
            .map(ObjectInfo::key)
            .toList());
    assertEquals(
        StatusCode.INVALID_ARGUMENT,
        status(() -> store.list("data", new ListQuery("", null, null, "!!bad", 10))));
  }

  @Test
  void dataSurvivesReopen() {
    byte[] data = TestStores.random(9, 77777);
    store.put("data", "persist", data, PutOptions.DEFAULT);
    store.close();
    store = ObjectStores.open(config);
    assertArrayEquals(data, TestStores.readAll(store, "data", "persist"));
    assertEquals(List.of("data"), store.listBuckets().stream().map(BucketInfo::name).toList());
  }

  @Test
  void metadataStatsGrowWithTheIndex() {
    MetadataStats empty = store.metadataStats();
    for (int i = 0; i < 200; i++) {
      store.put("data", "key-" + i, new byte[] {1}, PutOptions.DEFAULT);
    }
    MetadataStats after = store.metadataStats();
    for (MetadataStats m : List.of(empty, after)) {
      assertTrue(m.liveDataBytes() >= 0, m::toString);
      assertTrue(m.pendingCompactionBytes() >= 0, m::toString);
      assertTrue(m.runningCompactions() >= 0, m::toString);
    }
    assertTrue(
        after.sstFilesBytes() + after.memtableBytes()
            > empty.sstFilesBytes() + empty.memtableBytes(),
        () -> empty + " -> " + after);
  }

  @Test
  void closedStoreAnswersStoreClosed() {
    store.close();
    assertEquals(StatusCode.STORE_CLOSED, status(() -> store.head("data", "x")));
    assertEquals(StatusCode.STORE_CLOSED, status(store::metadataStats));
    store = ObjectStores.open(config);
  }

  @Test
  void commitChecksTheExpectedMd5AndAddsAttributes() throws Exception {
    byte[] data = TestStores.random(5, 70_000);
    byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest(data);
    byte[] wrong = md5.clone();
    wrong[0] ^= 1;
    try (ObjectWriter w = store.newWriter("data", "digest", PutOptions.DEFAULT)) {
      w.write(data, 0, data.length);
      StorageException e =
          assertThrows(StorageException.class, () -> w.commit(Map.of("x", "1"), wrong));
      assertEquals(StatusCode.BAD_DIGEST, e.status());
    }
    assertEquals(
        StatusCode.NO_SUCH_KEY,
        assertThrows(StorageException.class, () -> store.head("data", "digest")).status());
    try (ObjectWriter w =
        store.newWriter("data", "digest", PutOptions.DEFAULT.withAttributes(Map.of("x", "0")))) {
      w.write(data, 0, data.length);
      ObjectInfo info = w.commit(Map.of("x", "1", "y", "2"), md5);
      assertEquals(Map.of("x", "1", "y", "2"), info.attributes());
    }
    assertEquals(Map.of("x", "1", "y", "2"), store.head("data", "digest").attributes());
  }

  @Test
  void updateAttributesKeepsDataAndEtag() throws Exception {
    byte[] data = TestStores.random(6, 3000);
    ObjectInfo put =
        store.put("data", "tagged", data, PutOptions.DEFAULT.withAttributes(Map.of("a", "1")));
    ObjectInfo up =
        store.updateAttributes("data", "tagged", Map.of("t", "v"), java.util.Set.of("a"));
    assertEquals(Map.of("t", "v"), up.attributes());
    ObjectInfo head = store.head("data", "tagged");
    assertEquals(Map.of("t", "v"), head.attributes());
    assertEquals(put.etag(), head.etag());
    assertTrue(head.version() > put.version(), "a change of attributes is a new version");
    try (ObjectReader r = store.get("data", "tagged")) {
      assertArrayEquals(data, r.asInputStream().readAllBytes());
    }
    assertEquals(
        StatusCode.NO_SUCH_KEY,
        assertThrows(
                StorageException.class,
                () -> store.updateAttributes("data", "nope", Map.of(), java.util.Set.of()))
            .status());
  }
}
