package io.aquifer.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Buckets and objects on the node's drives. Thread-safe; every method blocks on disk I/O.
 *
 * <p>Keys are ordered by the unsigned bytes of their UTF-8 encoding. A key is 1 to {@link
 * #MAX_KEY_BYTES} bytes and holds no NUL character. Bucket names follow the S3 rules (3 to 63
 * characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or
 * digit).
 */
public interface ObjectStore extends AutoCloseable {

  /** Longest key, in UTF-8 bytes. */
  int MAX_KEY_BYTES = 1024;

  /**
   * The prefix of the file service's staged keys (a streamed file write before its commit renames
   * it onto the file). The store treats them as any key, except that listings leave them out unless
   * the query's prefix is under this one; the S3 gateway refuses to create them and the file
   * service removes those a crash left, so no user object may carry it.
   */
  String STAGED_KEY_PREFIX = ".aquifer-staged-";

  /** Largest user metadata, keys plus values in UTF-8 bytes. */
  int MAX_USER_METADATA_BYTES = 2048;

  /** Most parts in a multipart upload, and the largest part number. */
  int MAX_PARTS = 10_000;

  // ---- buckets

  /**
   * Creates a bucket owned by {@code owner}, with no quota.
   *
   * @param owner the creating user's name, {@code ""} when unknown
   * @throws StorageException {@link StatusCode#BUCKET_ALREADY_EXISTS}, {@link
   *     StatusCode#INVALID_BUCKET_NAME}, {@link StatusCode#INVALID_ARGUMENT} (owner null)
   */
  BucketInfo createBucket(String name, String owner);

  /** Creates a bucket with no known owner ({@code ""}). */
  default BucketInfo createBucket(String name) {
    return createBucket(name, "");
  }

  /**
   * Sets (replaces) a bucket's quota, durably. A quota below the current usage is allowed: it only
   * blocks further growth.
   *
   * @return the bucket with its new quota
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}
   */
  BucketInfo setQuota(String bucket, BucketQuota quota);

  /**
   * The bucket's committed objects and the sum of their sizes, exact at every commit (kept in the
   * commit's own index batch), without scanning.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}
   */
  BucketUsage usage(String bucket);

  /**
   * Deletes an empty bucket.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}, {@link StatusCode#BUCKET_NOT_EMPTY}
   *     (objects or multipart uploads remain)
   */
  void deleteBucket(String name);

  /** The bucket, if it exists. */
  Optional<BucketInfo> headBucket(String name);

  /** All buckets, ordered by name. */
  List<BucketInfo> listBuckets();

  // ---- objects

  /**
   * Starts writing an object. The bucket must exist; conditions in {@code options} and the bucket's
   * quota are checked when the writer commits ({@link StatusCode#QUOTA_EXCEEDED} leaves the key as
   * it was and discards the written data).
   */
  ObjectWriter newWriter(String bucket, String key, PutOptions options);

  /** Writes a whole object from a stream of unknown length and commits it. */
  default ObjectInfo put(String bucket, String key, InputStream in, PutOptions options)
      throws IOException {
    try (ObjectWriter w = newWriter(bucket, key, options)) {
      w.writeAll(in);
      return w.commit();
    }
  }

  /** Writes a whole object from a byte array and commits it. */
  default ObjectInfo put(String bucket, String key, byte[] data, PutOptions options) {
    try (ObjectWriter w = newWriter(bucket, key, options)) {
      w.write(data, 0, data.length);
      return w.commit();
    }
  }

  /**
   * The object's info.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}, {@link StatusCode#NO_SUCH_KEY}
   */
  ObjectInfo head(String bucket, String key);

  /**
   * Opens a reader over {@code [start, start + length)}; {@code length} -1 means to the end.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_KEY}, {@link StatusCode#INVALID_RANGE} when
   *     {@code start} is beyond the end of a non-empty object
   */
  ObjectReader get(String bucket, String key, long start, long length);

