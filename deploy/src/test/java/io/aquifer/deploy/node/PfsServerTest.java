package io.aquifer.deploy.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.deploy.config.HostPort;
import io.aquifer.deploy.config.NodeConfig;
import io.aquifer.pfs.FileServiceObserver;
import io.aquifer.storage.ListQuery;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's pfs listener, on a real store and loopback socket. */
class PfsServerTest {
  @TempDir Path dir;

  /**
   * A crash between a stream's staged commit and its rename leaves a whole staged object; the
   * listener's start removes it with no write through the mount, and keeps every other key.
   */
  @Test
  void theStartSweepsStagedObjectsACrashLeft() throws Exception {
    StorageConfig c =
        StorageConfig.defaults(
            dir.resolve("index"),
            IntStream.range(0, 4).mapToObj(i -> dir.resolve("d" + i)).toList());
    NodeConfig.PfsSection pfs =
        new NodeConfig.PfsSection(
            null, new HostPort("127.0.0.1", 0), null, null, null, null, null, null, null);
    try (ObjectStore store = ObjectStores.open(c)) {
      store.createBucket("ckpt");
      store.put(
          "ckpt",
          ObjectStore.STAGED_KEY_PREFIX + "0123456789abcdef-7",
          new byte[3 << 20],
          PutOptions.DEFAULT);
      store.put("ckpt", "step-1.bin", new byte[] {1, 2, 3}, PutOptions.DEFAULT);
      try (PfsServer server =
          PfsServer.start(pfs, store, key -> Optional.empty(), FileServiceObserver.NONE)) {
        assertTrue(server.sweep.join(Duration.ofSeconds(60)), "the sweep ended");
        List<String> keys =
            store.list("ckpt", ListQuery.prefix("")).objects().stream()
                .map(ObjectInfo::key)
                .toList();
        assertEquals(List.of("step-1.bin"), keys);
      }
    }
  }
}
