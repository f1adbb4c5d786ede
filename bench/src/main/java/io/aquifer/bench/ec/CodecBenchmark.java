package io.aquifer.bench.ec;

import io.aquifer.storage.codec.CodecKind;
import io.aquifer.storage.codec.ErasureCodec;
import io.aquifer.storage.codec.ErasureCodecs;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode and reconstruct of one stripe of {@code block}-byte shards in 64-byte-aligned direct
 * buffers, single thread. One operation processes k * block data bytes, so data GB/s = ops/s * k *
 * block / 1e9 (docs/benchmarks.md converts). {@code op} is {@code encode}, or {@code lost1}, {@code
 * lost2}, {@code lostm}: reconstruct after losing the first 1, 2 or m data shards, the costly case
 * for a systematic code. The same operations are timed in C against ISA-L by {@code
 * src/main/c/isal_ec_bench.c}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CodecBenchmark {

  /** Implementation: {@code isal}, {@code vector} or {@code scalar}. */
  @Param({"isal", "vector", "scalar"})
  public String kind;

  /** Shape as "k+m". */
  @Param({"4+2", "8+3", "12+4"})
  public String shape;

  /** {@code encode}, {@code lost1}, {@code lost2} or {@code lostm}. */
  @Param({"encode", "lost1", "lost2", "lostm"})
  public String op;

  /** Shard size in bytes. */
  @Param({"1048576"})
  public int block;

  private ErasureCodec codec;
  private ByteBuffer[] shards;
  private boolean[] present;
  private int k;

  /** Allocates and fills the stripe, encodes it once, and marks the lost shards. */
  @Setup
  public void setUp() {
    String[] km = shape.split("\\+");
    k = Integer.parseInt(km[0]);
    int m = Integer.parseInt(km[1]);
    codec = ErasureCodecs.create(CodecKind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), k, m);
    shards = new ByteBuffer[k + m];
    Random random = new Random(42);
    byte[] bytes = new byte[block];
    for (int i = 0; i < k + m; i++) {
      // 64-byte aligned, as the C baseline's memory: a plain allocateDirect is only 16-byte
      // aligned, and then every 64-byte vector load splits two cache lines.
      shards[i] = ByteBuffer.allocateDirect(block + 64).alignedSlice(64).slice(0, block);
      random.nextBytes(bytes);
      shards[i].put(0, bytes);
    }
    codec.encode(shards, 0, block);
    int lost =
        switch (op) {
          case "encode" -> 0;
          case "lost1" -> 1;
          case "lost2" -> 2;
          case "lostm" -> m;
          default -> throw new IllegalArgumentException("op " + op);
        };
    present = new boolean[k + m];
    Arrays.fill(present, true);
    for (int i = 0; i < lost; i++) {
      present[i] = false;
    }
  }

  /** One encode or reconstruct of the whole stripe. */
  @Benchmark
  public void run() {
    if (present[0]) {
      codec.encode(shards, 0, block);
    } else {
      codec.reconstruct(shards, present, 0, block);
    }
  }
}
