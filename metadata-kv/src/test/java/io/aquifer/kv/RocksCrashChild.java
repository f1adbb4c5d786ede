package io.aquifer.kv;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link RocksKvStoreTest#syncCommitsSurviveSigkill}: commits numbered keys to
 * a durable store forever, printing each number once its commit has returned.
 */
final class RocksCrashChild {
  private RocksCrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the database directory
   */
  public static void main(String[] args) {
    KvStore store = KvStores.openRocks(KvConfig.of(Path.of(args[0]), List.of("t")));
    KvTable table = store.table("t");
    byte[] value = new byte[100];
    for (long i = 0; ; i++) {
      byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(i).array();
      try (KvBatch batch = store.newBatch()) {
        store.commit(batch.put(table, key, value));
      }
      System.out.println(i);
      System.out.flush();
    }
  }
}
