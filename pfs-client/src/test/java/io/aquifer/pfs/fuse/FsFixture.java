package io.aquifer.pfs.fuse;

import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileClientConfig;
import io.aquifer.pfs.FileService;
import io.aquifer.pfs.FileServiceConfig;
import io.aquifer.pfs.FileServiceHandler;
import io.aquifer.pfs.PfsFixture;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.StorageConfig;
import io.aquifer.transport.Connection;
import io.aquifer.transport.Transport;
import io.aquifer.transport.Transports;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Real parts for mount tests: an object store on temporary drives (4 drives, 2+1, 64 KiB blocks), a
 * file service served on loopback TCP by one transport (the "node", which {@link #restart()} stops
 * and starts again on the same drives), and a second transport for the mounts' clients. Buffers of
 * handler, clients and mounts come from one allocator whose pinned memory must be zero at {@link
 * #close()}.
 */
final class FsFixture implements AutoCloseable {
  static final String BUCKET = "data";

  final Path root;
  final StorageConfig storageConfig;
  final FileServiceConfig serviceConfig;
  final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
  final Transport clients;
  final List<FileClient> made = new CopyOnWriteArrayList<>();
  private final List<AquiferFs> mounts = new ArrayList<>();
  ObjectStore store;
  FileService service;
  Transport node;
  Transport.Listener listener;
  FileServiceHandler handler;
  volatile InetSocketAddress address;

  FsFixture(FileServiceConfig config) throws IOException {
    root = Files.createTempDirectory("pfs-fuse-test");
    serviceConfig = config;
    storageConfig = PfsFixture.storageConfig(root);
    store = ObjectStores.open(storageConfig);
    store.createBucket(BUCKET);
    service = new FileService(store, config);
    clients = Transports.open(PfsFixture.transportConfig());
    serve();
  }

  FsFixture() throws IOException {
    this(FileServiceConfig.defaults());
  }

  private void serve() {
    node = Transports.open(PfsFixture.transportConfig());
    handler = new FileServiceHandler(service, allocator, 4 << 20, 64 << 20);
    listener = node.listen(new InetSocketAddress("127.0.0.1", 0), handler).join();
    address = listener.address();
  }

  /** Stops the node: its listener, connections and store. */
  void stop() {
    listener.close();
    node.close();
    handler.close();
    store.close();
  }

  /** Starts the node again on the same drives (on another port). */
  void start() {
    store = ObjectStores.open(storageConfig);
    service = new FileService(store, serviceConfig);
    serve();
  }

  void restart() {
    stop();
    start();
  }

  /** Connects a new client to the node's current address (as a mount's supplier). */
  Supplier<FileClient> connector() {
    return () -> {
      Connection c = clients.connect(address).join();
      FileClient fc = new FileClient(c, new FileClientConfig(1 << 20, 4, 256 << 10), allocator);
      made.add(fc);
      return fc;
    };
  }

  AquiferFs mount(AquiferFsOptions options) {
    AquiferFs fs =
        new AquiferFs(connector(), options.withSpillDir(root.resolve("spill")), allocator);
    mounts.add(fs);
    return fs;
  }

  /** A mount whose spill files go to {@code options.spillDir()}, not the fixture's directory. */
  AquiferFs mountSpillingTo(AquiferFsOptions options) {
    AquiferFs fs = new AquiferFs(connector(), options, allocator);
    mounts.add(fs);
    return fs;
  }

  AquiferFs mount() {
    return mount(AquiferFsOptions.defaults(BUCKET));
  }

  byte[] object(String key) throws IOException {
    try (ObjectReader r = store.get(BUCKET, key)) {
      return r.asInputStream().readAllBytes();
    }
  }

  @Override
  public void close() throws IOException {
    for (AquiferFs m : mounts) {
      m.close();
    }
    clients.close();
    listener.close();
    node.close();
    handler.close();
    store.close();
    PfsFixture.deleteTree(root);
    PfsFixture.awaitReleased(allocator, "mount");
  }
}
