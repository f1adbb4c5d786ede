package io.aquifer.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract suite against RocksDB, plus what only a persistent store can show. */
class RocksKvStoreTest extends KvStoreContractTest {
  @TempDir Path dir;
  private int stores;

  @Override
  KvStore open(List<String> tables) {
    return KvStores.openRocks(KvConfig.of(dir.resolve("db" + stores++), tables));
  }

  @Override
  int openResources(KvStore s) {
    return ((RocksKvStore) s).openResources();
  }

  private KvStore reopen(Path path, List<String> tables) {
    return track(KvStores.openRocks(KvConfig.of(path, tables)));
  }

  @Test
  void peekWouldBlockWhenTheBlockIsOnlyOnDiskAndFindsItOnceCached() {
    Path path = dir.resolve("peek");
    KvStore first = reopen(path, TABLES);
    for (int i = 0; i < 1000; i++) {
      first.put(first.table("a"), b("key" + i), b("value" + i));
    }
    ((RocksKvStore) first).flushMemtables();
    first.close();
    KvStore second = reopen(path, TABLES);
    KvTable ta = second.table("a");
    // the table file's data block was never read since the open: only a disk read can answer
    assertEquals(KvPeek.Miss.WOULD_BLOCK, second.peek(ta, b("key7")));
    assertArrayEquals(b("value7"), second.get(ta, b("key7")));
    assertArrayEquals(b("value7"), ((KvPeek.Found) second.peek(ta, b("key7"))).value());
    // a newer value in the memtable wins over the cached block
    second.put(ta, b("key7"), b("newer"));
    assertArrayEquals(b("newer"), ((KvPeek.Found) second.peek(ta, b("key7"))).value());
    second.delete(ta, b("key7"));
    assertEquals(KvPeek.Miss.ABSENT, second.peek(ta, b("key7")));
  }

  @Test
  void dataSurvivesReopen() {
    Path path = dir.resolve("persist");
    KvStore first = reopen(path, TABLES);
    first.put(first.table("a"), b("k"), b("v"));
    try (KvBatch batch = first.newBatch()) {
      first.commit(batch.put(first.table("b"), b("k"), b("vb")).delete(first.table("a"), b("x")));
    }
    first.close();
    KvStore second = reopen(path, TABLES);
    assertArrayEquals(b("v"), second.get(second.table("a"), b("k")));
    assertArrayEquals(b("vb"), second.get(second.table("b"), b("k")));
  }

  @Test
  void unsyncedDataSurvivesCleanClose() {
    Path path = dir.resolve("nosync");
    KvConfig config = KvConfig.of(path, TABLES).withDurability(KvDurability.NONE);
    KvStore first = track(KvStores.openRocks(config));
    assertEquals(KvDurability.NONE, first.durability());
    first.put(first.table("a"), b("k"), b("v"));
    first.flush();
    first.close();
    KvStore second = track(KvStores.openRocks(config));
    assertArrayEquals(b("v"), second.get(second.table("a"), b("k")));
  }

  @Test
  void fiftyOpenCloseCyclesKeepTheData() {
    Path path = dir.resolve("cycles");
    for (int cycle = 0; cycle < 50; cycle++) {
      try (KvStore s = KvStores.openRocks(KvConfig.of(path, TABLES))) {
        KvTable t = s.table("a");
        for (int earlier = 0; earlier < cycle; earlier++) {
          assertArrayEquals(longKey(earlier), s.get(t, longKey(earlier)), "cycle " + cycle);
        }
        s.put(t, longKey(cycle), longKey(cycle));
        // Leave resources open on purpose: close must release them.
        s.scan(t, null, null);
        s.snapshot().scan(s.table("b"), null, null);
        s.newBatch().put(t, b("never"), b("committed"));
      }
    }
    try (KvStore s = KvStores.openRocks(KvConfig.of(path, TABLES))) {
      assertEquals(50, keys(s.scan(s.table("a"), null, null)).size());
    }
  }

