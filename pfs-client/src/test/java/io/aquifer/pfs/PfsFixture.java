package io.aquifer.pfs;

import static org.junit.jupiter.api.Assertions.fail;

import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.StorageConfig;
import io.aquifer.storage.codec.CodecKind;
import io.aquifer.transport.Connection;
import io.aquifer.transport.Transport;
import io.aquifer.transport.TransportConfig;
import io.aquifer.transport.Transports;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Real parts for pfs tests: an object store on temporary drives (4 drives, 2+1, 64 KiB blocks), a
 * file service on it, and, with {@link #withTransport}, a TCP transport on loopback serving it with
 * a {@link FileClient} connected. Buffers of the client and handler come from one allocator whose
 * pinned memory must return to zero at {@link #close()}.
 */
public final class PfsFixture implements AutoCloseable {
  static final String BUCKET = "data";
  static final int BLOCK = 64 << 10;

  final Path root;
  final StorageConfig storageConfig;
  final ObjectStore store;
  final FileService service;
  final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
  Transport transport;
  Transport.Listener listener;
  FileServiceHandler handler;
  Connection connection;
  FileClient client;

  PfsFixture(FileServiceConfig config) throws IOException {
    root = Files.createTempDirectory("pfs-test");
    storageConfig = storageConfig(root);
    store = ObjectStores.open(storageConfig);
    store.createBucket(BUCKET);
    service = new FileService(store, config);
  }

  PfsFixture() throws IOException {
    this(FileServiceConfig.defaults());
  }

  /** Serves the file service on loopback TCP and connects a client to it. */
  PfsFixture withTransport(FileClientConfig clientConfig) {
    transport = Transports.open(transportConfig());
    handler = new FileServiceHandler(service, allocator, 4 << 20, 64 << 20);
    listener = transport.listen(new InetSocketAddress("127.0.0.1", 0), handler).join();
    connection = transport.connect(listener.address()).join();
    client = new FileClient(connection, clientConfig, allocator);
    return this;
  }

  PfsFixture withTransport() {
    return withTransport(new FileClientConfig(1 << 20, 4, 256 << 10));
  }

  @Override
  public void close() throws IOException {
    if (connection != null) {
      connection.close();
    }
    if (listener != null) {
      listener.close();
    }
    if (transport != null) {
      transport.close();
    }
    if (handler != null) {
      handler.close();
    }
    store.close();
    deleteTree(root);
    awaitReleased(allocator, "pfs");
    awaitReleased(PooledByteBufAllocator.DEFAULT, "transport");
  }

  /**
   * The store of pfs tests under {@code root}: 4 drives, RS 2+1, 64 KiB blocks, not durable (the
   * tests never crash the machine).
   */
  public static StorageConfig storageConfig(Path root) {
    List<Path> drives = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      drives.add(root.resolve("drive" + i));
    }
    return new StorageConfig(
        drives,
        root.resolve("index"),
        2,
        1,
        BLOCK,
        CodecKind.AUTO,
        false,
        64L << 20,
        5000,
        Duration.ZERO,
        StorageConfig.DEFAULT_SCRUB_BYTES_PER_SECOND);
  }

  /** TCP on loopback, frames of 2 MiB, a 16 MiB window, a minute per request. */
  public static TransportConfig transportConfig() {
    return TransportConfig.defaults()
        .withKind(TransportConfig.Kind.TCP, false)
        .withSizes(2 << 20, 16 << 20, 256L << 20)
        .withRequestTimeout(Duration.ofSeconds(60));
  }

  /** Waits up to 10 s for every buffer of {@code allocator} to be released, else fails. */
  public static void awaitReleased(PooledByteBufAllocator allocator, String what) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (allocator.pinnedDirectMemory() + allocator.pinnedHeapMemory() != 0) {
      if (System.nanoTime() - deadline > 0) {
        fail(
            what
                + " buffers left allocated: "
                + allocator.pinnedDirectMemory()
                + " direct and "
                + allocator.pinnedHeapMemory()
                + " heap bytes");
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  public static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static String md5(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
