package io.aquifer.bench.store;

import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StorageConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Measures store put (durable) and get of large objects against the raw sequential write + fsync
 * and read of the same bytes in one file on the same file system, and against MD5 of the bytes (the
 * put path computes it). Runs are interleaved and repeated; medians and spreads are printed.
 *
 * <pre>
 * java -cp bench.jar io.aquifer.bench.store.StoreBench --dir /dev/shm/aq --size-mib 64 --rounds 5
 * </pre>
 */
public final class StoreBench {
  private StoreBench() {}

  /** Entry point; see the class comment for arguments. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of("/tmp/aquifer-storebench");
    int sizeMib = 64;
    int rounds = 5;
    int drives = 4;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--size-mib" -> sizeMib = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--drives" -> drives = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    long size = (long) sizeMib << 20;
    deleteTree(dir);
    List<Path> d = new ArrayList<>();
    for (int i = 0; i < drives; i++) {
      d.add(dir.resolve("drive" + i));
    }
    StorageConfig config = StorageConfig.defaults(dir.resolve("index"), d);
    ByteBuffer data = ByteBuffer.allocateDirect((int) size);
    SplittableRandom rnd = new SplittableRandom(1);
    while (data.remaining() >= 8) {
      data.putLong(rnd.nextLong());
    }
    data.flip();
    double[] rawW = new double[rounds];
    double[] rawR = new double[rounds];
    double[] put = new double[rounds];
    double[] get = new double[rounds];
    double[] md5 = new double[rounds];
    try (ObjectStore store = ObjectStores.open(config)) {
      store.createBucket("bench");
      System.out.printf(
          "dir %s, %d drives, RS %d+%d, codec %s, object %d MiB, %d rounds%n",
          dir,
          drives,
          store.stats().dataShards(),
          store.stats().parityShards(),
          store.stats().codec(),
          sizeMib,
          rounds);
      for (int r = -1; r < rounds; r++) { // round -1 warms up
        Path raw = dir.resolve("raw.bin");
        double w = rawWrite(raw, data.duplicate());
        double rr = rawRead(raw, size);
        Files.delete(raw);
        double m = md5(data.duplicate());
        double p = put(store, data.duplicate());
        double g = get(store, size);
        if (r >= 0) {
          rawW[r] = w;
          rawR[r] = rr;
          md5[r] = m;
          put[r] = p;
          get[r] = g;
        }
      }
    }
    deleteTree(dir);
    System.out.println("MiB/s (median, min-max)");
    row("raw write+fsync", rawW);
    row("MD5 (1 core)", md5);
    row("store put", put);
    row("raw read", rawR);
    row("store get", get);
    System.out.printf(
        "ratios: put/raw-write %.2f, put/MD5 %.2f, get/raw-read %.2f%n",
        median(put) / median(rawW), median(put) / median(md5), median(get) / median(rawR));
  }

  private static void row(String name, double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    System.out.printf("  %-16s %8.0f  (%.0f-%.0f)%n", name, median(v), s[0], s[s.length - 1]);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double mibs(long bytes, long nanos) {
    return (bytes / 1048576.0) / (nanos / 1e9);
  }

  private static double rawWrite(Path f, ByteBuffer data) throws IOException {
    long n = data.remaining();
    long t0 = System.nanoTime();
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer chunk = data.duplicate();
      while (data.hasRemaining()) {
        int len = Math.min(1 << 20, data.remaining());
        chunk.limit(data.position() + len).position(data.position());
        while (chunk.hasRemaining()) {
          ch.write(chunk);
        }
        data.position(data.position() + len);
      }
      ch.force(true);
    }
    return mibs(n, System.nanoTime() - t0);
  }

  private static double rawRead(Path f, long size) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      while (ch.read(buf.clear()) >= 0) {
        // bytes land in buf, as the store's reader copies into the caller's buffer
      }
    }
    return mibs(size, System.nanoTime() - t0);
  }

  private static double md5(ByteBuffer data) throws Exception {
    long n = data.remaining();
    long t0 = System.nanoTime();
    MessageDigest md = MessageDigest.getInstance("MD5");
    md.update(data);
    md.digest();
    return mibs(n, System.nanoTime() - t0);
  }

  private static double put(ObjectStore store, ByteBuffer data) {
    long n = data.remaining();
    long t0 = System.nanoTime();
    try (ObjectWriter w = store.newWriter("bench", "obj", PutOptions.DEFAULT)) {
      ByteBuffer chunk = data.duplicate();
      while (data.hasRemaining()) {
        int len = Math.min(1 << 20, data.remaining());
        chunk.limit(data.position() + len).position(data.position());
        w.write(chunk);
        data.position(data.position() + len);
      }
      w.commit();
    }
    return mibs(n, System.nanoTime() - t0);
  }

  private static double get(ObjectStore store, long size) {
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    long t0 = System.nanoTime();
    try (ObjectReader r = store.get("bench", "obj")) {
      while (r.read(buf.clear()) >= 0) {
        // consume
      }
    }
    return mibs(size, System.nanoTime() - t0);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
