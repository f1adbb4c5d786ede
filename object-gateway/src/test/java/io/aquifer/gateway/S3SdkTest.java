package io.aquifer.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.ObjectStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** The gateway driven by the AWS SDK for Java v2 (sync and async) over loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3SdkTest {
  @TempDir static Path dir;
  GatewayFixture fx;
  S3Client s3;

  @BeforeAll
  void start() {
    fx = new GatewayFixture(dir);
    s3 = fx.client();
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static S3Exception s3error(Runnable r) {
    return assertThrows(S3Exception.class, r::run);
  }

  static void assertError(String code, int status, Runnable r) {
    S3Exception e = s3error(r);
    assertEquals(status, e.statusCode(), e.toString());
    if (code != null) {
      assertEquals(code, e.awsErrorDetails().errorCode(), e.toString());
    }
    assertNotNull(e.requestId());
  }

  private byte[] get(String bucket, String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  // ---- buckets

  @Test
  void bucketLifecycle() {
    s3.createBucket(b -> b.bucket("life"));
    assertTrue(s3.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("life")));
    s3.headBucket(b -> b.bucket("life"));
    assertError("BucketAlreadyOwnedByYou", 409, () -> s3.createBucket(b -> b.bucket("life")));
    s3.putObject(b -> b.bucket("life").key("x"), RequestBody.fromString("x"));
    assertError("BucketNotEmpty", 409, () -> s3.deleteBucket(b -> b.bucket("life")));
    s3.deleteObject(b -> b.bucket("life").key("x"));
    s3.deleteBucket(b -> b.bucket("life"));
    assertError(null, 404, () -> s3.headBucket(b -> b.bucket("life")));
    assertError("NoSuchBucket", 404, () -> s3.deleteBucket(b -> b.bucket("life")));
    assertError("NoSuchBucket", 404, () -> s3.listObjectsV2(b -> b.bucket("missing-bucket")));
  }

  @Test
  void bucketLocationAndConstraint() {
    s3.createBucket(
        b -> b.bucket("located").createBucketConfiguration(c -> c.locationConstraint("us-east-1")));
    var loc = s3.getBucketLocation(b -> b.bucket("located"));
    assertTrue(
        loc.locationConstraintAsString() == null || loc.locationConstraintAsString().isEmpty());
    assertError(
        "InvalidArgument",
        400,
        () ->
            s3.createBucket(
                b ->
                    b.bucket("elsewhere")
                        .createBucketConfiguration(c -> c.locationConstraint("eu-west-1"))));
  }

  @Test
  void unsupportedOperationsSayNotImplemented() {
    s3.createBucket(b -> b.bucket("notimpl"));
    assertError("NotImplemented", 501, () -> s3.getBucketAcl(b -> b.bucket("notimpl")));
    assertError("NotImplemented", 501, () -> s3.getBucketPolicy(b -> b.bucket("notimpl")));
    assertError("NotImplemented", 501, () -> s3.listObjectVersions(b -> b.bucket("notimpl")));
  }

  // ---- objects

  @Test
  void putGetHeadWithMetadata() {
    s3.createBucket(b -> b.bucket("objs"));
    byte[] data = random(1, 100_000);
    PutObjectResponse put =
        s3.putObject(
            b ->
                b.bucket("objs")
                    .key("dir/file.bin")
                    .contentType("application/x-test")
                    .cacheControl("max-age=60")
                    .contentDisposition("attachment")
                    .contentLanguage("en")
                    .metadata(Map.of("owner", "alice", "n", "1")),
            RequestBody.fromBytes(data));
    ResponseBytes<GetObjectResponse> got =
        s3.getObjectAsBytes(b -> b.bucket("objs").key("dir/file.bin"));
    assertArrayEquals(data, got.asByteArray());
    assertEquals(put.eTag(), got.response().eTag());
    assertEquals("application/x-test", got.response().contentType());
    assertEquals("max-age=60", got.response().cacheControl());
    assertEquals("attachment", got.response().contentDisposition());
    assertEquals("en", got.response().contentLanguage());
    assertEquals(Map.of("owner", "alice", "n", "1"), got.response().metadata());
    HeadObjectResponse head = s3.headObject(b -> b.bucket("objs").key("dir/file.bin"));
    assertEquals(100_000L, head.contentLength());
    assertEquals(put.eTag(), head.eTag());
    assertError("NoSuchKey", 404, () -> get("objs", "nope"));
    assertError(null, 404, () -> s3.headObject(b -> b.bucket("objs").key("nope")));
    // empty object
    s3.putObject(b -> b.bucket("objs").key("empty"), RequestBody.empty());
    assertEquals(0, get("objs", "empty").length);
    assertEquals(
        "\"d41d8cd98f00b204e9800998ecf8427e\"",
        s3.headObject(b -> b.bucket("objs").key("empty")).eTag());
  }

  @Test
  void largeObjectStreamsBothWays() {
    s3.createBucket(b -> b.bucket("large"));
    byte[] data = random(2, 20 << 20);
    s3.putObject(b -> b.bucket("large").key("big"), RequestBody.fromBytes(data));
    assertArrayEquals(data, get("large", "big"));
  }

  @Test
  void keysWithAwkwardCharacters() {
    s3.createBucket(b -> b.bucket("keys"));
    List<String> keys =
        List.of(
            "a b+c",
            "ü/ñ/é.txt",
            "x%41y",
            "semi;colon=eq&amp",
            "tilde~star*",
            "./dot",
            "q?x=1",
            "emoji-\uD83D\uDE00",
            "back\\slash",
            "a//b",
            "/leading",
            "//two-leading",
            "trailing/",
            "a/./b",
            "a/../b",
            "../up",
            "a///b//",
            "space in key",
            "plus+sign",
            "per%cent",
            "%2F-literal",
            "unicode-\u65e5\u672c-\u00e9");
    for (String k : keys) {
      try {
        s3.putObject(b -> b.bucket("keys").key(k), RequestBody.fromString(k));
      } catch (S3Exception e) {
        throw new AssertionError("put of key '" + k + "' failed", e);
      }
      assertEquals(k, new String(get("keys", k), java.nio.charset.StandardCharsets.UTF_8), k);
      // the stored key is exactly the client's key
      assertEquals(k, fx.store.head("keys", k).key(), k);
      assertEquals(
          k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
          s3.headObject(b -> b.bucket("keys").key(k)).contentLength(),
          k);
    }
    // the same keys through the async (Netty) client, which sends "//" as it is
    var async = fx.asyncClient();
    for (String k : List.of("async//x", "/async-leading")) {
      async.putObject(b -> b.bucket("keys").key(k), AsyncRequestBody.fromString(k)).join();
      assertEquals(k, new String(get("keys", k), java.nio.charset.StandardCharsets.UTF_8), k);
      s3.deleteObject(b -> b.bucket("keys").key(k));
    }
    ListObjectsV2Response l = s3.listObjectsV2(b -> b.bucket("keys"));
    List<String> listed = l.contents().stream().map(S3Object::key).toList();
    List<String> sorted = new ArrayList<>(keys);
    sorted.sort(
        (a, b) ->
            java.util.Arrays.compareUnsigned(
                a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(sorted, listed);
    String longKey = "k".repeat(1025);
    assertError(
        "KeyTooLongError",
        400,
        () -> s3.putObject(b -> b.bucket("keys").key(longKey), RequestBody.fromString("x")));
    // the file service's staged keys cannot be created over S3 (it removes those a crash left)
    String staged = ObjectStore.STAGED_KEY_PREFIX + "x";
    assertError(
        "InvalidArgument",
        400,
        () -> s3.putObject(b -> b.bucket("keys").key(staged), RequestBody.fromString("x")));
    assertError(
        "InvalidArgument", 400, () -> s3.createMultipartUpload(b -> b.bucket("keys").key(staged)));
    assertError(
        "InvalidArgument",
        400,
        () ->
            s3.copyObject(
                b ->
                    b.sourceBucket("keys")
                        .sourceKey(sorted.get(0))
                        .destinationBucket("keys")
                        .destinationKey(staged)));
    assertTrue(s3.listObjectsV2(b -> b.bucket("keys").prefix(staged)).contents().isEmpty());
  }

  @Test
  void ranges() {
    s3.createBucket(b -> b.bucket("ranges"));
    byte[] data = random(3, 10_000);
    s3.putObject(b -> b.bucket("ranges").key("r"), RequestBody.fromBytes(data));
    ResponseBytes<GetObjectResponse> r =
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r").range("bytes=100-199"));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 200), r.asByteArray());
    assertEquals("bytes 100-199/10000", r.response().contentRange());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 9_990, 10_000),
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r").range("bytes=-10")).asByteArray());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 9_000, 10_000),
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r").range("bytes=9000-")).asByteArray());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 9_000, 10_000),
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r").range("bytes=9000-99999"))
            .asByteArray());
    assertError(
        "InvalidRange",
        416,
        () -> s3.getObjectAsBytes(b -> b.bucket("ranges").key("r").range("bytes=10000-")));
  }

  @Test
  void conditionalGets() {
    s3.createBucket(b -> b.bucket("cond"));
    String etag =
        s3.putObject(b -> b.bucket("cond").key("c"), RequestBody.fromString("hello")).eTag();
    assertEquals(
        "hello", s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifMatch(etag)).asUtf8String());
    assertError(
        "PreconditionFailed",
        412,
        () -> s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifMatch("\"nope\"")));
    assertError(
        null, 304, () -> s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifNoneMatch(etag)));
    Instant future = Instant.now().plusSeconds(3600);
    Instant past = Instant.now().minusSeconds(3600);
    assertError(
        null,
        304,
        () -> s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifModifiedSince(future)));
    assertError(
        "PreconditionFailed",
        412,
        () -> s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifUnmodifiedSince(past)));
    // If-Match true wins over If-Unmodified-Since false, as in S3
    assertEquals(
        "hello",
        s3.getObjectAsBytes(b -> b.bucket("cond").key("c").ifMatch(etag).ifUnmodifiedSince(past))
            .asUtf8String());
  }

  @Test
  void conditionalWrites() {
    s3.createBucket(b -> b.bucket("cwr"));
    s3.putObject(b -> b.bucket("cwr").key("k").ifNoneMatch("*"), RequestBody.fromString("1"));
    assertError(
        "PreconditionFailed",
        412,
        () ->
            s3.putObject(
                b -> b.bucket("cwr").key("k").ifNoneMatch("*"), RequestBody.fromString("2")));
    String etag = s3.headObject(b -> b.bucket("cwr").key("k")).eTag();
    s3.putObject(b -> b.bucket("cwr").key("k").ifMatch(etag), RequestBody.fromString("3"));
    assertError(
        "PreconditionFailed",
        412,
        () ->
            s3.putObject(b -> b.bucket("cwr").key("k").ifMatch(etag), RequestBody.fromString("4")));
    assertEquals("3", new String(get("cwr", "k"), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void copyObject() {
    s3.createBucket(b -> b.bucket("copy"));
    byte[] data = random(4, 50_000);
    s3.putObject(
        b -> b.bucket("copy").key("src").contentType("text/plain").metadata(Map.of("a", "1")),
        RequestBody.fromBytes(data));
    CopyObjectResponse c =
        s3.copyObject(
            b ->
                b.sourceBucket("copy")
                    .sourceKey("src")
                    .destinationBucket("copy")
                    .destinationKey("dst"));
    assertNotNull(c.copyObjectResult().eTag());
    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("copy").key("dst"));
    assertArrayEquals(data, got.asByteArray());
    assertEquals(Map.of("a", "1"), got.response().metadata());
    assertEquals("text/plain", got.response().contentType());
    s3.copyObject(
        b ->
            b.sourceBucket("copy")
                .sourceKey("src")
                .destinationBucket("copy")
                .destinationKey("dst2")
                .metadataDirective(MetadataDirective.REPLACE)
                .contentType("application/json")
                .metadata(Map.of("b", "2")));
    HeadObjectResponse h2 = s3.headObject(b -> b.bucket("copy").key("dst2"));
    assertEquals(Map.of("b", "2"), h2.metadata());
    assertEquals("application/json", h2.contentType());
    assertError(
        "InvalidRequest",
        400,
        () ->
            s3.copyObject(
                b ->
                    b.sourceBucket("copy")
                        .sourceKey("src")
                        .destinationBucket("copy")
                        .destinationKey("src")));
    s3.copyObject(
        b ->
            b.sourceBucket("copy")
                .sourceKey("src")
                .destinationBucket("copy")
                .destinationKey("src")
                .metadataDirective(MetadataDirective.REPLACE)
                .metadata(Map.of("c", "3")));
    assertEquals(Map.of("c", "3"), s3.headObject(b -> b.bucket("copy").key("src")).metadata());
    assertError(
        "PreconditionFailed",
        412,
        () ->
            s3.copyObject(
                b ->
                    b.sourceBucket("copy")
                        .sourceKey("src")
                        .destinationBucket("copy")
                        .destinationKey("dst3")
                        .copySourceIfMatch("\"0000\"")));
    assertError(
        "NoSuchKey",
        404,
        () ->
            s3.copyObject(
                b ->
                    b.sourceBucket("copy")
                        .sourceKey("missing")
                        .destinationBucket("copy")
                        .destinationKey("dst4")));
  }

  @Test
  void deleteObjectsBatch() {
    s3.createBucket(b -> b.bucket("batch"));
    List<ObjectIdentifier> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String k = "k" + i;
      s3.putObject(b -> b.bucket("batch").key(k), RequestBody.fromString(k));
      ids.add(ObjectIdentifier.builder().key(k).build());
    }
    DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.objects(ids)));
    assertEquals(30, r.deleted().size());
    assertTrue(r.errors().isEmpty());
    assertEquals(0, s3.listObjectsV2(b -> b.bucket("batch")).keyCount());
    DeleteObjectsResponse quiet =
        s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.objects(ids).quiet(true)));
    assertTrue(quiet.deleted().isEmpty());
  }

  @Test
  void listingV1AndV2() {
    s3.createBucket(b -> b.bucket("list"));
    for (String k : List.of("a/1", "a/2", "a/b/3", "b", "c/x", "c/y", "d")) {
      s3.putObject(b -> b.bucket("list").key(k), RequestBody.fromString(k));
    }
    ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("list").delimiter("/"));
    assertEquals(List.of("b", "d"), top.contents().stream().map(S3Object::key).toList());
    assertEquals(
        List.of("a/", "c/"), top.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    // paging with max-keys 2 walks everything exactly once
    List<String> seen = new ArrayList<>();
    for (var page : s3.listObjectsV2Paginator(b -> b.bucket("list").delimiter("/").maxKeys(2))) {
      page.contents().forEach(o -> seen.add(o.key()));
      page.commonPrefixes().forEach(p -> seen.add(p.prefix()));
    }
    seen.sort(null);
    assertEquals(List.of("a/", "b", "c/", "d"), seen);
    List<String> v1 = new ArrayList<>();
    String marker = null;
    do {
      String m = marker;
      ListObjectsResponse page =
          s3.listObjects(b -> b.bucket("list").delimiter("/").maxKeys(1).marker(m));
      page.contents().forEach(o -> v1.add(o.key()));
      page.commonPrefixes().forEach(p -> v1.add(p.prefix()));
      marker = page.isTruncated() ? page.nextMarker() : null;
    } while (marker != null);
    v1.sort(null);
    assertEquals(List.of("a/", "b", "c/", "d"), v1);
    ListObjectsV2Response zero = s3.listObjectsV2(b -> b.bucket("list").maxKeys(0));
    assertEquals(0, zero.keyCount());
    assertFalse(zero.isTruncated());
    ListObjectsV2Response after = s3.listObjectsV2(b -> b.bucket("list").startAfter("b"));
    assertEquals(List.of("c/x", "c/y", "d"), after.contents().stream().map(S3Object::key).toList());
    ListObjectsV2Response pre = s3.listObjectsV2(b -> b.bucket("list").prefix("a/"));
    assertEquals(3, pre.keyCount());
    ListObjectsV2Response owner = s3.listObjectsV2(b -> b.bucket("list").fetchOwner(true));
    assertEquals(GatewayFixture.ACCESS, owner.contents().get(0).owner().id());
  }

  // ---- checksums

  @ParameterizedTest
  @EnumSource(
      value = ChecksumAlgorithm.class,
      names = {"CRC32", "CRC32_C", "CRC64_NVME", "SHA1", "SHA256"})
  void putWithEachChecksumIsStoredAndReturned(ChecksumAlgorithm alg) {
    s3.createBucket(b -> b.bucket("sum-" + alg.name().toLowerCase().replace("_", "")));
    String bucket = "sum-" + alg.name().toLowerCase().replace("_", "");
    byte[] data = random(5, 300_000);
    for (S3Client client : List.of(s3, fx.signedPayloadClient())) {
      PutObjectResponse put =
          client.putObject(
              b -> b.bucket(bucket).key("k").checksumAlgorithm(alg), RequestBody.fromBytes(data));
      ResponseBytes<GetObjectResponse> got =
          client.getObjectAsBytes(
              b -> b.bucket(bucket).key("k").checksumMode(ChecksumMode.ENABLED));
      assertArrayEquals(data, got.asByteArray());
      String sent =
          switch (alg) {
            case CRC32 -> put.checksumCRC32();
            case CRC32_C -> put.checksumCRC32C();
            case CRC64_NVME -> put.checksumCRC64NVME();
            case SHA1 -> put.checksumSHA1();
            case SHA256 -> put.checksumSHA256();
            default -> throw new AssertionError(alg);
          };
      String back =
          switch (alg) {
            case CRC32 -> got.response().checksumCRC32();
            case CRC32_C -> got.response().checksumCRC32C();
            case CRC64_NVME -> got.response().checksumCRC64NVME();
            case SHA1 -> got.response().checksumSHA1();
            case SHA256 -> got.response().checksumSHA256();
            default -> throw new AssertionError(alg);
          };
      assertNotNull(sent);
      assertEquals(sent, back);
    }
  }

  @Test
  void asyncClientPutsAndGets() throws Exception {
    var async = fx.asyncClient();
    async.createBucket(b -> b.bucket("async")).get();
    byte[] data = random(6, 3 << 20);
    async
        .putObject(
            b -> b.bucket("async").key("k").checksumAlgorithm(ChecksumAlgorithm.CRC32),
            AsyncRequestBody.fromBytes(data))
        .get();
    byte[] back =
        async
            .getObject(b -> b.bucket("async").key("k"), AsyncResponseTransformer.toBytes())
            .get()
            .asByteArray();
    assertArrayEquals(data, back);
  }

  // ---- multipart

  private List<CompletedPart> uploadParts(
      String bucket, String key, String id, byte[] data, int partSize, ChecksumAlgorithm alg) {
    List<CompletedPart> parts = new ArrayList<>();
    for (int off = 0, n = 1; off < data.length; off += partSize, n++) {
      int len = Math.min(partSize, data.length - off);
      int pn = n;
      UploadPartResponse r =
          s3.uploadPart(
              b -> {
                b.bucket(bucket).key(key).uploadId(id).partNumber(pn);
                if (alg != null) {
                  b.checksumAlgorithm(alg);
                }
              },
              RequestBody.fromBytes(java.util.Arrays.copyOfRange(data, off, off + len)));
      parts.add(
          CompletedPart.builder()
              .partNumber(pn)
              .eTag(r.eTag())
              .checksumCRC32(r.checksumCRC32())
              .checksumCRC64NVME(r.checksumCRC64NVME())
              .checksumSHA256(r.checksumSHA256())
              .build());
    }
    return parts;
  }

  @Test
  void multipartCompositeCrc32() {
    s3.createBucket(b -> b.bucket("mpu"));
    byte[] data = random(7, 11 << 20);
    CreateMultipartUploadResponse c =
        s3.createMultipartUpload(
            b -> b.bucket("mpu").key("obj").checksumAlgorithm(ChecksumAlgorithm.CRC32));
    List<CompletedPart> parts =
        uploadParts("mpu", "obj", c.uploadId(), data, 5 << 20, ChecksumAlgorithm.CRC32);
    ListPartsResponse lp = s3.listParts(b -> b.bucket("mpu").key("obj").uploadId(c.uploadId()));
    assertEquals(3, lp.parts().size());
    assertNotNull(lp.parts().get(0).checksumCRC32());
    assertTrue(
        s3.listMultipartUploads(b -> b.bucket("mpu")).uploads().stream()
            .anyMatch(u -> u.uploadId().equals(c.uploadId())));
    CompleteMultipartUploadResponse done =
        s3.completeMultipartUpload(
            b ->
                b.bucket("mpu")
                    .key("obj")
                    .uploadId(c.uploadId())
                    .multipartUpload(m -> m.parts(parts)));
    assertTrue(done.eTag().endsWith("-3\""), done.eTag());
    assertTrue(done.checksumCRC32().endsWith("-3"), done.checksumCRC32());
    assertEquals(ChecksumType.COMPOSITE, done.checksumType());
    assertArrayEquals(data, get("mpu", "obj"));
    HeadObjectResponse h =
        s3.headObject(b -> b.bucket("mpu").key("obj").checksumMode(ChecksumMode.ENABLED));
    assertEquals(done.checksumCRC32(), h.checksumCRC32());
    // partNumber reads one part
    ResponseBytes<GetObjectResponse> p2 =
        s3.getObjectAsBytes(b -> b.bucket("mpu").key("obj").partNumber(2));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 5 << 20, 10 << 20), p2.asByteArray());
    assertEquals(3, p2.response().partsCount());
  }

  @Test
  void multipartFullObjectCrc64() {
    s3.createBucket(b -> b.bucket("mpu64"));
    byte[] data = random(8, 12 << 20);
    CreateMultipartUploadResponse c =
        s3.createMultipartUpload(
            b -> b.bucket("mpu64").key("obj").checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME));
    List<CompletedPart> parts =
        uploadParts("mpu64", "obj", c.uploadId(), data, 5 << 20, ChecksumAlgorithm.CRC64_NVME);
    CompleteMultipartUploadResponse done =
        s3.completeMultipartUpload(
            b ->
                b.bucket("mpu64")
                    .key("obj")
                    .uploadId(c.uploadId())
                    .multipartUpload(m -> m.parts(parts)));
    assertEquals(ChecksumType.FULL_OBJECT, done.checksumType());
    // the full-object CRC equals the CRC64NVME of the whole content, as a single PUT reports it
    PutObjectResponse single =
        s3.putObject(
            b -> b.bucket("mpu64").key("single").checksumAlgorithm(ChecksumAlgorithm.CRC64_NVME),
            RequestBody.fromBytes(data));
    assertEquals(single.checksumCRC64NVME(), done.checksumCRC64NVME());
    assertArrayEquals(data, get("mpu64", "obj"));
  }

  @Test
  void multipartRulesAndErrors() {
    s3.createBucket(b -> b.bucket("mpuerr"));
    String id = s3.createMultipartUpload(b -> b.bucket("mpuerr").key("o")).uploadId();
    byte[] small = random(9, 1000);
    String e1 =
        s3.uploadPart(
                b -> b.bucket("mpuerr").key("o").uploadId(id).partNumber(1),
                RequestBody.fromBytes(small))
            .eTag();
    String e2 =
        s3.uploadPart(
                b -> b.bucket("mpuerr").key("o").uploadId(id).partNumber(2),
                RequestBody.fromBytes(small))
            .eTag();
    assertError(
        "EntityTooSmall",
        400,
        () ->
            s3.completeMultipartUpload(
                b ->
                    b.bucket("mpuerr")
                        .key("o")
                        .uploadId(id)
                        .multipartUpload(
                            m ->
                                m.parts(
                                    CompletedPart.builder().partNumber(1).eTag(e1).build(),
                                    CompletedPart.builder().partNumber(2).eTag(e2).build()))));
    assertError(
        "InvalidPartOrder",
        400,
        () ->
            s3.completeMultipartUpload(
                b ->
                    b.bucket("mpuerr")
                        .key("o")
                        .uploadId(id)
                        .multipartUpload(
                            m ->
                                m.parts(
                                    CompletedPart.builder().partNumber(2).eTag(e2).build(),
                                    CompletedPart.builder().partNumber(1).eTag(e1).build()))));
    assertError(
        "InvalidPart",
        400,
        () ->
            s3.completeMultipartUpload(
                b ->
                    b.bucket("mpuerr")
                        .key("o")
                        .uploadId(id)
                        .multipartUpload(
                            m ->
                                m.parts(
                                    CompletedPart.builder()
                                        .partNumber(1)
                                        .eTag("\"00\"")
                                        .build()))));
    assertError(
        "NoSuchUpload",
        404,
        () ->
            s3.uploadPart(
                b -> b.bucket("mpuerr").key("o").uploadId("0".repeat(32)).partNumber(1),
                RequestBody.fromBytes(small)));
    s3.abortMultipartUpload(b -> b.bucket("mpuerr").key("o").uploadId(id));
    assertError(
        "NoSuchUpload", 404, () -> s3.listParts(b -> b.bucket("mpuerr").key("o").uploadId(id)));
  }

  @Test
  void uploadPartCopyWithRange() {
    s3.createBucket(b -> b.bucket("upc"));
    byte[] data = random(10, 12 << 20);
    s3.putObject(b -> b.bucket("upc").key("src"), RequestBody.fromBytes(data));
    String id = s3.createMultipartUpload(b -> b.bucket("upc").key("dst")).uploadId();
    var p1 =
        s3.uploadPartCopy(
            b ->
                b.sourceBucket("upc")
                    .sourceKey("src")
                    .destinationBucket("upc")
                    .destinationKey("dst")
                    .uploadId(id)
                    .partNumber(1)
                    .copySourceRange("bytes=0-" + ((6 << 20) - 1)));
    var p2 =
        s3.uploadPartCopy(
            b ->
                b.sourceBucket("upc")
                    .sourceKey("src")
                    .destinationBucket("upc")
                    .destinationKey("dst")
                    .uploadId(id)
                    .partNumber(2)
                    .copySourceRange("bytes=" + (6 << 20) + "-" + ((12 << 20) - 1)));
    s3.completeMultipartUpload(
        b ->
            b.bucket("upc")
                .key("dst")
                .uploadId(id)
                .multipartUpload(
                    m ->
                        m.parts(
                            CompletedPart.builder()
                                .partNumber(1)
                                .eTag(p1.copyPartResult().eTag())
                                .build(),
                            CompletedPart.builder()
                                .partNumber(2)
                                .eTag(p2.copyPartResult().eTag())
                                .build())));
    assertArrayEquals(data, get("upc", "dst"));
  }

  // ---- tagging

  @Test
  void tagging() {
    s3.createBucket(b -> b.bucket("tags"));
    s3.putObject(b -> b.bucket("tags").key("t").tagging("a=1&b=two"), RequestBody.fromString("x"));
    assertEquals(
        List.of(
            Tag.builder().key("a").value("1").build(), Tag.builder().key("b").value("two").build()),
        s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet());
    assertEquals(2, s3.getObject(b -> b.bucket("tags").key("t")).response().tagCount());
    s3.putObjectTagging(
        b ->
            b.bucket("tags")
                .key("t")
                .tagging(t -> t.tagSet(Tag.builder().key("k").value("v").build())));
    assertEquals(
        List.of(Tag.builder().key("k").value("v").build()),
        s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet());
    s3.deleteObjectTagging(b -> b.bucket("tags").key("t"));
    assertTrue(s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet().isEmpty());
    assertError(
        "InvalidTag",
        400,
        () ->
            s3.putObjectTagging(
                b ->
                    b.bucket("tags")
                        .key("t")
                        .tagging(
                            t ->
                                t.tagSet(
                                    Tag.builder().key("k").value("1").build(),
                                    Tag.builder().key("k").value("2").build()))));
  }

  // ---- auth

  @Test
  void badCredentialsAreRejectedAndStoreNothing() {
    s3.createBucket(b -> b.bucket("auth"));
    S3Client wrongSecret =
        fx.client(
            b ->
                b.credentialsProvider(
                    software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                            GatewayFixture.ACCESS, "wrong-secret"))));
    assertError(
        "SignatureDoesNotMatch",
        403,
        () -> wrongSecret.putObject(b -> b.bucket("auth").key("x"), RequestBody.fromString("x")));
    S3Client unknown =
        fx.client(
            b ->
                b.credentialsProvider(
                    software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                            "AKIAUNKNOWN", "whatever"))));
    assertError(
        "InvalidAccessKeyId",
        403,
        () -> unknown.putObject(b -> b.bucket("auth").key("x"), RequestBody.fromString("x")));
    assertError("NoSuchKey", 404, () -> get("auth", "x"));
  }

  @Test
  void presignedGetAndPut() throws Exception {
    s3.createBucket(b -> b.bucket("presign"));
    var presigner = fx.presigner();
    var putUrl =
        presigner
            .presignPutObject(
                p ->
                    p.signatureDuration(Duration.ofMinutes(5))
                        .putObjectRequest(b -> b.bucket("presign").key("p")))
            .url();
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(putUrl.toURI())
                .PUT(HttpRequest.BodyPublishers.ofString("presigned body"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, put.statusCode(), put.body());
    var getUrl =
        presigner
            .presignGetObject(
                p ->
                    p.signatureDuration(Duration.ofMinutes(5))
                        .getObjectRequest(b -> b.bucket("presign").key("p")))
            .url();
    HttpResponse<String> got =
        http.send(
            HttpRequest.newBuilder(getUrl.toURI()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, got.statusCode());
    assertEquals("presigned body", got.body());
    // tampering with the key breaks the signature
    URI tampered = URI.create(getUrl.toString().replace("/presign/p?", "/presign/q?"));
    HttpResponse<String> bad =
        http.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, bad.statusCode());
    assertTrue(bad.body().contains("<Code>SignatureDoesNotMatch</Code>"), bad.body());
    // no credentials at all
    HttpResponse<String> anon =
        http.send(
            HttpRequest.newBuilder(URI.create(fx.endpoint + "/presign/p")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, anon.statusCode());
    assertTrue(anon.body().contains("<Code>AccessDenied</Code>"), anon.body());
    assertNull(null);
  }
}
