package io.aquifer.kv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The child process of {@link BufferedLogTest}: commits key {@code synced} with a sync, then key
 * {@code unsynced} without one (and, in {@code buffered-flushed} mode, calls {@link
 * KvStore#flush()}), prints {@code READY} and waits on its standard input until killed.
 */
final class BufferedLogChild {
  private BufferedLogChild() {}

  /**
   * @param args the database directory and the mode: {@code normal}, {@code buffered} or {@code
   *     buffered-flushed}
   */
  public static void main(String[] args) throws IOException {
    KvConfig config = KvConfig.of(Path.of(args[0]), List.of("t"));
    KvStore store =
        args[1].equals("normal")
            ? KvStores.openRocks(config)
            : KvStores.openRocksBufferingLog(config);
    KvTable t = store.table("t");
    try (KvBatch b = store.newBatch()) {
      store.commit(b.put(t, bytes("synced"), bytes("1")), KvDurability.SYNC);
    }
    try (KvBatch b = store.newBatch()) {
      store.commit(b.put(t, bytes("unsynced"), bytes("2")), KvDurability.NONE);
    }
    if (args[1].equals("buffered-flushed")) {
      store.flush();
    }
    System.out.println("READY");
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for the kill
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
