package io.aquifer.deploy;

import io.aquifer.storage.DriveStatus;
import io.aquifer.storage.HealReport;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StorageConfig;
import io.aquifer.storage.StoreStats;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A tour of the core on real files: four drive directories with Reed-Solomon 2+2, a 256 MiB object
 * written and read back, two drives destroyed, everything read back degraded, a fresh drive healed.
 * Starts from an empty {@code DIR/demo} each run.
 */
final class Demo {
  private static final long BIG = 256L << 20;

  private Demo() {}

  static int run(Path data, PrintStream out) {
    Path root = data.resolve("demo");
    try {
      deleteTree(root);
      List<Path> drives = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        drives.add(root.resolve("drive" + i));
      }
      StorageConfig config = StorageConfig.defaults(root.resolve("index"), drives);
      String etag;
      try (ObjectStore store = ObjectStores.open(config)) {
        StoreStats st = store.stats();
        out.printf(
            "store at %s: %d drives, Reed-Solomon %d+%d, codec %s%n",
            root, drives.size(), st.dataShards(), st.parityShards(), st.codec());
        store.createBucket("demo");
        long t0 = System.nanoTime();
        etag = putRandom(store, "datasets/big.bin", BIG);
        double putS = (System.nanoTime() - t0) / 1e9;
        out.printf(
            "put  datasets/big.bin %d MiB durable in %.2fs (%.0f MiB/s), ETag %s%n",
            BIG >> 20, putS, (BIG >> 20) / putS, etag);
        for (int i = 0; i < 100; i++) {
          store.put("demo", "small/" + i, ("object " + i).getBytes(), PutOptions.DEFAULT);
        }
        out.println("put  100 small objects");
        t0 = System.nanoTime();
        String readEtag = md5Of(store, "datasets/big.bin");
        double getS = (System.nanoTime() - t0) / 1e9;
        out.printf(
            "get  datasets/big.bin in %.2fs (%.0f MiB/s), MD5 %s%n",
            getS, (BIG >> 20) / getS, readEtag.equals(etag) ? "matches" : "MISMATCH");
      }
      out.println("destroying drive0 and drive1 (any m=2 of 4 may be lost)");
      deleteTree(drives.get(0));
      deleteTree(drives.get(1));
      Files.createDirectories(drives.get(1)); // a blank replacement disk for drive1
      try (ObjectStore store = ObjectStores.open(config)) {
        for (DriveStatus d : store.drives()) {
          out.printf(
              "  drive%d %-7s %s%n", d.index(), d.state(), d.reason().isEmpty() ? "" : d.reason());
        }
        String degraded = md5Of(store, "datasets/big.bin");
        out.printf(
            "get  datasets/big.bin degraded: MD5 %s, %d stripes reconstructed%n",
            degraded.equals(etag) ? "matches" : "MISMATCH", store.stats().degradedReads());
        HealReport h = store.heal(null, null);
        out.printf(
            "heal: %d objects checked, %d unrecoverable; %d blocks rebuilt onto the new drive1"
                + " (background heal and this pass)%n",
            h.objectsChecked(), h.unrecoverable(), store.stats().blocksRebuilt());
        boolean ok = degraded.equals(etag);
        out.println(ok ? "demo OK" : "demo FAILED");
        return ok ? 0 : 1;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String putRandom(ObjectStore store, String key, long size) {
    SplittableRandom rnd = new SplittableRandom(42);
    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
    try (ObjectWriter w = store.newWriter("demo", key, PutOptions.DEFAULT)) {
      for (long done = 0; done < size; done += chunk.capacity()) {
        chunk.clear();
        while (chunk.remaining() >= 8) {
          chunk.putLong(rnd.nextLong());
        }
        w.write(chunk.flip());
      }
      ObjectInfo info = w.commit();
      return info.etag();
    }
  }

  private static String md5Of(ObjectStore store, String key) {
    try (ObjectReader r = store.get("demo", key)) {
      MessageDigest md = MessageDigest.getInstance("MD5");
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (r.read(buf.clear()) >= 0) {
        md.update(buf.flip());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
