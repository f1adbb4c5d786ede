package io.aquifer.storage;

import io.aquifer.storage.codec.CodecKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the object store. Every check is here, so a bad value fails at open.
 *
 * @param drives drive directories, 1 to 16, one per device
 * @param indexDir directory of the metadata index; never inside a drive
 * @param dataShards k, data shards per stripe
 * @param parityShards m, parity shards per stripe; any m drives may be lost
 * @param blockSize bytes per block of a shard (stripe = k blocks of data), 4 KiB to 16 MiB
 * @param codec which erasure codec implementation to use
 * @param durable whether writes are on stable storage before they are acknowledged; false only for
 *     tests and caches
 * @param maxInflightBytes memory for stripe buffers of all concurrent readers and writers; a writer
 *     or reader waits when it is used up
 * @param minPartSize smallest allowed size of a multipart part other than the last
 * @param scrubInterval pause between background scrub passes; zero disables the scrubber
 * @param scrubBytesPerSecond rate limit of the background scrubber
 * @param packedMaxSize objects of at most this many bytes are stored packed: one record appended to
 *     m + 1 per-drive segment files with group commit, instead of k + m shard files (see
 *     docs/architecture.md, "Small objects (packed)"); 0 disables packing. At most 16 MiB.
 * @param packedSegmentSize a segment file is sealed, and a new one started, once it holds this many
 *     bytes; 64 KiB to 1 GiB
 * @param directIo whether shard data is written with {@code O_DIRECT} (no page-cache copy): AUTO
 *     where each drive's file system supports it, ON everywhere or fail at open, OFF never
 * @param smallCacheBytes heap memory for verified contents of small (packed) objects kept after a
 *     read, so that a repeated GET is answered from memory (on the gateway's event loop); 0
 *     disables the cache. See docs/architecture.md, "Small-object cache".
 */
public record StorageConfig(
    List<Path> drives,
    Path indexDir,
    int dataShards,
    int parityShards,
    int blockSize,
    CodecKind codec,
    boolean durable,
    long maxInflightBytes,
    long minPartSize,
    Duration scrubInterval,
    long scrubBytesPerSecond,
    long packedMaxSize,
    long packedSegmentSize,
    DirectIo directIo,
    long smallCacheBytes) {

  /** Default block size: 1 MiB. */
  public static final int DEFAULT_BLOCK_SIZE = 1 << 20;

  /** Default in-flight memory: 256 MiB. */
  public static final long DEFAULT_MAX_INFLIGHT_BYTES = 256L << 20;

  /** S3's minimum part size: 5 MiB. */
  public static final long DEFAULT_MIN_PART_SIZE = 5L << 20;

  /** Default scrub rate: 64 MiB/s. */
  public static final long DEFAULT_SCRUB_BYTES_PER_SECOND = 64L << 20;

  /** Default largest packed object: 128 KiB. */
  public static final long DEFAULT_PACKED_MAX_SIZE = 128L << 10;

  /** Default segment file size: 64 MiB. */
  public static final long DEFAULT_PACKED_SEGMENT_SIZE = 64L << 20;

  /** Default memory of the small-object cache: 64 MiB. */
  public static final long DEFAULT_SMALL_CACHE_BYTES = 64L << 20;

  /** Default pause between scrub passes. */
  public static final Duration DEFAULT_SCRUB_INTERVAL = Duration.ofHours(24);

  /** Validates every setting. */
  public StorageConfig {
    drives = List.copyOf(drives);
    Objects.requireNonNull(indexDir, "indexDir");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(scrubInterval, "scrubInterval");
    if (directIo == null) {
      throw new IllegalArgumentException("directIo: AUTO, ON or OFF is needed, got null");
    }
    if (drives.isEmpty() || drives.size() > 16) {
      throw new IllegalArgumentException("drives: 1 to 16 are needed, got " + drives.size());
    }
    var seen = new HashSet<Path>();
    Path index = indexDir.toAbsolutePath().normalize();
    for (Path d : drives) {
      Path n = d.toAbsolutePath().normalize();
      if (!seen.add(n)) {
        throw new IllegalArgumentException("drives: listed twice: " + d);
      }
      if (index.startsWith(n)) {
        throw new IllegalArgumentException(
            "indexDir: must not be inside drive " + d + " (losing the drive would lose the index)");
      }
    }
    if (dataShards < 1) {
      throw new IllegalArgumentException("dataShards: must be at least 1, got " + dataShards);
    }
    if (parityShards < 0) {
      throw new IllegalArgumentException("parityShards: must be at least 0, got " + parityShards);
    }
    if (dataShards + parityShards > drives.size()) {
      throw new IllegalArgumentException(
          "dataShards + parityShards ("
              + (dataShards + parityShards)
              + ") exceeds the number of drives ("
              + drives.size()
              + ")");
    }
    if (blockSize < 4096 || blockSize > (16 << 20) || blockSize % 64 != 0) {
      throw new IllegalArgumentException(
          "blockSize: 4 KiB to 16 MiB and a multiple of 64, got " + blockSize);
    }
    long stripe = (long) blockSize * (dataShards + parityShards);
    if (maxInflightBytes < stripe) {
      throw new IllegalArgumentException(
          "maxInflightBytes: must hold at least one stripe of " + stripe + " bytes");
    }
    if (minPartSize < 0) {
      throw new IllegalArgumentException("minPartSize: must be >= 0");
    }
    if (scrubBytesPerSecond <= 0) {
      throw new IllegalArgumentException("scrubBytesPerSecond: must be > 0");
    }
    if (packedMaxSize < 0 || packedMaxSize > (16L << 20)) {
      throw new IllegalArgumentException("packedMaxSize: 0 (off) to 16 MiB, got " + packedMaxSize);
    }
    if (smallCacheBytes < 0) {
      throw new IllegalArgumentException(
          "smallCacheBytes: 0 (off) or more, got " + smallCacheBytes);
    }
    if (packedSegmentSize < (64L << 10) || packedSegmentSize > (1L << 30)) {
      throw new IllegalArgumentException(
          "packedSegmentSize: 64 KiB to 1 GiB, got " + packedSegmentSize);
    }
  }

  /**
   * Settings without the packing, direct-I/O and cache fields: objects up to {@link
   * #DEFAULT_PACKED_MAX_SIZE} are packed into segments of {@link #DEFAULT_PACKED_SEGMENT_SIZE},
   * shard data is written with {@link DirectIo#AUTO}, and the small-object cache holds {@link
   * #DEFAULT_SMALL_CACHE_BYTES}.
   */
  public StorageConfig(
      List<Path> drives,
      Path indexDir,
      int dataShards,
      int parityShards,
      int blockSize,
      CodecKind codec,
      boolean durable,
      long maxInflightBytes,
      long minPartSize,
      Duration scrubInterval,
      long scrubBytesPerSecond) {
    this(
        drives,
        indexDir,
        dataShards,
        parityShards,
        blockSize,
        codec,
        durable,
        maxInflightBytes,
        minPartSize,
        scrubInterval,
        scrubBytesPerSecond,
        DEFAULT_PACKED_MAX_SIZE,
        DEFAULT_PACKED_SEGMENT_SIZE,
        DirectIo.AUTO,
        DEFAULT_SMALL_CACHE_BYTES);
  }

  /**
   * Settings with defaults for {@code drives.size()} drives: k and m from {@link
   * #defaultLayout(int)}, 1 MiB blocks, durable writes.
   */
  public static StorageConfig defaults(Path indexDir, List<Path> drives) {
    int[] km = defaultLayout(drives.size());
    return new StorageConfig(
        drives,
        indexDir,
        km[0],
        km[1],
        DEFAULT_BLOCK_SIZE,
        CodecKind.AUTO,
        true,
        DEFAULT_MAX_INFLIGHT_BYTES,
        DEFAULT_MIN_PART_SIZE,
        DEFAULT_SCRUB_INTERVAL,
        DEFAULT_SCRUB_BYTES_PER_SECOND,
        DEFAULT_PACKED_MAX_SIZE,
        DEFAULT_PACKED_SEGMENT_SIZE,
        DirectIo.AUTO,
        DEFAULT_SMALL_CACHE_BYTES);
  }

  /**
   * The default {k, m} for n drives: at least one parity shard from two drives on, half parity up
   * to four drives, then about a third, capped at four parity shards.
   */
  public static int[] defaultLayout(int n) {
    return switch (n) {
      case 1 -> new int[] {1, 0};
      case 2 -> new int[] {1, 1};
      case 3 -> new int[] {2, 1};
      case 4 -> new int[] {2, 2};
      case 5 -> new int[] {3, 2};
      case 6, 7 -> new int[] {4, 2};
      case 8, 9, 10, 11 -> new int[] {n - 3, 3};
      default -> new int[] {n - 4, 4};
    };
  }

  /** A copy with another k and m. */
  public StorageConfig withLayout(int k, int m) {
    Builder b = toBuilder();
    b.dataShards = k;
    b.parityShards = m;
    return b.build();
  }

  /** A copy with another block size. */
  public StorageConfig withBlockSize(int size) {
    Builder b = toBuilder();
    b.blockSize = size;
    return b.build();
  }

  /** A copy with another durability. */
  public StorageConfig withDurable(boolean d) {
    Builder b = toBuilder();
    b.durable = d;
    return b.build();
  }

  /** A copy with another minimum part size. */
  public StorageConfig withMinPartSize(long size) {
    Builder b = toBuilder();
    b.minPartSize = size;
    return b.build();
  }

  /** A copy with another codec. */
  public StorageConfig withCodec(CodecKind kind) {
    Builder b = toBuilder();
    b.codec = kind;
    return b.build();
  }

  /** A copy with another scrub schedule. */
  public StorageConfig withScrub(Duration interval, long bytesPerSecond) {
    Builder b = toBuilder();
    b.scrubInterval = interval;
    b.scrubBytesPerSecond = bytesPerSecond;
    return b.build();
  }

  /** A copy with another in-flight memory budget. */
  public StorageConfig withMaxInflightBytes(long bytes) {
    Builder b = toBuilder();
    b.maxInflightBytes = bytes;
    return b.build();
  }

  /**
   * A copy with other packing settings: objects of at most {@code maxSize} bytes (0: none) are
   * packed into segment files of {@code segmentSize} bytes.
   */
  public StorageConfig withPacking(long maxSize, long segmentSize) {
    Builder b = toBuilder();
    b.packedMaxSize = maxSize;
    b.packedSegmentSize = segmentSize;
    return b.build();
  }

  /** A copy with another direct-I/O mode. */
  public StorageConfig withDirectIo(DirectIo mode) {
    Builder b = toBuilder();
    b.directIo = mode;
    return b.build();
  }

  /** A copy with another small-object cache size (0: no cache). */
  public StorageConfig withSmallCacheBytes(long bytes) {
    Builder b = toBuilder();
    b.smallCacheBytes = bytes;
    return b.build();
  }

  private Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable copy of every field, so each {@code with} method names only what it changes. */
  private static final class Builder {
    private final List<Path> drives;
    private final Path indexDir;
    private int dataShards;
    private int parityShards;
    private int blockSize;
    private CodecKind codec;
    private boolean durable;
    private long maxInflightBytes;
    private long minPartSize;
    private Duration scrubInterval;
    private long scrubBytesPerSecond;
    private long packedMaxSize;
    private long packedSegmentSize;
    private DirectIo directIo;
    private long smallCacheBytes;

    Builder(StorageConfig c) {
      drives = c.drives;
      indexDir = c.indexDir;
      dataShards = c.dataShards;
      parityShards = c.parityShards;
      blockSize = c.blockSize;
      codec = c.codec;
      durable = c.durable;
      maxInflightBytes = c.maxInflightBytes;
      minPartSize = c.minPartSize;
      scrubInterval = c.scrubInterval;
      scrubBytesPerSecond = c.scrubBytesPerSecond;
      packedMaxSize = c.packedMaxSize;
      packedSegmentSize = c.packedSegmentSize;
      directIo = c.directIo;
      smallCacheBytes = c.smallCacheBytes;
    }

    StorageConfig build() {
      return new StorageConfig(
          drives,
          indexDir,
          dataShards,
          parityShards,
          blockSize,
          codec,
          durable,
          maxInflightBytes,
          minPartSize,
          scrubInterval,
          scrubBytesPerSecond,
          packedMaxSize,
          packedSegmentSize,
          directIo,
          smallCacheBytes);
    }
  }
}