  /**
   * The object from memory only, or null when that cannot be answered without blocking: for a
   * caller on a network event loop, which answers a hit at once and otherwise hands the request to
   * a thread that calls {@link #get} (or {@link #head}).
   *
   * <p>Non-blocking contract: no disk I/O, no key lock, no lock a thread doing I/O may hold (the
   * index is read with {@link io.aquifer.kv.KvStore#peek}; the cache is read lock-free), no pin. A
   * non-null answer is exactly what {@link #headBucket} and {@link #get} would give now: the bucket
   * and object info from the index record current at the call, and the content of the data that
   * record names (kept verified in memory after an earlier read; data under an id never changes and
   * ids are never reused, so no invalidation is needed). Null means nothing: the bucket record is
   * not cached, the index record is not in memory, the key is missing (the slow path answers
   * NoSuchKey), the object is not a small packed one or its data is not cached, the cache is off,
   * or the store is closed. Never throws for any of those.
   */
  default CachedObject tryGetCached(String bucket, String key) {
    return null;
  }

  /** Opens a reader over the whole object. */
  default ObjectReader get(String bucket, String key) {
    return get(bucket, key, 0, -1);
  }

  /**
   * Deletes an object. Deleting a missing key succeeds (as in S3).
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}
   */
  void delete(String bucket, String key);

  /**
   * Copies an object's bytes to another key (possibly the same one). With {@code options} null the
   * source's content type and metadata are kept; otherwise {@code options} replaces them. The
   * destination bucket's quota is checked as for a put.
   */
  ObjectInfo copy(
      String srcBucket, String srcKey, String dstBucket, String dstKey, PutOptions options);

  /**
   * Changes an object's system attributes in the index without rewriting its data: removes the keys
   * in {@code remove}, then adds {@code set}. Size, ETag, modification time and version stay. Such
   * changes live in the index only; {@code rebuild-index} restores the attributes the object was
   * written with.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}, {@link StatusCode#NO_SUCH_KEY}
   */
  ObjectInfo updateAttributes(
      String bucket, String key, Map<String, String> set, java.util.Set<String> remove);

  /**
   * Moves an object to another key of the same bucket without copying its data: one index batch
   * points {@code dstKey} at the object's data and removes {@code srcKey}, so every reader and
   * every snapshot listing sees the object under exactly one of the two names. Size, ETag,
   * modification time, content type, metadata and attributes stay; the version is a new one (above
   * both keys' previous versions). The new name is recorded on the drives first, so {@code
   * rebuild-index} restores the object under {@code dstKey}.
   *
   * <p>With {@code replace}, an object at {@code dstKey} is replaced: its data is reclaimed as for
   * an overwrite (readers that have it open keep reading it) and the bucket's usage drops by one
   * object and its bytes. Without it, an existing {@code dstKey} fails. A rename never grows the
   * bucket's usage, so it is never refused by a quota. Renaming a key onto itself changes nothing
   * (with {@code replace}) or fails (without, as the destination exists). Uploads in progress under
   * either key are not affected. Atomic against concurrent puts, copies, completions, deletes and
   * renames of either key.
   *
   * @return the object's info under {@code dstKey}
   * @throws StorageException {@link StatusCode#NO_SUCH_BUCKET}, {@link StatusCode#NO_SUCH_KEY}
   *     ({@code srcKey} missing), {@link StatusCode#PRECONDITION_FAILED} ({@code dstKey} exists and
   *     not {@code replace}), {@link StatusCode#INVALID_KEY}, {@link StatusCode#WRITE_QUORUM_LOST}
   *     (the name record reached too few drives; nothing changed)
   */
  ObjectInfo rename(String bucket, String srcKey, String dstKey, boolean replace);

  /**
   * Moves every object whose key starts with {@code srcPrefix} to {@code dstPrefix} followed by the
   * rest of its key, in one index batch (a directory rename: {@code "a/b/"} to {@code "c/"} moves
   * {@code a/b/} itself, the directory's marker, to {@code c/} and {@code a/b/x/y} to {@code
   * c/x/y}). Objects already at a destination key are replaced as by {@link #rename} with {@code
   * replace} (data reclaimed, usage lowered); other keys under {@code dstPrefix} stay. Data is not
   * copied; each moved object gets a new version and its new name is recorded on the drives before
   * the batch, so {@code rebuild-index} restores the new names. While it runs, writers of the
   * bucket wait (it holds the bucket's write lock, as bucket deletion does); readers do not, and
   * every snapshot listing sees all keys under their old names or all under their new ones.
   *
   * <p>Multipart uploads in progress under {@code srcPrefix} are left where they are: completing
   * one later creates its object under the key it was started with.
   *
   * @param srcPrefix not empty
   * @param dstPrefix possibly empty; must not start with {@code srcPrefix} (it would be inside the
   *     directory being moved, or be the same)
   * @param maxEntries the most keys to move, at least 0
   * @return the number of objects moved; 0 when no key starts with {@code srcPrefix} (nothing
   *     changes)
   * @throws StorageException {@link StatusCode#TOO_MANY_ENTRIES} when more than {@code maxEntries}
   *     keys start with {@code srcPrefix} (nothing changes), {@link StatusCode#INVALID_ARGUMENT}
   *     ({@code dstPrefix} starts with {@code srcPrefix}, empty {@code srcPrefix}, negative {@code
   *     maxEntries}), {@link StatusCode#INVALID_KEY} (a prefix holds NUL or is not valid Unicode,
   *     or a new key would be longer than {@link #MAX_KEY_BYTES}; nothing changes), {@link
   *     StatusCode#NO_SUCH_BUCKET}, {@link StatusCode#WRITE_QUORUM_LOST} (nothing changed)
   */
  long renamePrefix(String bucket, String srcPrefix, String dstPrefix, int maxEntries);

