package io.aquifer.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link KvStore} must have. Subclasses say how to open a store; every test
 * runs against each implementation.
 */
@Timeout(120)
abstract class KvStoreContractTest {
  static final List<String> TABLES = List.of("a", "b");

  /** Opens a new, empty store with the given tables; each call gives a distinct store. */
  abstract KvStore open(List<String> tables);

  /** How many cursors, snapshots and batches of the store are open. */
  abstract int openResources(KvStore s);

  KvStore store;
  KvTable a;
  KvTable b;
  private final List<KvStore> opened = new ArrayList<>();

  @BeforeEach
  void openStore() {
    store = track(open(TABLES));
    a = store.table("a");
    b = store.table("b");
  }

  @AfterEach
  void closeStores() {
    opened.forEach(KvStore::close);
  }

  KvStore track(KvStore s) {
    opened.add(s);
    return s;
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  static byte[] longKey(long n) {
    return ByteBuffer.allocate(Long.BYTES).putLong(n).array();
  }

  /** The keys of a cursor from its position to its end; closes the cursor. */
  static List<String> keys(KvCursor cursor) {
    try (cursor) {
      return rest(cursor);
    }
  }

  static List<String> rest(KvCursor cursor) {
    List<String> out = new ArrayList<>();
    while (cursor.valid()) {
      out.add(hex(cursor.key()));
      cursor.next();
    }
    return out;
  }

  static String hex(byte[] key) {
    StringBuilder s = new StringBuilder();
    for (byte x : key) {
      s.append(String.format("%02x", x & 0xFF));
    }
    return s.toString();
  }

  static List<String> hexes(byte[]... keys) {
    return Arrays.stream(keys).map(KvStoreContractTest::hex).toList();
  }

  static void assertCode(KvException.Code code, Executable call) {
    assertEquals(code, assertThrows(KvException.class, call).code());
  }

  void putAll(KvTable table, byte[]... keys) {
    for (byte[] k : keys) {
      store.put(table, k, b("v" + hex(k)));
    }
  }

  // ---- point operations ---------------------------------------------------------------------

  @Test
  void putGetDelete() {
    store.put(a, b("k"), b("v"));
    assertArrayEquals(b("v"), store.get(a, b("k")));
    store.delete(a, b("k"));
    assertNull(store.get(a, b("k")));
    store.delete(a, b("never-written"));
  }

  @Test
  void overwriteReplacesValue() {
    store.put(a, b("k"), b("v1"));
    store.put(a, b("k"), b("v2"));
    assertArrayEquals(b("v2"), store.get(a, b("k")));
    assertEquals(List.of(hex(b("k"))), keys(store.scan(a, null, null)));
  }

  @Test
  void peekSeesTheLatestCommittedState() {
    assertEquals(KvPeek.Miss.ABSENT, store.peek(a, b("k")));
    store.put(a, b("k"), b("v1"));
    assertArrayEquals(b("v1"), ((KvPeek.Found) store.peek(a, b("k"))).value());
    store.put(a, b("k"), b("v2"));
    assertArrayEquals(b("v2"), ((KvPeek.Found) store.peek(a, b("k"))).value());
    assertEquals(KvPeek.Miss.ABSENT, store.peek(b, b("k")));
    try (KvBatch batch = store.newBatch()) {
      store.commit(batch.delete(a, b("k")).put(b, b("k"), b("in-b")));
    }
    assertEquals(KvPeek.Miss.ABSENT, store.peek(a, b("k")));
    assertArrayEquals(b("in-b"), ((KvPeek.Found) store.peek(b, b("k"))).value());
  }

  @Test
  void peekGivesACopy() {
    store.put(a, b("k"), b("v"));
    byte[] first = ((KvPeek.Found) store.peek(a, b("k"))).value();
    first[0] = 'x';
    assertArrayEquals(b("v"), ((KvPeek.Found) store.peek(a, b("k"))).value());
  }

  @Test
  void peekWouldBlockAfterCloseAndOnAForeignTable() {
    KvStore other = track(open(TABLES));
    other.put(other.table("a"), b("k"), b("v"));
    assertEquals(KvPeek.Miss.WOULD_BLOCK, store.peek(other.table("a"), b("k")));
    KvTable ta = other.table("a");
    other.close();
    assertEquals(KvPeek.Miss.WOULD_BLOCK, other.peek(ta, b("k")));
  }

  @Test
  void missingKeyIsNull() {
    assertNull(store.get(a, b("missing")));
    assertNull(store.get(a, new byte[0]));
  }

  @Test
  void tablesAreSeparate() {
    store.put(a, b("k"), b("in-a"));
    assertNull(store.get(b, b("k")));
    store.put(b, b("k"), b("in-b"));
    assertArrayEquals(b("in-a"), store.get(a, b("k")));
    assertArrayEquals(b("in-b"), store.get(b, b("k")));
  }

  @Test
  void unknownTableIsNoSuchTable() {
    assertCode(KvException.Code.NO_SUCH_TABLE, () -> store.table("nope"));
    assertEquals("a", store.table("a").name());
  }

  @Test
  void tableOfAnotherStoreIsInvalidUse() {
    KvStore other = track(open(TABLES));
    KvTable foreign = other.table("a");
    assertCode(KvException.Code.INVALID_USE, () -> store.get(foreign, b("k")));
    assertCode(KvException.Code.INVALID_USE, () -> store.put(foreign, b("k"), b("v")));
    try (KvBatch batch = store.newBatch()) {
      assertCode(KvException.Code.INVALID_USE, () -> batch.put(foreign, b("k"), b("v")));
    }
    try (KvBatch batch = other.newBatch()) {
      batch.put(foreign, b("k"), b("v"));
      assertCode(KvException.Code.INVALID_USE, () -> store.commit(batch));
    }
  }

  @Test
  void arraysAreCopiedInAndOut() {
    byte[] key = b("k");
    byte[] value = b("value");
    store.put(a, key, value);
    key[0] = 'x';
    value[0] = 'x';
    byte[] read = store.get(a, b("k"));
    assertArrayEquals(b("value"), read);
    read[0] = 'y';
    assertArrayEquals(b("value"), store.get(a, b("k")));
    try (KvCursor cursor = store.scan(a, null, null)) {
      cursor.key()[0] = 'z';
      cursor.value()[0] = 'z';
      assertArrayEquals(b("k"), cursor.key());
      assertArrayEquals(b("value"), cursor.value());
    }
  }

  @Test
  void emptyAndLargeValues() {
    byte[] large = new byte[1 << 20];
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) (i * 31 + 7);
    }
    store.put(a, b("empty"), new byte[0]);
    store.put(a, b("large"), large);
    assertArrayEquals(new byte[0], store.get(a, b("empty")));
    assertArrayEquals(large, store.get(a, b("large")));
    try (KvBatch batch = store.newBatch()) {
      store.commit(batch.put(b, b("empty"), new byte[0]).put(b, b("large"), large));
    }
    try (KvCursor cursor = store.scan(b, null, null)) {
      assertArrayEquals(b("empty"), cursor.key());
      assertArrayEquals(new byte[0], cursor.value());
      cursor.next();
      assertArrayEquals(large, cursor.value());
    }
    store.put(a, new byte[0], b("empty key"));
    assertArrayEquals(b("empty key"), store.get(a, new byte[0]));
  }

  // ---- scans --------------------------------------------------------------------------------

  @Test
  void scanOrderIsUnsigned() {
    byte[][] sorted = {
      new byte[0],
      bytes(0x00),
      bytes(0x00, 0x00),
      bytes(0x2F),
      bytes(0x2F, 0xFF),
      bytes(0x30),
      bytes(0x7F),
      bytes(0x80),
      bytes(0x80, 0x00),
      bytes(0xFF),
      bytes(0xFF, 0xFF)
    };
    for (int i = sorted.length - 1; i >= 0; i -= 2) {
      putAll(a, sorted[i]);
    }
    for (int i = sorted.length - 2; i >= 0; i -= 2) {
      putAll(a, sorted[i]);
    }
    assertEquals(hexes(sorted), keys(store.scan(a, null, null)));
    try (KvCursor cursor = store.scan(a, null, null)) {
      for (byte[] k : sorted) {
        assertArrayEquals(k, cursor.key());
        assertArrayEquals(b("v" + hex(k)), cursor.value());
        cursor.next();
      }
      assertFalse(cursor.valid());
    }
  }

  @Test
  void rangeBounds() {
    putAll(a, b("a"), b("b"), b("c"), b("d"), bytes(0x80), bytes(0xFF));
    assertEquals(
        hexes(b("a"), b("b"), b("c"), b("d"), bytes(0x80), bytes(0xFF)), scanA(null, null));
    assertEquals(hexes(b("b"), b("c")), scanA(b("b"), b("d")));
    assertEquals(hexes(b("c"), b("d"), bytes(0x80), bytes(0xFF)), scanA(b("bb"), null));
    assertEquals(hexes(b("a"), b("b")), scanA(null, b("c")));
    assertEquals(hexes(bytes(0x80)), scanA(bytes(0x7F), bytes(0x80, 0x00)));
    assertEquals(List.of(), scanA(b("c"), b("c")));
    assertEquals(List.of(), scanA(b("d"), b("a")));
    assertEquals(List.of(), scanA(null, new byte[0]));
    assertEquals(List.of(), scanA(bytes(0xFF, 0x00), null));
    assertEquals(List.of(), keys(store.scan(b, null, null)));
  }

  private List<String> scanA(byte[] from, byte[] to) {
    return keys(store.scan(a, from, to));
  }

  @Test
  void scanPrefix() {
    putAll(a, b("a"), b("a/"), b("a/1"), b("a/2/x"), b("a0"), b("a."), b("b"));
    assertEquals(hexes(b("a/"), b("a/1"), b("a/2/x")), keys(store.scanPrefix(a, b("a/"))));
    assertEquals(
        hexes(b("a"), b("a."), b("a/"), b("a/1"), b("a/2/x"), b("a0")),
        keys(store.scanPrefix(a, b("a"))));
    assertEquals(List.of(), keys(store.scanPrefix(a, b("c"))));
    assertEquals(7, keys(store.scanPrefix(a, new byte[0])).size());
  }

  @Test
  void scanPrefixOfAllOnes() {
    putAll(
        a,
        bytes(0xFF, 0xFE),
        bytes(0xFF, 0xFE, 0xFF),
        bytes(0xFF, 0xFF),
        bytes(0xFF, 0xFF, 0x00),
        bytes(0xFF, 0xFF, 0xFF, 0x01),
        bytes(0xFE));
    assertEquals(
        hexes(bytes(0xFF, 0xFF), bytes(0xFF, 0xFF, 0x00), bytes(0xFF, 0xFF, 0xFF, 0x01)),
        keys(store.scanPrefix(a, bytes(0xFF, 0xFF))));
    assertEquals(5, keys(store.scanPrefix(a, bytes(0xFF))).size());
    assertEquals(
        hexes(bytes(0xFF, 0xFE), bytes(0xFF, 0xFE, 0xFF)),
        keys(store.scanPrefix(a, bytes(0xFF, 0xFE))));
  }

  @Test
  void seekForwardBackwardAndClamped() {
    putAll(a, b("a"), b("b"), b("c"), b("d"), b("e"), b("f"), b("g"), b("h"));
    try (KvCursor cursor = store.scan(a, b("c"), b("g"))) {
      assertArrayEquals(b("c"), cursor.key());
      cursor.seek(b("e"));
      assertArrayEquals(b("e"), cursor.key());
      cursor.seek(b("d\0"));
      assertArrayEquals(b("e"), cursor.key());
      cursor.seek(b("a"));
      assertArrayEquals(b("c"), cursor.key(), "seek below the range clamps to its start");
      cursor.seek(b("g"));
      assertFalse(cursor.valid(), "the upper bound is exclusive");
      cursor.seek(b("zzz"));
      assertFalse(cursor.valid());
      cursor.seek(b("d"));
      assertEquals(hexes(b("d"), b("e"), b("f")), rest(cursor), "seek back after the end");
      cursor.seek(new byte[0]);
      assertArrayEquals(b("c"), cursor.key());
    }
    try (KvCursor cursor = store.scan(a, null, null)) {
      cursor.seek(b("ee"));
      assertArrayEquals(b("f"), cursor.key());
      cursor.seek(new byte[0]);
      assertArrayEquals(b("a"), cursor.key());
    }
    try (KvCursor cursor = store.scanPrefix(a, b("b"))) {
      cursor.seek(b("c"));
      assertFalse(cursor.valid());
    }
  }

  @Test
  void cursorPastTheEndThrows() {
    putAll(a, b("a"));
    try (KvCursor cursor = store.scan(a, null, null)) {
      cursor.next();
      assertFalse(cursor.valid());
      assertThrows(NoSuchElementException.class, cursor::key);
      assertThrows(NoSuchElementException.class, cursor::value);
      assertThrows(NoSuchElementException.class, cursor::next);
    }
  }

  @Test
  void cursorReadsTheStateWhenOpened() {
    putAll(a, b("a"), b("c"), b("e"));
    try (KvCursor cursor = store.scan(a, null, null)) {
      store.put(a, b("b"), b("new"));
      store.put(a, b("f"), b("new"));
      store.delete(a, b("c"));
      store.put(a, b("e"), b("changed"));
      assertEquals(hexes(b("a"), b("c"), b("e")), rest(cursor));
      cursor.seek(b("e"));
      assertArrayEquals(b("v" + hex(b("e"))), cursor.value());
    }
    assertEquals(hexes(b("a"), b("b"), b("e"), b("f")), keys(store.scan(a, null, null)));
  }

  // ---- snapshots ----------------------------------------------------------------------------

  @Test
  void snapshotIsolation() {
    store.put(a, b("k1"), b("old"));
    store.put(a, b("k3"), b("doomed"));
    store.put(b, b("k1"), b("old-b"));
    try (KvSnapshot snapshot = store.snapshot()) {
      store.put(a, b("k1"), b("new"));
      store.put(a, b("k2"), b("added"));
      store.delete(a, b("k3"));
      store.put(b, b("k1"), b("new-b"));
      assertArrayEquals(b("old"), snapshot.get(a, b("k1")));
      assertNull(snapshot.get(a, b("k2")));
      assertArrayEquals(b("doomed"), snapshot.get(a, b("k3")));
      assertArrayEquals(b("old-b"), snapshot.get(b, b("k1")));
      assertEquals(hexes(b("k1"), b("k3")), keys(snapshot.scan(a, null, null)));
      assertEquals(hexes(b("k1"), b("k3")), keys(snapshot.scanPrefix(a, b("k"))));
      try (KvCursor cursor = snapshot.scan(a, b("k1"), null)) {
        assertArrayEquals(b("old"), cursor.value());
      }
      assertArrayEquals(b("new"), store.get(a, b("k1")));
      assertEquals(hexes(b("k1"), b("k2")), keys(store.scan(a, null, null)));
    }
  }

  @Test
  void snapshotSurvivesManyOverwrites() {
    store.put(a, b("k"), longKey(0));
    try (KvSnapshot snapshot = store.snapshot()) {
      try (KvBatch batch = store.newBatch()) {
        for (int i = 1; i <= 10_000; i++) {
          batch.clear();
          batch.put(a, b("k"), longKey(i)).delete(a, b("gone" + (i % 7)));
          store.commit(batch, KvDurability.NONE);
        }
      }
      assertArrayEquals(longKey(0), snapshot.get(a, b("k")));
    }
    assertArrayEquals(longKey(10_000), store.get(a, b("k")));
  }

  @Test
  void closingASnapshotClosesItsCursors() {
    putAll(a, b("a"), b("b"));
    KvSnapshot snapshot = store.snapshot();
    KvCursor cursor = snapshot.scan(a, null, null);
    snapshot.close();
    assertCode(KvException.Code.INVALID_USE, cursor::valid);
    assertCode(KvException.Code.INVALID_USE, () -> cursor.seek(b("a")));
    assertCode(KvException.Code.INVALID_USE, () -> snapshot.get(a, b("a")));
    assertCode(KvException.Code.INVALID_USE, () -> snapshot.scan(a, null, null));
    cursor.close();
    snapshot.close();
  }

  // ---- batches ------------------------------------------------------------------------------

  @Test
  void batchAppliesInOrder() {
    store.put(a, b("existing"), b("v"));
    try (KvBatch batch = store.newBatch()) {
      batch.put(a, b("put-then-delete"), b("v"));
      batch.delete(a, b("put-then-delete"));
      batch.delete(a, b("delete-then-put"));
      batch.put(a, b("delete-then-put"), b("v"));
      batch.put(a, b("twice"), b("first"));
      batch.put(a, b("twice"), b("second"));
      batch.delete(a, b("existing"));
      assertEquals(7, batch.size());
      store.commit(batch);
    }
    assertNull(store.get(a, b("put-then-delete")));
    assertArrayEquals(b("v"), store.get(a, b("delete-then-put")));
    assertArrayEquals(b("second"), store.get(a, b("twice")));
    assertNull(store.get(a, b("existing")));
    assertEquals(hexes(b("delete-then-put"), b("twice")), keys(store.scan(a, null, null)));
  }

  @Test
  void batchIsInvisibleUntilCommitted() {
    try (KvBatch batch = store.newBatch()) {
      batch.put(a, b("k"), b("v"));
      assertNull(store.get(a, b("k")));
      store.commit(batch);
      assertArrayEquals(b("v"), store.get(a, b("k")));
    }
  }

  @Test
  void batchReuseAfterClear() {
    try (KvBatch batch = store.newBatch()) {
      assertEquals(0, batch.size());
      store.commit(batch);
      batch.put(a, b("one"), b("1")).put(b, b("one"), b("1"));
      assertEquals(2, batch.size());
      store.commit(batch);
      batch.clear();
      assertEquals(0, batch.size());
      store.delete(a, b("one"));
      batch.put(a, b("two"), b("2"));
      store.commit(batch, KvDurability.NONE);
      assertEquals(1, batch.size());
    }
    assertNull(store.get(a, b("one")), "a cleared operation is not applied again");
    assertArrayEquals(b("1"), store.get(b, b("one")));
    assertArrayEquals(b("2"), store.get(a, b("two")));
  }

  @Test
  void batchIsAtomicAcrossTablesForConcurrentReaders() throws Exception {
    int rounds = 1000;
    AtomicBoolean done = new AtomicBoolean();
    byte[] key = b("counter");
    Callable<Void> writer =
        () -> {
          try (KvBatch batch = store.newBatch()) {
            for (long i = 1; i <= rounds; i++) {
              batch.clear();
              batch.put(a, key, longKey(i)).put(b, key, longKey(i));
              batch.put(a, longKey(i), longKey(i)).put(b, longKey(i), longKey(i));
              store.commit(batch);
            }
          } finally {
            done.set(true);
          }
          return null;
        };
    Callable<Void> reader =
        () -> {
          long seen = 0;
          while (!done.get()) {
            try (KvSnapshot snapshot = store.snapshot()) {
              byte[] va = snapshot.get(a, key);
              byte[] vb = snapshot.get(b, key);
              assertArrayEquals(va, vb, "a snapshot saw half a batch");
              long n = va == null ? 0 : ByteBuffer.wrap(va).getLong();
              assertTrue(n >= seen, "commits became visible out of order");
              seen = n;
              assertEquals(n, keys(snapshot.scanPrefix(b, bytes(0, 0))).size());
            }
            try (KvCursor cursor = store.scanPrefix(a, bytes(0, 0))) {
              long count = rest(cursor).size();
              assertTrue(count >= seen, "a cursor saw an older state than a previous read");
            }
          }
          return null;
        };
    runConcurrently(List.of(writer, reader, reader));
  }

  @Test
  void concurrentCommitsAllSucceedAndAreVisible() throws Exception {
    int threads = 8;
    int perThread = 100;
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<Void>> committers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long base = (long) t * perThread;
      committers.add(
          () -> {
            start.await();
            try (KvBatch batch = store.newBatch()) {
              for (long i = base; i < base + perThread; i++) {
                batch.clear();
                store.commit(batch.put(a, longKey(i), longKey(i)).put(b, longKey(i), b("x")));
              }
            }
            return null;
          });
    }
    committers.add(
        () -> {
          start.countDown();
          return null;
        });
    runConcurrently(committers);
    try (KvCursor cursor = store.scan(a, null, null)) {
      for (long i = 0; i < (long) threads * perThread; i++) {
        assertArrayEquals(longKey(i), cursor.key());
        assertArrayEquals(longKey(i), cursor.value());
        cursor.next();
      }
      assertFalse(cursor.valid());
    }
    assertEquals(threads * perThread, keys(store.scan(b, null, null)).size());
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Test
  void closedResourcesAreNoLongerTracked() {
    store.put(a, b("k"), b("v"));
    KvCursor cursor = store.scan(a, null, null);
    KvSnapshot snapshot = store.snapshot();
    snapshot.scan(a, null, null);
    KvBatch batch = store.newBatch();
    assertEquals(4, openResources(store));
    cursor.close();
    batch.close();
    assertEquals(2, openResources(store));
    snapshot.close();
    assertEquals(0, openResources(store));
    keys(store.scan(a, null, null));
    try (KvSnapshot s = store.snapshot()) {
      keys(s.scan(b, null, null));
    }
    try (KvBatch bt = store.newBatch()) {
      store.commit(bt.put(a, b("k"), b("v2")));
    }
    assertEquals(0, openResources(store));
  }

  @Test
  void useAfterCloseIsClosed() {
    store.put(a, b("k"), b("v"));
    KvCursor cursor = store.scan(a, null, null);
    KvSnapshot snapshot = store.snapshot();
    KvCursor snapshotCursor = snapshot.scan(a, null, null);
    KvBatch batch = store.newBatch().put(a, b("k2"), b("v"));
    store.close();
    store.close();
    assertCode(KvException.Code.CLOSED, () -> store.table("a"));
    assertCode(KvException.Code.CLOSED, () -> store.get(a, b("k")));
    assertCode(KvException.Code.CLOSED, () -> store.put(a, b("k"), b("v")));
    assertCode(KvException.Code.CLOSED, () -> store.delete(a, b("k")));
    assertCode(KvException.Code.CLOSED, () -> store.scan(a, null, null));
    assertCode(KvException.Code.CLOSED, () -> store.scanPrefix(a, b("k")));
    assertCode(KvException.Code.CLOSED, store::snapshot);
    assertCode(KvException.Code.CLOSED, store::newBatch);
    assertCode(KvException.Code.CLOSED, () -> store.commit(batch));
    assertCode(KvException.Code.CLOSED, store::flush);
    assertCode(KvException.Code.CLOSED, store::stats);
    for (KvCursor c : List.of(cursor, snapshotCursor)) {
      assertCode(KvException.Code.CLOSED, c::valid);
      assertCode(KvException.Code.CLOSED, c::key);
      assertCode(KvException.Code.CLOSED, c::next);
      assertCode(KvException.Code.CLOSED, () -> c.seek(b("k")));
      c.close();
    }
    assertCode(KvException.Code.CLOSED, () -> snapshot.get(a, b("k")));
    assertCode(KvException.Code.CLOSED, () -> snapshot.scan(a, null, null));
    assertCode(KvException.Code.CLOSED, () -> batch.put(a, b("k"), b("v")));
    assertCode(KvException.Code.CLOSED, batch::size);
    assertCode(KvException.Code.CLOSED, batch::clear);
    snapshot.close();
    batch.close();
  }

  @Test
  void useOfClosedResourcesIsInvalidUse() {
    store.put(a, b("k"), b("v"));
    KvCursor cursor = store.scan(a, null, null);
    cursor.close();
    cursor.close();
    assertCode(KvException.Code.INVALID_USE, cursor::valid);
    assertCode(KvException.Code.INVALID_USE, cursor::key);
    assertCode(KvException.Code.INVALID_USE, cursor::value);
    assertCode(KvException.Code.INVALID_USE, cursor::next);
    assertCode(KvException.Code.INVALID_USE, () -> cursor.seek(b("k")));
    KvBatch batch = store.newBatch().put(a, b("k2"), b("v"));
    batch.close();
    batch.close();
    assertCode(KvException.Code.INVALID_USE, () -> batch.put(a, b("k"), b("v")));
    assertCode(KvException.Code.INVALID_USE, () -> batch.delete(a, b("k")));
    assertCode(KvException.Code.INVALID_USE, batch::size);
    assertCode(KvException.Code.INVALID_USE, batch::clear);
    assertCode(KvException.Code.INVALID_USE, () -> store.commit(batch));
    assertNull(store.get(a, b("k2")));
    KvSnapshot snapshot = store.snapshot();
    snapshot.close();
    assertCode(KvException.Code.INVALID_USE, () -> snapshot.get(a, b("k")));
  }

  @Test
  void closeWaitsForOperationsInFlightAndLaterOnesFail() throws Exception {
    int workers = 4;
    CountDownLatch warmedUp = new CountDownLatch(workers);
    List<Consumer<Long>> operations =
        List.of(
            i -> store.put(a, longKey(i), longKey(i)),
            i -> store.get(a, longKey(i / 2)),
            i -> {
              try (KvCursor cursor = store.scan(a, null, null)) {
                for (int n = 0; n < 10 && cursor.valid(); n++) {
                  cursor.value();
                  cursor.next();
                }
              }
            },
            i -> {
              try (KvSnapshot snapshot = store.snapshot();
                  KvBatch batch = store.newBatch()) {
                snapshot.get(a, longKey(i));
                store.commit(batch.put(b, longKey(i), longKey(i)).delete(a, longKey(i - 1)));
              }
            });
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Consumer<Long> operation = operations.get(w);
      tasks.add(
          () -> {
            KvException failure = null;
            for (long i = 0; failure == null; i++) {
              if (i == 100) {
                warmedUp.countDown();
              }
              try {
                operation.accept(i);
              } catch (KvException e) {
                failure = e;
              }
            }
            assertEquals(KvException.Code.CLOSED, failure.code(), failure.toString());
            return null;
          });
    }
    tasks.add(
        () -> {
          warmedUp.await();
          store.close();
          return null;
        });
    runConcurrently(tasks);
  }

  @Test
  void flushAndCommitWithoutSync() {
    try (KvBatch batch = store.newBatch()) {
      store.commit(batch.put(a, b("k"), b("v")), KvDurability.NONE);
    }
    store.flush();
    assertArrayEquals(b("v"), store.get(a, b("k")));
  }

  // ---- statistics ---------------------------------------------------------------------------

  static void assertNonNegative(KvStats s) {
    assertTrue(s.liveDataBytes() >= 0, s::toString);
    assertTrue(s.sstFilesBytes() >= 0, s::toString);
    assertTrue(s.memtableBytes() >= 0, s::toString);
    assertTrue(s.pendingCompactionBytes() >= 0, s::toString);
    assertTrue(s.runningCompactions() >= 0, s::toString);
  }

  /** Bytes the store holds, in files or memtables. */
  static long footprint(KvStats s) {
    return s.sstFilesBytes() + s.memtableBytes();
  }

  /** Writes {@code count} random values of {@code size} bytes (incompressible) to a table. */
  void writeRandom(KvTable table, int count, int size, long seed) {
    java.util.Random random = new java.util.Random(seed);
    for (int i = 0; i < count; i++) {
      byte[] v = new byte[size];
      random.nextBytes(v);
      store.put(table, longKey(i), v);
    }
  }

  @Test
  void statsGrowWithTheDataOfEveryTable() {
    KvStats empty = store.stats();
    assertNonNegative(empty);
    writeRandom(a, 128, 4096, 1);
    KvStats oneTable = store.stats();
    assertNonNegative(oneTable);
    assertTrue(
        footprint(oneTable) >= footprint(empty) + 128 * 4096,
        () -> "512 KiB written: " + empty + " -> " + oneTable);
    writeRandom(b, 128, 4096, 2);
    KvStats both = store.stats();
    assertTrue(
        footprint(both) >= footprint(oneTable) + 128 * 4096,
        () -> "the second table counts too: " + oneTable + " -> " + both);
    for (int i = 0; i < 128; i++) {
      store.delete(a, longKey(i));
    }
    assertNonNegative(store.stats());
  }

  /** Runs the tasks on their own threads and rethrows the first failure. */
  static void runConcurrently(List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