  @Test
  void secondOpenOfTheSameDirectoryFails() {
    Path path = dir.resolve("locked");
    KvStore first = reopen(path, TABLES);
    first.put(first.table("a"), b("k"), b("v"));
    assertCode(KvException.Code.OPEN_FAILED, () -> reopen(path, TABLES));
    assertArrayEquals(b("v"), first.get(first.table("a"), b("k")));
    first.close();
    KvStore again = reopen(path, TABLES);
    assertArrayEquals(b("v"), again.get(again.table("a"), b("k")));
  }

  @Test
  void openOfAFileFails() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertCode(KvException.Code.OPEN_FAILED, () -> reopen(file, TABLES));
  }

  @Test
  void tablesCanBeAddedAndLeftOutOnReopen() {
    Path path = dir.resolve("tables");
    KvStore first = reopen(path, List.of("a", "b"));
    first.put(first.table("b"), b("k"), b("in-b"));
    first.close();
    KvStore onlyA = reopen(path, List.of("a", "c"));
    assertCode(KvException.Code.NO_SUCH_TABLE, () -> onlyA.table("b"));
    assertNull(onlyA.get(onlyA.table("c"), b("k")));
    onlyA.close();
    KvStore all = reopen(path, List.of("b", "c", "a"));
    assertArrayEquals(b("in-b"), all.get(all.table("b"), b("k")));
  }

  @Test
  void sizesGrowAfterWritingAndFlushing() {
    RocksKvStore rocks = (RocksKvStore) store;
    KvStats empty = store.stats();
    assertNonNegative(empty);
    assertEquals(0, empty.sstFilesBytes(), empty::toString);
    writeRandom(a, 1024, 4096, 3); // 4 MiB, incompressible, below the memtable size
    KvStats written = store.stats();
    assertTrue(written.memtableBytes() >= 4L << 20, written::toString);
    rocks.flushMemtables();
    KvStats flushed = store.stats();
    assertNonNegative(flushed);
    assertTrue(flushed.sstFilesBytes() >= 4L << 20, flushed::toString);
    assertTrue(flushed.liveDataBytes() >= 4L << 20, flushed::toString);
    assertTrue(flushed.memtableBytes() < written.memtableBytes(), flushed::toString);
    writeRandom(b, 512, 4096, 4); // 2 MiB more in another table
    rocks.flushMemtables();
    KvStats more = store.stats();
    assertTrue(
        more.sstFilesBytes() >= flushed.sstFilesBytes() + (2L << 20),
        () -> flushed + " -> " + more);
    assertTrue(more.liveDataBytes() >= 6L << 20, more::toString);
  }

  @Test
  void statsCountColumnFamiliesLeftOutOfTheConfig() {
    Path path = dir.resolve("left-out");
    KvStore first = reopen(path, List.of("a", "b"));
    for (int i = 0; i < 256; i++) {
      first.put(first.table("b"), longKey(i), new byte[4096]);
    }
    ((RocksKvStore) first).flushMemtables();
    long withB = first.stats().sstFilesBytes();
    first.close();
    KvStore onlyA = reopen(path, List.of("a"));
    assertEquals(withB, onlyA.stats().sstFilesBytes(), "b's files are still on disk");
  }

  @Test
  void syncCommitsSurviveSigkill() throws Exception {
    Path path = dir.resolve("crash");
    Path stderr = dir.resolve("child.err");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                RocksCrashChild.class.getName(),
                path.toString())
            .redirectError(stderr.toFile())
            .start();
    long acknowledged = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while (acknowledged < 200 && (line = out.readLine()) != null) {
        acknowledged = Long.parseLong(line.strip());
      }
      assertTrue(
          acknowledged >= 200,
          () -> "child stopped early: " + readQuietly(stderr) + " exit " + child.exitValue());
      // SIGKILL, through the handle: Process.destroyForcibly() would also close our end of the
      // pipe, and the numbers already printed before the kill were acknowledged too.
      assertTrue(child.toHandle().destroyForcibly(), "SIGKILL not sent");
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
      while ((line = out.readLine()) != null && !line.isBlank()) {
        acknowledged = Long.parseLong(line.strip());
      }
    } finally {
      child.destroyForcibly();
    }
    KvStore after = reopen(path, List.of("t"));
    KvTable t = after.table("t");
    for (long i = 0; i <= acknowledged; i++) {
      assertArrayEquals(new byte[100], after.get(t, longKey(i)), "acknowledged commit " + i);
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