  /** Lists keys in order, with optional prefix, delimiter and paging. */
  ListPage list(String bucket, ListQuery query);

  // ---- multipart

  /** Starts a multipart upload and returns its id. */
  String createUpload(String bucket, String key, PutOptions options);

  /**
   * Starts writing part {@code partNumber} (1 to {@link #MAX_PARTS}) of an upload. Committing the
   * writer replaces an earlier part with the same number. The returned info's ETag is the part's
   * MD5.
   */
  ObjectWriter newPartWriter(String bucket, String key, String uploadId, int partNumber);

  /** Parts uploaded so far, by part number. */
  List<PartInfo> listParts(String bucket, String key, String uploadId);

  /**
   * One upload in progress.
   *
   * @throws StorageException {@link StatusCode#NO_SUCH_UPLOAD}, {@link StatusCode#NO_SUCH_BUCKET}
   */
  UploadInfo upload(String bucket, String key, String uploadId);

  /** Uploads in progress in a bucket whose key starts with {@code prefix}, by key then start. */
  List<UploadInfo> listUploads(String bucket, String prefix);

  /**
   * Completes an upload from the listed parts, in ascending part order; parts not listed are
   * discarded. The conditions of the upload's options and of {@code condition} are checked.
   *
   * @throws StorageException {@link StatusCode#INVALID_PART}, {@link
   *     StatusCode#INVALID_PART_ORDER}, {@link StatusCode#ENTITY_TOO_SMALL}, {@link
   *     StatusCode#NO_SUCH_UPLOAD}, {@link StatusCode#PRECONDITION_FAILED}, {@link
   *     StatusCode#QUOTA_EXCEEDED} (the upload stays in place, to abort or to retry after the quota
   *     was raised)
   */
  default ObjectInfo completeUpload(
      String bucket,
      String key,
      String uploadId,
      List<CompletedPart> parts,
      WriteCondition condition) {
    return completeUpload(bucket, key, uploadId, parts, condition, chosen -> Map.of());
  }

  /**
   * Like {@link #completeUpload(String, String, String, List, WriteCondition)}; {@code
   * finalAttributes} is called with the chosen parts, in order, while the upload is locked, and the
   * attributes it returns are added to the object's (for example a checksum over the parts'
   * checksums). An exception it throws fails the completion and changes nothing.
   */
  ObjectInfo completeUpload(
      String bucket,
      String key,
      String uploadId,
      List<CompletedPart> parts,
      WriteCondition condition,
      Function<List<PartInfo>, Map<String, String>> finalAttributes);

  /** Aborts an upload and discards its parts. */
  void abortUpload(String bucket, String key, String uploadId);

  // ---- operations

  /** State of every drive. */
  List<DriveStatus> drives();

  /** Counters of the store since it opened. */
  StoreStats stats();

  /**
   * Size and compaction state of the metadata index. Reads figures the index keeps in memory (no
   * scan, no I/O): cheap enough for every metrics scrape.
   *
   * @throws StorageException {@link StatusCode#STORE_CLOSED} after {@link #close()}, {@link
   *     StatusCode#METADATA_ERROR} when the index cannot report them
   */
  MetadataStats metadataStats();

  /**
   * Rewrites missing or corrupt shards of every object whose key starts with {@code prefix} in
   * {@code bucket} (both null: everything).
   *
   * @return what the pass found and fixed
   */
  HealReport heal(String bucket, String prefix);

  /** Closes the store: waits for background work to stop and closes the metadata store. */
  @Override
  void close();
}
