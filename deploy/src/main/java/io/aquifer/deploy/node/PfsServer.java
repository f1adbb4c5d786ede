package io.aquifer.deploy.node;

import io.aquifer.deploy.config.NodeConfig;
import io.aquifer.pfs.FileService;
import io.aquifer.pfs.FileServiceConfig;
import io.aquifer.pfs.FileServiceHandler;
import io.aquifer.pfs.FileServiceObserver;
import io.aquifer.pfs.PfsAuthenticator;
import io.aquifer.storage.ObjectStore;
import io.aquifer.transport.Transport;
import io.aquifer.transport.TransportConfig;
import io.aquifer.transport.Transports;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The node's pfs file service: a {@link FileService} over the store, served by a {@link
 * FileServiceHandler} on a TCP transport listener, its connections authenticated against the node's
 * users. Owns the transport; the caller keeps owning the store.
 */
final class PfsServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PfsServer.class.getName());

  private final Transport transport;
  private final FileServiceHandler handler;
  private final Transport.Listener listener;
  private final Duration drainTimeout;

  /** The start's sweep of staged objects a crash left ({@link FileService#sweepOnce}). */
  final Thread sweep;

  private PfsServer(
      Transport transport,
      FileServiceHandler handler,
      Transport.Listener listener,
      Duration drainTimeout,
      Thread sweep) {
    this.transport = transport;
    this.handler = handler;
    this.listener = listener;
    this.drainTimeout = drainTimeout;
    this.sweep = sweep;
  }

  /** The transport settings of a pfs listener, or of a client of one (the same frame sizes). */
  static TransportConfig transportConfig(NodeConfig.PfsSection pfs) {
    int frame = (int) pfs.maxFrameSize().bytes();
    int window = (int) pfs.windowSize().bytes();
    return TransportConfig.defaults()
        .withKind(TransportConfig.Kind.TCP, false)
        .withSizes(frame, window, (long) window * pfs.maxConnections());
  }

  /**
   * Listens on {@code pfs.listen}.
   *
   * @throws IllegalStateException when the address cannot be bound (the message names it)
   */
  static PfsServer start(
      NodeConfig.PfsSection pfs,
      ObjectStore store,
      PfsAuthenticator users,
      FileServiceObserver observer) {
    FileService service =
        new FileService(
            store,
            FileServiceConfig.defaults()
                .withMaxRenameEntries(pfs.maxRenameEntries())
                .withMd5EtagMaxSize(pfs.md5EtagMaxSize().bytes()));
    FileServiceHandler handler =
        new FileServiceHandler(
            service,
            ByteBufAllocator.DEFAULT,
            pfs.maxReadBytes(),
            (int) pfs.maxReadInflight().bytes(),
            users,
            observer);
    Transport transport = Transports.open(transportConfig(pfs));
    InetSocketAddress address = new InetSocketAddress(pfs.listen().host(), pfs.listen().port());
    try {
      Transport.Listener listener = transport.listen(address, handler).join();
      // staged objects a crash left (between a stream's staged commit and its rename)
      Thread sweep = Thread.ofVirtual().name("pfs-sweep").start(service::sweepOnce);
      return new PfsServer(transport, handler, listener, pfs.drainTimeout(), sweep);
    } catch (CompletionException | IllegalArgumentException e) {
      transport.close();
      handler.close();
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "pfs: cannot listen on " + pfs.listen() + ": " + cause.getMessage(), cause);
    }
  }

  /** Where it listens (with the chosen port). */
  InetSocketAddress address() {
    return listener.address();
  }

  /**
   * Stops accepting, lets requests in flight finish for up to {@code pfs.drain-timeout} (new
   * requests on open connections are answered EIO "shutting down"), then closes the connections
   * (which ends writes still streaming, storing nothing of them) and the transport.
   */
  @Override
  public void close() {
    listener.close();
    Thread drain = Thread.ofVirtual().name("pfs-drain").start(handler::close);
    try {
      if (!drain.join(drainTimeout)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "pfs: requests still in flight after "
                + drainTimeout.toMillis()
                + " ms; closing their connections");
      }
      transport.close();
      drain.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      transport.close();
    }
  }
}
