package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultipartTest {
  @TempDir Path dir;
  StorageConfig config;
  ObjectStore store;

  @BeforeEach
  void open() {
    config = TestStores.config(dir, 4, 2, 2); // min part size 5000
    store = ObjectStores.open(config);
    store.createBucket("mpu");
  }

  @AfterEach
  void close() {
    store.close();
  }

  static StatusCode status(Runnable r) {
    return assertThrows(StorageException.class, r::run).status();
  }

  private String part(String key, String upload, int n, byte[] data) {
    try (ObjectWriter w = store.newPartWriter("mpu", key, upload, n)) {
      w.write(data, 0, data.length);
      return w.commit().etag();
    }
  }

  @Test
  void completeJoinsPartsWithS3Etag() throws Exception {
    String up =
        store.createUpload(
            "mpu",
            "big",
            PutOptions.DEFAULT
                .withContentType("application/x-tar")
                .withUserMetadata(Map.of("k", "v")));
    byte[] p1 = TestStores.random(1, 9000);
    byte[] p2 = TestStores.random(2, 12000);
    byte[] p3 = TestStores.random(3, 100);
    String e1 = part("big", up, 1, p1);
    part("big", up, 2, TestStores.random(99, 6000)); // replaced below
    String e2 = part("big", up, 2, p2);
    String e3 = part("big", up, 3, p3);
    assertEquals(
        List.of(1, 2, 3),
        store.listParts("mpu", "big", up).stream().map(PartInfo::partNumber).toList());
    assertEquals(1, store.listUploads("mpu", "").size());
    ObjectInfo info =
        store.completeUpload(
            "mpu",
            "big",
            up,
            List.of(
                new CompletedPart(1, "\"" + e1 + "\""),
                new CompletedPart(2, e2),
                new CompletedPart(3, e3)),
            WriteCondition.none());
    MessageDigest md = MessageDigest.getInstance("MD5");
    for (String e : List.of(e1, e2, e3)) {
      md.update(HexFormat.of().parseHex(e));
    }
    assertEquals(HexFormat.of().formatHex(md.digest()) + "-3", info.etag());
    assertEquals(3, info.parts());
    assertEquals("application/x-tar", info.contentType());
    var all = new ByteArrayOutputStream();
    all.write(p1);
    all.write(p2);
    all.write(p3);
    byte[] whole = all.toByteArray();
    assertEquals(whole.length, store.head("mpu", "big").size());
    assertArrayEquals(whole, TestStores.readAll(store, "mpu", "big"));
    // ranges spanning part boundaries
    assertArrayEquals(
        Arrays.copyOfRange(whole, 8990, 9010), TestStores.readRange(store, "mpu", "big", 8990, 20));
    assertArrayEquals(
        Arrays.copyOfRange(whole, 20990, whole.length),
        TestStores.readRange(store, "mpu", "big", 20990, -1));
    assertEquals(0, store.listUploads("mpu", "").size());
    assertEquals(StatusCode.NO_SUCH_UPLOAD, status(() -> store.listParts("mpu", "big", up)));
    // replaced part 2 and the parts' records are gone; only the object's shards remain
    assertEquals(3 * 4, TestStores.shardFiles(config).size());
    store.delete("mpu", "big");
    assertEquals(0, TestStores.shardFiles(config).size());
  }

  @Test
  void completeRules() throws Exception {
    String up = store.createUpload("mpu", "k", PutOptions.DEFAULT);
    String e1 = part("k", up, 1, TestStores.random(1, 100)); // too small unless last
    String e2 = part("k", up, 2, TestStores.random(2, 6000));
    assertEquals(
        StatusCode.INVALID_PART,
        status(
            () ->
                store.completeUpload(
                    "mpu", "k", up, List.of(new CompletedPart(1, "beef")), WriteCondition.none())));
    assertEquals(
        StatusCode.INVALID_PART,
        status(
            () ->
                store.completeUpload(
                    "mpu", "k", up, List.of(new CompletedPart(7, e1)), WriteCondition.none())));
    assertEquals(
        StatusCode.INVALID_PART_ORDER,
        status(
            () ->
                store.completeUpload(
                    "mpu",
                    "k",
                    up,
                    List.of(new CompletedPart(2, e2), new CompletedPart(1, e1)),
                    WriteCondition.none())));
    assertEquals(
        StatusCode.ENTITY_TOO_SMALL,
        status(
            () ->
                store.completeUpload(
                    "mpu",
                    "k",
                    up,
                    List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
                    WriteCondition.none())));
    assertEquals(
        StatusCode.INVALID_ARGUMENT, status(() -> store.newPartWriter("mpu", "k", up, 10001)));
    assertEquals(
        StatusCode.NO_SUCH_UPLOAD,
        status(() -> store.newPartWriter("mpu", "k", "0".repeat(32), 1)));
    // a single small last part is fine; unlisted parts are discarded
    ObjectInfo done =
        store.completeUpload(
            "mpu", "k", up, List.of(new CompletedPart(1, e1)), WriteCondition.none());
    assertEquals(100, done.size());
    assertEquals(4, TestStores.shardFiles(config).size());
  }

  @Test
  void completeHonoursConditions() {
    store.put("mpu", "exists", new byte[] {1}, PutOptions.DEFAULT);
    String up = store.createUpload("mpu", "exists", PutOptions.DEFAULT);
    String e1 = part("exists", up, 1, TestStores.random(1, 100));
    assertEquals(
        StatusCode.PRECONDITION_FAILED,
        status(
            () ->
                store.completeUpload(
                    "mpu",
                    "exists",
                    up,
                    List.of(new CompletedPart(1, e1)),
                    WriteCondition.ifAbsent())));
    assertArrayEquals(new byte[] {1}, TestStores.readAll(store, "mpu", "exists"));
    // the upload is still there and can complete unconditionally
    store.completeUpload(
        "mpu", "exists", up, List.of(new CompletedPart(1, e1)), WriteCondition.none());
    assertEquals(100, store.head("mpu", "exists").size());
  }

  @Test
  void abortDiscardsParts() throws Exception {
    String up = store.createUpload("mpu", "gone", PutOptions.DEFAULT);
    part("gone", up, 1, TestStores.random(1, 7000));
    part("gone", up, 2, TestStores.random(2, 7000));
    assertEquals(StatusCode.BUCKET_NOT_EMPTY, status(() -> store.deleteBucket("mpu")));
    store.abortUpload("mpu", "gone", up);
    assertEquals(0, TestStores.shardFiles(config).size());
    assertEquals(StatusCode.NO_SUCH_UPLOAD, status(() -> store.abortUpload("mpu", "gone", up)));
    store.deleteBucket("mpu");
  }

  @Test
  void partAttributesReachCompleteAndTheObject() {
    String up = store.createUpload("mpu", "sums", PutOptions.DEFAULT);
    byte[] p1 = TestStores.random(11, 6000);
    byte[] p2 = TestStores.random(12, 10);
    String e1;
    try (ObjectWriter w = store.newPartWriter("mpu", "sums", up, 1)) {
      w.write(p1, 0, p1.length);
      e1 = w.commit(Map.of("crc", "one"), null).etag();
    }
    String e2;
    try (ObjectWriter w = store.newPartWriter("mpu", "sums", up, 2)) {
      w.write(p2, 0, p2.length);
      e2 = w.commit(Map.of("crc", "two"), null).etag();
    }
    assertEquals(
        List.of("one", "two"),
        store.listParts("mpu", "sums", up).stream().map(p -> p.attributes().get("crc")).toList());
    List<CompletedPart> parts = List.of(new CompletedPart(1, e1), new CompletedPart(2, e2));
    // a failing attribute function changes nothing
    assertThrows(
        IllegalStateException.class,
        () ->
            store.completeUpload(
                "mpu",
                "sums",
                up,
                parts,
                WriteCondition.none(),
                chosen -> {
                  throw new IllegalStateException("checksum mismatch");
                }));
    assertEquals(StatusCode.NO_SUCH_KEY, status(() -> store.head("mpu", "sums")));
    ObjectInfo info =
        store.completeUpload(
            "mpu",
            "sums",
            up,
            parts,
            WriteCondition.none(),
            chosen ->
                Map.of(
                    "all",
                    String.join(
                        ",", chosen.stream().map(p -> p.attributes().get("crc")).toList())));
    assertEquals("one,two", info.attributes().get("all"));
    assertEquals("one,two", store.head("mpu", "sums").attributes().get("all"));
  }
}
