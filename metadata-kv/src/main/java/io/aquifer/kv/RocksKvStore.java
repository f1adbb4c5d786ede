package io.aquifer.kv;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * A {@link KvStore} over RocksDB: one column family per table.
 *
 * <p>Concurrency: every operation holds the read side of a lifecycle lock, so operations run in
 * parallel and {@link #close()} (the write side) waits for those in flight before it frees native
 * memory; afterwards every call throws {@link KvException.Code#CLOSED} instead of touching freed
 * memory. Commits are not serialized in Java: concurrent {@link #commit} calls reach RocksDB
 * together, which joins them into one write group with a single log write and, in {@link
 * KvDurability#SYNC} mode, a single fsync shared by all of them (group commit).
 */
final class RocksKvStore implements KvStore {
  private final RocksDB db;
  private final RocksTuning tuning;
  private final List<ColumnFamilyHandle> handles;
  private final Map<String, RocksTable> tables;
  private final KvDurability durability;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Set<RocksResource> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Read options for {@link #peek}: memtables and block cache only. Shared by every peek (RocksDB
   * read options are safe to share for reads); closed with the store.
   */
  private final ReadOptions memoryOnly = new ReadOptions().setReadTier(ReadTier.BLOCK_CACHE_TIER);

  private RocksKvStore(
      RocksDB db,
      RocksTuning tuning,
      List<ColumnFamilyHandle> handles,
      List<String> tableNames,
      KvDurability durability) {
    this.db = db;
    this.tuning = tuning;
    this.handles = handles;
    this.durability = durability;
    Map<String, RocksTable> byName = new LinkedHashMap<>();
    for (int i = 0; i < handles.size(); i++) {
      String name = new String(nameOf(handles.get(i)), UTF_8);
      if (tableNames.contains(name)) {
        byName.put(name, new RocksTable(name, handles.get(i), this));
      }
    }
    this.tables = Map.copyOf(byName);
  }

  private static byte[] nameOf(ColumnFamilyHandle handle) {
    try {
      return handle.getName();
    } catch (RocksDBException e) {
      throw RocksErrors.map("reading a column family name", e);
    }
  }

  /**
   * Opens or creates the database in {@code config.dir()}, creating missing tables. Column families
   * on disk that the config does not list are opened (RocksDB requires it) but not exposed.
   *
   * @throws KvException with {@link KvException.Code#OPEN_FAILED} when the directory cannot be
   *     created, the database is locked by another open store (in this or another process) or
   *     cannot be read
   */
  static RocksKvStore open(KvConfig config) {
    return open(config, false);
  }

  /**
   * Like {@link #open(KvConfig)}; see {@link KvStores#openRocksBufferingLog} for {@code bufferLog}.
   */
  static RocksKvStore open(KvConfig config, boolean bufferLog) {
    RocksDB.loadLibrary();
    String path = config.dir().toString();
    try {
      Files.createDirectories(config.dir());
    } catch (IOException e) {
      throw new KvException(KvException.Code.OPEN_FAILED, "cannot create " + path, e);
    }
    Set<String> names = new LinkedHashSet<>();
    names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, UTF_8));
    names.addAll(config.tables());
    names.addAll(existingColumnFamilies(config));
    RocksTuning tuning = new RocksTuning(config, names.size(), bufferLog);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : names) {
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(UTF_8), tuning.tableOptions));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db;
    try {
      db = RocksDB.open(tuning.dbOptions, path, descriptors, handles);
    } catch (RocksDBException | RuntimeException e) {
      handles.forEach(ColumnFamilyHandle::close);
      tuning.close();
      throw new KvException(
          KvException.Code.OPEN_FAILED, "cannot open " + path + ": " + e.getMessage(), e);
    }
    try {
      return new RocksKvStore(
          db, tuning, List.copyOf(handles), config.tables(), config.durability());
    } catch (RuntimeException e) {
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      tuning.close();
      throw e;
    }
  }

  private static List<String> existingColumnFamilies(KvConfig config) {
    if (!Files.exists(config.dir().resolve("CURRENT"))) {
      return List.of();
    }
    try (Options options = new Options()) {
      List<String> names = new ArrayList<>();
      for (byte[] name : RocksDB.listColumnFamilies(options, config.dir().toString())) {
        names.add(new String(name, UTF_8));
      }
      return names;
    } catch (RocksDBException e) {
      throw new KvException(
          KvException.Code.OPEN_FAILED,
          "cannot list tables of " + config.dir() + ": " + e.getMessage(),
          e);
    }
  }

  // ---- lifecycle guard ----------------------------------------------------------------------

  /** Enters an operation: holds the read side of the lifecycle lock until {@link #exit()}. */
  void enter() {
    lifecycle.readLock().lock();
    if (closed) {
      lifecycle.readLock().unlock();
      throw new KvException(KvException.Code.CLOSED, "the store is closed");
    }
  }

  /** Leaves an operation entered with {@link #enter()}. */
  void exit() {
    lifecycle.readLock().unlock();
  }

  /**
   * Like {@link #enter()} but returns {@code false} instead of throwing when the store is closed
   * (for idempotent closes of resources the store already released).
   */
  boolean enterIfOpen() {
    lifecycle.readLock().lock();
    if (closed) {
      lifecycle.readLock().unlock();
      return false;
    }
    return true;
  }

  void track(RocksResource resource) {
    open.add(resource);
  }

  void untrack(RocksResource resource) {
    open.remove(resource);
  }

  /** How many cursors, snapshots and batches are open (for leak checks in tests). */
  int openResources() {
    return open.size();
  }

  RocksDB db() {
    return db;
  }

  /** The column family of a table of this store. Call inside an operation. */
  ColumnFamilyHandle handle(KvTable table) {
    Objects.requireNonNull(table, "table");
    if (table instanceof RocksTable t && t.store() == this) {
      return t.handle();
    }
    throw new KvException(KvException.Code.INVALID_USE, table + " belongs to another store");
  }

  // ---- KvStore ------------------------------------------------------------------------------

  @Override
  public KvTable table(String name) {
    if (closed) {
      throw new KvException(KvException.Code.CLOSED, "the store is closed");
    }
    RocksTable table = tables.get(name);
    if (table == null) {
      throw new KvException(KvException.Code.NO_SUCH_TABLE, "no table " + name);
    }
    return table;
  }

  @Override
  public byte[] get(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    enter();
    try {
      return db.get(handle(table), key);
    } catch (RocksDBException e) {
      throw RocksErrors.map("get", e);
    } finally {
      exit();
    }
  }

  /**
   * Memory only: takes the lifecycle lock with {@code tryLock} (a close in progress answers {@code
   * WOULD_BLOCK}) and reads with {@link ReadTier#BLOCK_CACHE_TIER}, for which RocksDB answers
   * {@code Incomplete} instead of reading a block from disk.
   */
  @Override
  public KvPeek peek(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    if (!(table instanceof RocksTable t) || t.store() != this) {
      return KvPeek.Miss.WOULD_BLOCK;
    }
    if (!lifecycle.readLock().tryLock()) {
      return KvPeek.Miss.WOULD_BLOCK;
    }
    try {
      if (closed) {
        return KvPeek.Miss.WOULD_BLOCK;
      }
      byte[] v = db.get(t.handle(), memoryOnly, key);
      return v == null ? KvPeek.Miss.ABSENT : new KvPeek.Found(v);
    } catch (RocksDBException e) {
      // Incomplete (the answer needs I/O), or a failure that get() reports
      return KvPeek.Miss.WOULD_BLOCK;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public KvCursor scan(KvTable table, byte[] fromInclusive, byte[] toExclusive) {
    enter();
    try {
      return RocksCursor.open(this, null, handle(table), null, fromInclusive, toExclusive);
    } finally {
      exit();
    }
  }

  @Override
  public KvBatch newBatch() {
    enter();
    try {
      return new RocksBatch(this);
    } finally {
      exit();
    }
  }

  @Override
  public void commit(KvBatch batch) {
    commit(batch, durability);
  }

  @Override
  public void commit(KvBatch batch, KvDurability atMost) {
    Objects.requireNonNull(batch, "batch");
    KvDurability mode = atMost == KvDurability.NONE ? KvDurability.NONE : durability;
    enter();
    try {
      if (!(batch instanceof RocksBatch b) || b.store() != this) {
        throw new KvException(KvException.Code.INVALID_USE, "the batch belongs to another store");
      }
      b.writeTo(db, tuning.write(mode));
    } finally {
      exit();
    }
  }

  @Override
  public void put(KvTable table, byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    enter();
    try {
      db.put(handle(table), tuning.write(durability), key, value);
    } catch (RocksDBException e) {
      throw RocksErrors.map("put", e);
    } finally {
      exit();
    }
  }

  @Override
  public void delete(KvTable table, byte[] key) {
    Objects.requireNonNull(key, "key");
    enter();
    try {
      db.delete(handle(table), tuning.write(durability), key);
    } catch (RocksDBException e) {
      throw RocksErrors.map("delete", e);
    } finally {
      exit();
    }
  }

  @Override
  public KvSnapshot snapshot() {
    enter();
    try {
      return RocksKvSnapshot.open(this);
    } finally {
      exit();
    }
  }

  @Override
  public KvDurability durability() {
    return durability;
  }

  @Override
  public void flush() {
    enter();
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw RocksErrors.map("flush", e);
    } finally {
      exit();
    }
  }

  /**
   * Sums the size properties over every open column family: the tables, the default column family
   * and those on disk that the config left out, since all of them hold files and memtables. {@code
   * rocksdb.num-running-compactions} is a database-wide figure, read once (summing it per column
   * family would count each compaction once per column family). Each property is a counter RocksDB
   * keeps or a walk over the file metadata in memory: no I/O.
   */
  @Override
  public KvStats stats() {
    enter();
    try {
      return new KvStats(
          sum("rocksdb.estimate-live-data-size"),
          sum("rocksdb.total-sst-files-size"),
          sum("rocksdb.cur-size-all-mem-tables"),
          sum("rocksdb.estimate-pending-compaction-bytes"),
          db.getLongProperty("rocksdb.num-running-compactions"));
    } catch (RocksDBException e) {
      throw RocksErrors.map("stats", e);
    } finally {
      exit();
    }
  }

  private long sum(String property) throws RocksDBException {
    long total = 0;
    for (ColumnFamilyHandle h : handles) {
      total += db.getLongProperty(h, property);
    }
    return total;
  }

  /**
   * Flushes the memtables of every column family to table files and waits for it (for tests that
   * need data in table files).
   */
  void flushMemtables() {
    enter();
    try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
      db.flush(options, handles);
    } catch (RocksDBException e) {
      throw RocksErrors.map("flush of memtables", e);
    } finally {
      exit();
    }
  }

  /**
   * Waits for operations in flight, releases every cursor, snapshot and batch still open, syncs the
   * log and closes the database. Idempotent.
   */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // Cursors before the snapshots they read from; batches are independent.
      open.stream().filter(r -> r instanceof RocksCursor).forEach(RocksResource::release);
      open.forEach(RocksResource::release);
      open.clear();
      RocksDBException failure = null;
      try {
        db.flushWal(true);
      } catch (RocksDBException e) {
        failure = e;
      }
      handles.forEach(ColumnFamilyHandle::close);
      try {
        db.closeE();
      } catch (RocksDBException e) {
        failure = failure == null ? e : failure;
      }
      tuning.close();
      memoryOnly.close();
      if (failure != null) {
        throw RocksErrors.map("close", failure);
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /**
   * A RocksDB property such as {@code rocksdb.stats} (which counts writes, commit groups and log
   * syncs), or {@code null} if unknown. For diagnostics and benchmarks.
   */
  String property(String name) {
    enter();
    try {
      return db.getProperty(name);
    } catch (RocksDBException e) {
      return null;
    } finally {
      exit();
    }
  }

  /** Takes a RocksDB snapshot; call inside an operation. */
  Snapshot takeSnapshot() {
    return db.getSnapshot();
  }
}
