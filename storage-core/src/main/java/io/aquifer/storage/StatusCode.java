package io.aquifer.storage;

/**
 * Every failure the object store reports, with a stable numeric code for logs and the wire. Front
 * ends translate these once, with an exhaustive switch, into S3 errors, errnos or exit codes.
 */
public enum StatusCode {
  /** The bucket does not exist. */
  NO_SUCH_BUCKET(1001),
  /** A bucket with that name exists. */
  BUCKET_ALREADY_EXISTS(1002),
  /** The bucket still holds objects or uploads. */
  BUCKET_NOT_EMPTY(1003),
  /** The bucket name breaks the naming rules. */
  INVALID_BUCKET_NAME(1004),
  /** The object does not exist. */
  NO_SUCH_KEY(1101),
  /** The key is empty, too long or holds a forbidden character. */
  INVALID_KEY(1102),
  /** A create-only put found the key present, or an ETag condition did not match. */
  PRECONDITION_FAILED(1103),
  /** The requested byte range does not overlap the object. */
  INVALID_RANGE(1104),
  /** User metadata is too large or malformed. */
  METADATA_TOO_LARGE(1105),
  /** An argument is out of its allowed range. */
  INVALID_ARGUMENT(1106),
  /** The object is larger than allowed. */
  ENTITY_TOO_LARGE(1107),
  /** The content's MD5 differs from the one the writer was told to expect. */
  BAD_DIGEST(1108),
  /** A write would exceed the bucket's quota (bytes or objects). */
  QUOTA_EXCEEDED(1109),
  /**
   * A prefix rename (a directory rename) would move more keys than the caller's limit allows;
   * nothing was changed.
   */
  TOO_MANY_ENTRIES(1110),
  /** The multipart upload does not exist (or was completed or aborted). */
  NO_SUCH_UPLOAD(1201),
  /** A part listed in complete was not uploaded, or its ETag differs. */
  INVALID_PART(1202),
  /** Parts in complete are not in ascending order. */
  INVALID_PART_ORDER(1203),
  /** A part other than the last is smaller than the minimum part size. */
  ENTITY_TOO_SMALL(1204),
  /** Too few drives are online to write with the required quorum. */
  WRITE_QUORUM_LOST(1301),
  /** Too few shards are readable to reconstruct the data. */
  READ_QUORUM_LOST(1302),
  /** A drive reported an I/O error that could not be worked around. */
  DRIVE_IO_ERROR(1303),
  /** Stored data failed verification and could not be repaired. */
  DATA_CORRUPT(1304),
  /** The metadata store failed. */
  METADATA_ERROR(1401),
  /** The store is closed or shutting down. */
  STORE_CLOSED(1501),
  /** A bug: an internal invariant was violated. */
  INTERNAL(1999);

  private final int code;

  StatusCode(int code) {
    this.code = code;
  }

  /** The stable numeric code. */
  public int code() {
    return code;
  }
}
