package io.aquifer.pfs;

import io.aquifer.storage.BucketInfo;
import io.aquifer.storage.StorageException;
import io.aquifer.transport.Connection;
import io.aquifer.transport.InboundStream;
import io.aquifer.transport.Message;
import io.aquifer.transport.Reply;
import io.aquifer.transport.RequestHandler;
import io.netty.buffer.ByteBuf;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One connection's state on a {@link FileServiceHandler}: its nonce and, once AUTH succeeded, who
 * it acts as. Every op but the handshake is checked here first: before authentication it answers
 * {@link Errno#EACCES}; after, a user may use only the buckets it owns ({@code BucketInfo.owner},
 * as the S3 gateway decides), root every bucket. A missing bucket passes, and the op answers {@link
 * Errno#ENOENT}. Each op also checks that the access key still belongs to that user: a rotated key
 * or a removed user loses access at once, as over S3.
 */
final class PfsSession implements RequestHandler {
  private static final System.Logger LOG = System.getLogger(PfsSession.class.getName());

  /** Who an unauthenticated handler's connections act as: every bucket. */
  private static final PfsIdentity OPEN = new PfsIdentity("", true);

  private final FileServiceHandler handler; // null: not bound to a connection
  private final Connection connection;
  private final AtomicReference<byte[]> nonce = new AtomicReference<>();
  private volatile PfsIdentity identity;
  private volatile String accessKey; // the key it authenticated with; null when open
  private volatile boolean toldUnauthenticated;
  private final java.util.concurrent.atomic.AtomicInteger failedAuths =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Failed AUTHs after which a connection gets no more challenges (guesses are per nonce). */
  static final int MAX_FAILED_AUTHS = 3;

  private PfsSession(FileServiceHandler handler, Connection connection, PfsIdentity identity) {
    this.handler = handler;
    this.connection = connection;
    this.identity = identity;
  }

  /** The session of one accepted connection. */
  static PfsSession bind(FileServiceHandler handler, Connection connection) {
    PfsSession s =
        new PfsSession(handler, connection, handler.authenticator() == null ? OPEN : null);
    handler.observer().connectionOpened();
    connection.closeFuture().thenRun(handler.observer()::connectionClosed);
    return s;
  }

  /**
   * What requests that come without a connection act as: everything when the handler does not
   * authenticate, nothing when it does (a handshake needs a connection to belong to).
   */
  static PfsSession unbound(boolean open) {
    return new PfsSession(null, null, open ? OPEN : null);
  }

  @Override
  public CompletableFuture<Reply> onRequest(Message request) {
    String op = opOf(request.header());
    return handler.onRequest(request, this).thenApply(r -> counted(op, r));
  }

  @Override
  public CompletableFuture<Reply> onStream(Message header, InboundStream stream) {
    String op = opOf(header.header());
    return handler.onStream(header, stream, this).thenApply(r -> counted(op, r));
  }

  private static String opOf(ByteBuf h) {
    return h.readableBytes() < 2
        ? "malformed"
        : PfsAuth.opName(h.getUnsignedByte(h.readerIndex() + 1));
  }

  private Reply counted(String op, Reply r) {
    if (r != null) {
      handler.observer().request(op, PfsAuth.status(r));
    }
    return r;
  }

  private String peer() {
    return connection == null ? "(no connection)" : String.valueOf(connection.remoteAddress());
  }

  /**
   * Whether this connection may run {@code op} on {@code bucket}.
   *
   * @return null when it may, else the {@link Errno#EACCES} reply
   */
  Reply authorize(int op, String bucket) {
    PfsIdentity id = identity;
    if (id == null) {
      if (!toldUnauthenticated) {
        toldUnauthenticated = true;
        LOG.log(
            System.Logger.Level.INFO,
            "pfs: refused "
                + PfsAuth.opName(op)
                + " from "
                + peer()
                + ": the connection has not authenticated");
      }
      return PfsAuth.error(
          Errno.EACCES,
          PfsAuth.opName(op)
              + " "
              + bucket
              + ": the connection has not authenticated (send CHALLENGE, then AUTH)");
    }
    String key = accessKey;
    if (key != null && !stillHeld(key, id)) {
      return PfsAuth.error(
          Errno.EACCES,
          PfsAuth.opName(op)
              + " "
              + bucket
              + ": access key "
              + key
              + " was rotated or its user removed; authenticate again on a new connection");
    }
    if (id.root() || bucket.isEmpty()) {
      return null; // "": the store-wide ops (BUCKETS, filtered by visibleBuckets; STATFS)
    }
    Optional<BucketInfo> b;
    try {
      b = handler.store().headBucket(bucket);
    } catch (StorageException e) {
      return PfsAuth.error(
          Errno.of(e.status()), PfsAuth.opName(op) + " " + bucket + ": " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "pfs: bucket check of " + bucket + " failed", e);
      return PfsAuth.error(Errno.EIO, PfsAuth.opName(op) + " " + bucket + ": " + e);
    }
    if (b.isEmpty() || (!b.get().owner().isEmpty() && b.get().owner().equals(id.user()))) {
      return null;
    }
    return PfsAuth.error(
        Errno.EACCES,
        PfsAuth.opName(op)
            + " "
            + bucket
            + ": access denied: user "
            + id.user()
            + " does not own this bucket");
  }

  /** Of {@code names}, the buckets this connection may use: all for root, else its own. */
  List<String> visibleBuckets(List<String> names) {
    PfsIdentity id = identity;
    if (id == null) {
      return List.of();
    }
    if (id.root()) {
      return names;
    }
    Set<String> mine = new HashSet<>();
    for (BucketInfo b : handler.store().listBuckets()) {
      if (!b.owner().isEmpty() && b.owner().equals(id.user())) {
        mine.add(b.name());
      }
    }
    return names.stream().filter(mine::contains).toList();
  }

  /** Answers CHALLENGE or AUTH; {@code h} is after the bucket. */
  Reply handshake(int op, ByteBuf h) {
    if (handler == null) {
      return PfsAuth.error(Errno.EACCES, "authentication needs a connection");
    }
    PfsAuthenticator authenticator = handler.authenticator();
    if (authenticator == null) {
      return PfsAuth.error(
          Errno.EINVAL, "this file service does not authenticate (it has no users)");
    }
    PfsIdentity id = identity;
    if (id != null) {
      return PfsAuth.error(
          Errno.EINVAL, "the connection is already authenticated as user " + id.user());
    }
    if (op == PfsAuth.CHALLENGE) {
      if (failedAuths.get() >= MAX_FAILED_AUTHS) {
        return PfsAuth.error(
            Errno.EACCES,
            "authentication refused: "
                + MAX_FAILED_AUTHS
                + " failed attempts on this connection; open a new one");
      }
      byte[] n = new byte[PfsAuth.NONCE_BYTES];
      handler.random().nextBytes(n);
      nonce.set(n);
      ByteBuf reply = handler.allocator().buffer(2 + n.length);
      PfsAuth.writeBytes(reply, n);
      return Reply.ok(reply, null);
    }
    String accessKey = FileWire.readString(h);
    byte[] signature = PfsAuth.readBytes(h);
    byte[] n = nonce.getAndSet(null); // one AUTH per nonce, right or wrong
    if (n == null) {
      return refuse("AUTH without a fresh CHALLENGE on this connection");
    }
    Optional<PfsAuthenticator.Credential> c = authenticator.lookup(accessKey);
    if (c.isEmpty()) {
      return refuse("unknown access key " + accessKey);
    }
    byte[] expected = PfsAuth.signature(c.get().secretKey(), n, accessKey);
    if (!MessageDigest.isEqual(expected, signature)) {
      return refuse(
          "the signature does not match for access key " + accessKey + " (wrong secret key?)");
    }
    PfsIdentity who = new PfsIdentity(c.get().user(), c.get().root());
    this.accessKey = accessKey;
    identity = who;
    LOG.log(
        System.Logger.Level.DEBUG,
        "pfs: " + peer() + " authenticated as user " + who.user() + (who.root() ? " (root)" : ""));
    ByteBuf reply = handler.allocator().buffer(64);
    FileWire.writeString(reply, who.user());
    reply.writeByte(who.root() ? 1 : 0);
    return Reply.ok(reply, null);
  }

  /** Whether {@code key} still belongs to the user it authenticated as (one map lookup). */
  private boolean stillHeld(String key, PfsIdentity id) {
    Optional<PfsAuthenticator.Credential> now = handler.authenticator().lookup(key);
    return now.isPresent() && now.get().user().equals(id.user()) && now.get().root() == id.root();
  }

  private Reply refuse(String why) {
    failedAuths.incrementAndGet();
    LOG.log(System.Logger.Level.WARNING, "pfs: authentication refused from " + peer() + ": " + why);
    return PfsAuth.error(Errno.EACCES, "authentication refused: " + why);
  }
}
