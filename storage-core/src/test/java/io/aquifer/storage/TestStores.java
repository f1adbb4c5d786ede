package io.aquifer.storage;

import io.aquifer.storage.codec.CodecKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Builds small stores on temporary directories for tests: 4 KiB blocks, so stripes are small. */
final class TestStores {
  static final int BLOCK = 4096;

  private TestStores() {}

  static StorageConfig config(Path root, int drives, int k, int m) {
    List<Path> d = new ArrayList<>();
    for (int i = 0; i < drives; i++) {
      d.add(root.resolve("drive" + i));
    }
    return config(d, root.resolve("index"), k, m);
  }

  /** Like {@link #config(Path, int, int, int)} on the given drive directories and index. */
  static StorageConfig config(List<Path> drives, Path index, int k, int m) {
    return new StorageConfig(
        drives,
        index,
        k,
        m,
        BLOCK,
        CodecKind.AUTO,
        true,
        64L << 20,
        5000,
        Duration.ZERO,
        StorageConfig.DEFAULT_SCRUB_BYTES_PER_SECOND);
  }

  /** Like {@link #config} with packing off: every object in k + m shard files. */
  static StorageConfig shardConfig(Path root, int drives, int k, int m) {
    return config(root, drives, k, m).withPacking(0, StorageConfig.DEFAULT_PACKED_SEGMENT_SIZE);
  }

  static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] readAll(ObjectStore store, String bucket, String key) {
    try (ObjectReader r = store.get(bucket, key)) {
      return r.asInputStream().readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Every object of a bucket and its bytes, by key, through all pages of the listing. */
  static java.util.SortedMap<String, byte[]> readBucket(ObjectStore store, String bucket) {
    java.util.SortedMap<String, byte[]> out = new java.util.TreeMap<>();
    ListPage page = store.list(bucket, ListQuery.prefix(""));
    while (true) {
      for (ObjectInfo o : page.objects()) {
        out.put(o.key(), readAll(store, bucket, o.key()));
      }
      if (!page.truncated()) {
        return out;
      }
      page = store.list(bucket, ListQuery.prefix("").next(page.nextToken()));
    }
  }

  static byte[] readRange(ObjectStore store, String bucket, String key, long start, long len) {
    try (ObjectReader r = store.get(bucket, key, start, len)) {
      return r.asInputStream().readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String md5(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Every shard file on the drives (not drive identity or manifests). */
  static List<Path> shardFiles(StorageConfig c) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path d : c.drives()) {
      Path objects = d.resolve("objects");
      if (!Files.isDirectory(objects)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(objects)) {
        s.filter(Files::isRegularFile).forEach(out::add);
      }
    }
    return out;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  /**
   * Starts {@code main} in a child JVM on this test's class path with {@code args}, its stderr
   * appended to {@code dir/child.err}: the writer processes the crash tests SIGKILL.
   */
  static Process child(Path dir, Class<?> main, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.err").toFile()))
        .start();
  }
}
