package io.aquifer.storage;

import io.aquifer.kv.KvConfig;
import io.aquifer.kv.KvDurability;
import io.aquifer.kv.KvException;
import io.aquifer.kv.KvStore;
import io.aquifer.kv.KvStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.UUID;

/** Opens object stores. */
public final class ObjectStores {
  static final byte[] STORE_ID_KEY = "store-id".getBytes(StandardCharsets.UTF_8);

  private ObjectStores() {}

  /**
   * Opens the store, creating it when neither the index nor the drives hold one. Collects leftovers
   * of interrupted writes, identifies drives, and starts background healing.
   *
   * @throws StorageException when the index is missing but the drives hold data (run {@code
   *     rebuild-index}), when fewer than k drives are online, or when the index cannot be opened
   */
  public static ObjectStore open(StorageConfig config) {
    return open(config, true);
  }

  /**
   * Opens the store; without {@code background} no maintenance thread runs (see {@link
   * LocalObjectStore#LocalObjectStore(StoreCore, boolean)}), for tests.
   */
  static ObjectStore open(StorageConfig config, boolean background) {
    return open(config, background, false);
  }

  /**
   * Like {@link #open(StorageConfig, boolean)}; with {@code bufferIndexLog}, for crash tests only,
   * the index log is kept in memory until a sync ({@link
   * io.aquifer.kv.KvStores#openRocksBufferingLog}), so a SIGKILL loses the unsynced commits as
   * power loss would.
   */
  static ObjectStore open(StorageConfig config, boolean background, boolean bufferIndexLog) {
    KvStore kv = openIndex(config, bufferIndexLog);
    try {
      byte[] id = kv.get(kv.table(StoreCore.T_SYSTEM), STORE_ID_KEY);
      boolean fresh = id == null;
      String storeId;
      if (fresh) {
        String onDrives = DriveSet.storeIdOnDrives(config.drives());
        if (onDrives != null) {
          throw new StorageException(
              StatusCode.METADATA_ERROR,
              "the index at "
                  + config.indexDir()
                  + " is empty but the drives hold store "
                  + onDrives
                  + ": run rebuild-index to restore it");
        }
        storeId = UUID.randomUUID().toString();
        kv.put(
            kv.table(StoreCore.T_SYSTEM), STORE_ID_KEY, storeId.getBytes(StandardCharsets.UTF_8));
      } else {
        storeId = new String(id, StandardCharsets.UTF_8);
      }
      DriveSet drives =
          DriveSet.open(config.drives(), storeId, fresh, kv, kv.table(StoreCore.T_SYSTEM));
      drives.configureDirect(config.directIo());
      if (drives.online() < config.dataShards()) {
        throw new StorageException(
            StatusCode.READ_QUORUM_LOST,
            "only "
                + drives.online()
                + " of "
                + drives.size()
                + " drives are online; at least "
                + config.dataShards()
                + " (k) are needed to serve data");
      }
      return new LocalObjectStore(new StoreCore(config, kv, drives, Clock.systemUTC()), background);
    } catch (RuntimeException e) {
      kv.close();
      throw e;
    }
  }

  static KvStore openIndex(StorageConfig config) {
    return openIndex(config, false);
  }

  private static KvStore openIndex(StorageConfig config, boolean bufferLog) {
    try {
      Files.createDirectories(config.indexDir());
      KvConfig kc =
          new KvConfig(
              config.indexDir(),
              StoreCore.TABLES,
              config.durable() ? KvDurability.SYNC : KvDurability.NONE,
              KvConfig.DEFAULT_BLOCK_CACHE_BYTES,
              KvConfig.DEFAULT_WRITE_BUFFER_BYTES);
      return bufferLog ? KvStores.openRocksBufferingLog(kc) : KvStores.openRocks(kc);
    } catch (IOException | KvException e) {
      throw new StorageException(
          StatusCode.METADATA_ERROR, "cannot open the index at " + config.indexDir() + ": " + e, e);
    }
  }

  /**
   * Rebuilds the index from the drives alone, into an index directory that must be absent or empty.
   * Every bucket and the newest complete version of every key are restored; multipart uploads in
   * progress are restored with their parts. The store must not be open.
   *
   * @return what was restored
   */
  public static RebuildReport rebuildIndex(StorageConfig config) {
    return IndexRebuilder.rebuild(config);
  }
}
