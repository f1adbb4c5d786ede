package io.aquifer.storage.codec;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Creates {@link ErasureCodec}s. All kinds use ISA-L's Cauchy matrix over GF(2^8) with polynomial
 * 0x11D, so they produce identical parity and can decode each other's shards.
 *
 * <p>Using a codec well:
 *
 * <ul>
 *   <li>Create one per (k, m) at start and share it: codecs are thread-safe, from platform and
 *       virtual threads alike, and creating one builds tables. Decode tables are built on the first
 *       reconstruct of each loss pattern and cached.
 *   <li>Pass direct buffers. ISA-L and vector then work in place; heap buffers are copied through a
 *       pooled direct scratch buffer in 32 KiB chunks (correct, but slower). Align them to 64 bytes
 *       ({@code allocateDirect(n + 64).alignedSlice(64)}, or a pool with that alignment): a plain
 *       {@code allocateDirect} is 16-byte aligned, which costs the vector kind about 20% and ISA-L
 *       about 5%. The scalar kind is a test reference, two orders of magnitude slower.
 *   <li>A call reads and writes {@code [offset, offset + length)} of every shard by absolute index,
 *       which must lie within each buffer's limit; positions and limits are left alone. Outputs
 *       (parity for encode, the shards not present for reconstruct) must be writable and must not
 *       share memory with any other shard. Arguments are checked before any byte is written.
 *   <li>Make one call per stripe of large blocks (hundreds of KiB to MiB): per-call overhead is a
 *       microsecond or so. The Vector API kind runs 100x slower until the JIT has compiled it (a
 *       few seconds of use); warm it up at start when it matters.
 * </ul>
 */
public final class ErasureCodecs {

  /** The largest k + m supported. */
  public static final int MAX_SHARDS = 16;

  private static final System.Logger LOG = System.getLogger(ErasureCodecs.class.getName());
  private static final AtomicBoolean LOGGED_FALLBACK = new AtomicBoolean();
  private static final ScalarKernel SCALAR = new ScalarKernel();
  private static final VectorKernel VECTOR = new VectorKernel();

  private ErasureCodecs() {}

  /**
   * Creates a codec for k data and m parity shards.
   *
   * @param kind which implementation; {@link CodecKind#AUTO} is ISA-L when it loads, else the
   *     Vector API one
   * @throws IllegalArgumentException unless {@code 1 <= k}, {@code 0 <= m} and {@code k + m <= 16}
   * @throws IllegalStateException for {@link CodecKind#ISAL} when ISA-L cannot be loaded
   */
  public static ErasureCodec create(CodecKind kind, int dataShards, int parityShards) {
    return create(kind, dataShards, parityShards, IsalLibrary.system());
  }

  /** Whether ISA-L ({@code libisal.so.2}) was found and bound in this process. */
  public static boolean isalAvailable() {
    return IsalLibrary.system().available();
  }

  /** Why ISA-L is unavailable, or null when it is available: for startup logs and health output. */
  public static String isalUnavailableReason() {
    return IsalLibrary.system().failure();
  }

  /** The concrete kind that {@code kind} selects in this process: never {@link CodecKind#AUTO}. */
  public static CodecKind resolve(CodecKind kind) {
    return resolve(kind, IsalLibrary.system());
  }

  static CodecKind resolve(CodecKind kind, IsalLibrary.Load isal) {
    Objects.requireNonNull(kind, "kind");
    if (kind != CodecKind.AUTO) {
      return kind;
    }
    if (isal.available()) {
      return CodecKind.ISAL;
    }
    CodecKind fallback = VectorKernel.supported() ? CodecKind.VECTOR : CodecKind.SCALAR;
    if (LOGGED_FALLBACK.compareAndSet(false, true)) {
      LOG.log(
          System.Logger.Level.INFO,
          "erasure codec AUTO uses the {0} implementation: {1}",
          fallback.name().toLowerCase(java.util.Locale.ROOT),
          isal.failure());
    }
    return fallback;
  }

  /** As {@link #create(CodecKind, int, int)} with a given ISA-L load outcome (a test hook). */
  static ErasureCodec create(
      CodecKind kind, int dataShards, int parityShards, IsalLibrary.Load isal) {
    checkShape(dataShards, parityShards);
    return switch (resolve(kind, isal)) {
      case SCALAR -> new RsCodec<>(SCALAR, dataShards, parityShards);
      case VECTOR -> {
        if (!VectorKernel.supported()) {
          throw new IllegalStateException(
              "erasure codec VECTOR requested but this JVM's vectors are shorter than 16 bytes");
        }
        yield new RsCodec<>(VECTOR, dataShards, parityShards);
      }
      case ISAL -> {
        if (!isal.available()) {
          throw new IllegalStateException(
              "erasure codec ISAL requested but " + isal.failure() + "; install libisal2");
        }
        yield new RsCodec<>(isalKernel(isal), dataShards, parityShards);
      }
      case AUTO -> throw new AssertionError("resolved");
    };
  }

  private static IsalKernel isalKernel(IsalLibrary.Load isal) {
    return isal == IsalLibrary.system() ? SystemIsal.KERNEL : new IsalKernel(isal);
  }

  private static final class SystemIsal {
    static final IsalKernel KERNEL = new IsalKernel(IsalLibrary.system());
  }

  private static void checkShape(int k, int m) {
    if (k < 1 || m < 0 || k + m > MAX_SHARDS) {
      throw new IllegalArgumentException(
          "invalid erasure code RS("
              + k
              + ","
              + m
              + "): need k >= 1, m >= 0 and k + m <= "
              + MAX_SHARDS);
    }
  }
}
