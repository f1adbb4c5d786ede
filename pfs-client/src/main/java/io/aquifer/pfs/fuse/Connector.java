package io.aquifer.pfs.fuse;

import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FsException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The mount's one file-service client, made by a supplier (which connects, and authenticates where
 * that applies) and made again when its connection has ended: a node restart fails the calls in
 * flight with EIO, and the next call connects anew. Reads retry once on a fresh connection; changes
 * never retry (they may have happened).
 */
final class Connector implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Connector.class.getName());

  private final Supplier<FileClient> connect;
  private FileClient current;
  private boolean down;
  private boolean closed;

  Connector(Supplier<FileClient> connect) {
    this.connect = Objects.requireNonNull(connect, "connect");
  }

  /** The client, connecting first when there is none or its connection ended. */
  synchronized FileClient client() {
    if (closed) {
      throw new FsException(Errno.EIO, "the mount is closed");
    }
    if (current != null && !current.connection().closeFuture().isDone()) {
      return current;
    }
    if (current != null) {
      current.connection().close();
      current = null;
    }
    try {
      current = Objects.requireNonNull(connect.get(), "connect returned null");
    } catch (RuntimeException e) {
      if (!down) {
        LOG.log(System.Logger.Level.WARNING, "mount: cannot reach the file service: " + e);
        down = true;
      }
      throw new FsException(Errno.EIO, "the file service is unreachable: " + e, e);
    }
    if (down) {
      LOG.log(System.Logger.Level.INFO, "mount: connected to the file service again");
      down = false;
    }
    return current;
  }

  /** A change: runs once; EIO when the connection is (or goes) down. */
  <T> T change(Function<FileClient, T> call) {
    return call.apply(client());
  }

  /** A read-only call: retried once on a new connection when the one it ran on was lost. */
  <T> T read(Function<FileClient, T> call) {
    FileClient c = client();
    try {
      return call.apply(c);
    } catch (FsException e) {
      if (e.errno() != Errno.EIO || !lost(c)) {
        throw e;
      }
      return call.apply(client());
    }
  }

  /** Whether {@code c}'s connection ended (waiting briefly: the loss may still be on its way). */
  static boolean lost(FileClient c) {
    try {
      c.connection().closeFuture().get(200, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (current != null) {
      current.connection().close();
      current = null;
    }
  }
}
