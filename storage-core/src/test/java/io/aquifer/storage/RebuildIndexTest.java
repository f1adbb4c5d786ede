package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rebuild-index after deleting the index restores every bucket and object. */
class RebuildIndexTest {
  @TempDir Path dir;

  @Test
  void restoresBucketsObjectsAndUploadsFromDrivesAlone() throws Exception {
    StorageConfig c = TestStores.config(dir, 4, 2, 2);
    Map<String, byte[]> objs = new LinkedHashMap<>();
    String openUpload;
    String openPartEtag;
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("one");
      s.createBucket("empty");
      for (int i = 0; i < 10; i++) {
        byte[] d = TestStores.random(i, i * 5000);
        s.put("one", "dir/k" + i, d, PutOptions.DEFAULT.withContentType("text/x" + i));
        objs.put("dir/k" + i, d);
      }
      byte[] newer = TestStores.random(100, 1234);
      s.put("one", "dir/k3", newer, PutOptions.DEFAULT);
      objs.put("dir/k3", newer);
      String up = s.createUpload("one", "multi", PutOptions.DEFAULT);
      byte[] p1 = TestStores.random(201, 6000);
      byte[] p2 = TestStores.random(202, 10);
      String e1;
      String e2;
      try (ObjectWriter w = s.newPartWriter("one", "multi", up, 1)) {
        w.write(p1, 0, p1.length);
        e1 = w.commit().etag();
      }
      try (ObjectWriter w = s.newPartWriter("one", "multi", up, 2)) {
        w.write(p2, 0, p2.length);
        e2 = w.commit().etag();
      }
      s.completeUpload(
          "one",
          "multi",
          up,
          List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
          WriteCondition.none());
      var whole = new java.io.ByteArrayOutputStream();
      whole.writeBytes(p1);
      whole.writeBytes(p2);
      objs.put("multi", whole.toByteArray());
      openUpload = s.createUpload("one", "pending", PutOptions.DEFAULT);
      try (ObjectWriter w = s.newPartWriter("one", "pending", openUpload, 1)) {
        w.write(new byte[7000], 0, 7000);
        openPartEtag = w.commit().etag();
      }
      s.delete("one", "dir/k9");
      objs.remove("dir/k9");
    }
    TestStores.deleteTree(c.indexDir());
    var refused = assertThrows(StorageException.class, () -> ObjectStores.open(c));
    assertTrue(refused.getMessage().contains("rebuild-index"), refused.getMessage());
    TestStores.deleteTree(c.indexDir());
    RebuildReport r = ObjectStores.rebuildIndex(c);
    assertEquals(2, r.buckets());
    assertEquals(objs.size(), r.objects());
    assertEquals(1, r.uploads());
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(
          List.of("empty", "one"), s.listBuckets().stream().map(BucketInfo::name).toList());
      for (var e : objs.entrySet()) {
        assertArrayEquals(e.getValue(), TestStores.readAll(s, "one", e.getKey()), e.getKey());
      }
      assertEquals("text/x4", s.head("one", "dir/k4").contentType());
      assertEquals(2, s.head("one", "multi").parts());
      assertEquals(objs.size(), s.list("one", ListQuery.prefix("")).objects().size());
      assertEquals(1, s.listParts("one", "pending", openUpload).size());
      ObjectInfo done =
          s.completeUpload(
              "one",
              "pending",
              openUpload,
              List.of(new CompletedPart(1, openPartEtag)),
              WriteCondition.none());
      assertEquals(7000, done.size());
      // writes keep working on the rebuilt index
      s.createBucket("after");
      s.put("after", "x", new byte[] {1}, PutOptions.DEFAULT);
    }
  }

  /**
   * Attributes changed after the write (a mount's chmod, chown, utimens) are restored by
   * rebuild-index, for shard, packed and multipart objects, also across renames before and after.
   */
  @Test
  void restoresAttributesChangedAfterTheWrite() throws Exception {
    StorageConfig c = TestStores.config(dir, 4, 2, 2);
    Map<String, Map<String, String>> want = new LinkedHashMap<>();
    try (ObjectStore s = ObjectStores.open(c)) {
      s.createBucket("attrs");
      PutOptions written = PutOptions.DEFAULT.withAttributes(Map.of("pfs-mode", "420"));
      s.put("attrs", "packed", TestStores.random(1, 100), written);
      s.put("attrs", "shards", TestStores.random(2, 300_000), written);
      String up = s.createUpload("attrs", "multi", written);
      String e1;
      try (ObjectWriter w = s.newPartWriter("attrs", "multi", up, 1)) {
        w.write(new byte[5000], 0, 5000);
        e1 = w.commit().etag();
      }
      s.completeUpload(
          "attrs", "multi", up, List.of(new CompletedPart(1, e1)), WriteCondition.none());
      for (String k : List.of("packed", "shards", "multi")) {
        long before = ((LocalObjectStore) s).meta("attrs", k).version();
        ObjectInfo i =
            s.updateAttributes(
                "attrs", k, Map.of("pfs-mode", "384", "pfs-uid", "1000"), java.util.Set.of());
        assertEquals(Map.of("pfs-mode", "384", "pfs-uid", "1000"), i.attributes());
        assertTrue(((LocalObjectStore) s).meta("attrs", k).version() > before, "a new version");
        want.put(k, i.attributes());
      }
      // renamed after the change: the new name keeps the changed attributes
      s.rename("attrs", "packed", "dir/packed", false);
      want.put("dir/packed", want.remove("packed"));
      // changed after a rename: the record at the new name carries them
      s.rename("attrs", "shards", "dir/shards", false);
      s.updateAttributes(
          "attrs", "dir/shards", Map.of("pfs-gid", "7"), java.util.Set.of("pfs-uid"));
      want.remove("shards");
      want.put("dir/shards", Map.of("pfs-mode", "384", "pfs-gid", "7"));
      // a change that changes nothing writes nothing and keeps the version
      long v = ((LocalObjectStore) s).meta("attrs", "multi").version();
      s.updateAttributes("attrs", "multi", Map.of("pfs-mode", "384"), java.util.Set.of());
      assertEquals(v, ((LocalObjectStore) s).meta("attrs", "multi").version());
      for (var e : want.entrySet()) {
        assertEquals(e.getValue(), s.head("attrs", e.getKey()).attributes(), e.getKey());
      }
    }
    TestStores.deleteTree(c.indexDir());
    ObjectStores.rebuildIndex(c);
    try (ObjectStore s = ObjectStores.open(c)) {
      assertEquals(
          List.copyOf(new java.util.TreeSet<>(want.keySet())),
          s.list("attrs", ListQuery.prefix("")).objects().stream().map(ObjectInfo::key).toList());
      for (var e : want.entrySet()) {
        assertEquals(e.getValue(), s.head("attrs", e.getKey()).attributes(), e.getKey());
      }
    }
  }

  /** A name record of format 1 (before attributes were recorded) still reads, as "as written". */
  @Test
  void readsNameRecordsOfTheFirstFormat() {
    byte[] id = TestStores.random(3, 16);
    byte[] body =
        MetaFormat.write(
            out -> {
              out.write(new byte[] {'A', 'Q', 'R', 'N', 1});
              MetaFormat.writeString(out, "b");
              MetaFormat.writeString(out, "k");
              out.writeLong(42);
            });
    var crc = new java.util.zip.CRC32C();
    crc.update(body);
    byte[] file =
        java.nio.ByteBuffer.allocate(body.length + 4)
            .put(body)
            .putInt((int) crc.getValue())
            .array();
    Renames.Name n = Renames.decode(id, file);
    assertEquals("k", n.key());
    assertEquals(42, n.version());
    assertEquals(null, n.attributes());
    Renames.Name now = new Renames.Name(id, "b", "k2", 43, Map.of("pfs-mode", "384"));
    assertEquals(now.attributes(), Renames.decode(id, Renames.encode(now)).attributes());
  }
}
