package io.aquifer.bench.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PUT workloads put new keys in every run, never over an earlier run's objects. */
class WorkloadsTest {
  @Test
  void putNewNeverRepeatsAKeyAcrossRuns() {
    Load.Workload w = Workloads.putNew("b", "p/", 4096);
    SplittableRandom rnd = new SplittableRandom(1);
    Set<String> paths = new HashSet<>();
    int sent = 0;
    for (int run = 0; run < 3; run++) { // warm-up and two rounds: seq restarts at 0 in each
      for (int worker = 0; worker < 4; worker++) {
        for (long seq = 0; seq < 50; seq++) {
          paths.add(w.next(worker, seq, rnd).path());
          sent++;
        }
      }
    }
    assertEquals(sent, paths.size());
  }

  @Test
  void mixedPutsNewKeysAcrossRuns() {
    Load.Workload w = Workloads.mixed("b", "p/", List.of("p/obj/00000000"), 4096, 2);
    SplittableRandom rnd = new SplittableRandom(2);
    Set<String> puts = new HashSet<>();
    int sent = 0;
    for (int run = 0; run < 3; run++) {
      for (long seq = 0; seq < 200; seq++) {
        S3Request r = w.next(0, seq, rnd);
        if (r.kind() == S3Request.Kind.PUT) {
          puts.add(r.path());
          sent++;
        }
      }
    }
    assertEquals(sent, puts.size());
  }
}
