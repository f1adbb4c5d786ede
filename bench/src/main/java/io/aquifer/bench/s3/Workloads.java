package io.aquifer.bench.s3;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The workloads of the operations, over one bucket and one key prefix per run. */
final class Workloads {
  private Workloads() {}

  /** Key {@code i} of the prepared objects. */
  static String objectKey(String prefix, int i) {
    return prefix + "obj/" + String.format("%08d", i);
  }

  /** PUTs of the given keys, each once, then done. */
  static Load.Workload putEach(String bucket, List<String> keys, long size) {
    AtomicInteger next = new AtomicInteger();
    return (w, seq, rnd) -> {
      int i = next.getAndIncrement();
      return i < keys.size() ? S3Request.put(bucket, keys.get(i), size) : null;
    };
  }

  /** DELETEs of the given keys, each once, then done. */
  static Load.Workload deleteEach(String bucket, List<String> keys) {
    AtomicInteger next = new AtomicInteger();
    return (w, seq, rnd) -> {
      int i = next.getAndIncrement();
      return i < keys.size() ? S3Request.delete(bucket, keys.get(i)) : null;
    };
  }

  /**
   * PUTs of new keys {@code prefix/put/<n>}, without end: {@code n} counts over every run of the
   * workload (warm-up and rounds), so no run overwrites what an earlier one put. (With the per-run
   * sequence in the key, every run after the first overwrote the first's objects, and measured
   * overwrites: for 4 KiB objects, about a fifth of the rate of new keys.)
   */
  static Load.Workload putNew(String bucket, String prefix, long size) {
    AtomicLong n = new AtomicLong();
    return (w, seq, rnd) -> S3Request.put(bucket, prefix + "put/" + n.getAndIncrement(), size);
  }

  /** GETs of prepared objects chosen at random, without end. */
  static Load.Workload getRandom(String bucket, List<String> keys) {
    return (w, seq, rnd) -> S3Request.get(bucket, keys.get(rnd.nextInt(keys.size())));
  }

  /** ListObjectsV2 of the first page (up to 1000 keys) of the prepared objects, without end. */
  static Load.Workload list(String bucket, String prefix) {
    return (w, seq, rnd) -> S3Request.list(bucket, prefix + "obj/", 1000, null, false);
  }

  /**
   * 60% GET of a prepared object, 30% PUT of a new key, 10% DELETE of a key this worker put before
   * (a GET while it has none), without end.
   */
  static Load.Workload mixed(
      String bucket, String prefix, List<String> keys, long size, int workers) {
    List<ArrayDeque<String>> own = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      own.add(new ArrayDeque<>());
    }
    String[] putting = new String[workers];
    AtomicLong n = new AtomicLong(); // over every run, as for putNew
    return new Load.Workload() {
      @Override
      public S3Request next(int w, long seq, SplittableRandom rnd) {
        int dice = rnd.nextInt(100);
        if (dice >= 60 && dice < 90) {
          putting[w] = prefix + "mix/" + n.getAndIncrement();
          return S3Request.put(bucket, putting[w], size);
        }
        if (dice >= 90 && !own.get(w).isEmpty()) {
          return S3Request.delete(bucket, own.get(w).pollFirst());
        }
        return S3Request.get(bucket, keys.get(rnd.nextInt(keys.size())));
      }

      @Override
      public void completed(int w, S3Request r, Outcome o) {
        if (r.kind() == S3Request.Kind.PUT && o.ok()) {
          own.get(w).addLast(putting[w]);
        }
      }
    };
  }
}
