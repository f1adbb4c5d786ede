package io.aquifer.pfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.transport.Connection;
import io.aquifer.transport.Response;
import io.aquifer.transport.TransportError;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The file service's handshake and bucket ownership, over a real TCP transport: alice and bob own a
 * bucket each, root owns none and may use all.
 */
@ExtendWith(LeakCheckExtension.class)
class FileServiceAuthTest {
  private static final String ALICE_KEY = "AKALICE";
  private static final String ALICE_SECRET = "alice-secret-key";
  private static final String BOB_KEY = "AKBOB";
  private static final String BOB_SECRET = "bob-secret-key";
  private static final String ROOT_KEY = "AKROOT";
  private static final String ROOT_SECRET = "root-secret-key";

  private static final Map<String, PfsAuthenticator.Credential> USERS =
      Map.of(
          ALICE_KEY, new PfsAuthenticator.Credential("alice", ALICE_SECRET, false),
          BOB_KEY, new PfsAuthenticator.Credential("bob", BOB_SECRET, false),
          ROOT_KEY, new PfsAuthenticator.Credential("root", ROOT_SECRET, true));

  private final Map<String, PfsAuthenticator.Credential> users = new ConcurrentHashMap<>(USERS);
  private final AtomicInteger connections = new AtomicInteger();
  private final java.util.concurrent.CountDownLatch closedOnce =
      new java.util.concurrent.CountDownLatch(1);
  private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
  private final List<Connection> opened = new ArrayList<>();
  private PfsFixture fx;

  @BeforeEach
  void open() throws Exception {
    fx = new PfsFixture();
    fx.store.createBucket("alice-data", "alice");
    fx.store.createBucket("bob-data", "bob");
    fx.store.put(
        "bob-data",
        "secret.txt",
        "bob's".getBytes(StandardCharsets.UTF_8),
        io.aquifer.storage.PutOptions.DEFAULT);
    FileServiceObserver observer =
        new FileServiceObserver() {
          @Override
          public void connectionOpened() {
            connections.incrementAndGet();
          }

          @Override
          public void connectionClosed() {
            connections.decrementAndGet();
            closedOnce.countDown();
          }

          @Override
          public void request(String op, String status) {
            statuses.computeIfAbsent(op + " " + status, k -> new AtomicInteger()).incrementAndGet();
          }
        };
    fx.transport =
        io.aquifer.transport.Transports.open(
            io.aquifer.transport.TransportConfig.defaults()
                .withKind(io.aquifer.transport.TransportConfig.Kind.TCP, false)
                .withSizes(2 << 20, 16 << 20, 256L << 20));
    fx.handler =
        new FileServiceHandler(
            fx.service,
            fx.allocator,
            4 << 20,
            64 << 20,
            key -> Optional.ofNullable(users.get(key)),
            observer);
    fx.listener = fx.transport.listen(new InetSocketAddress("127.0.0.1", 0), fx.handler).join();
  }

  @AfterEach
  void close() throws Exception {
    opened.forEach(Connection::close);
    fx.close();
  }

  private Connection connection() {
    Connection c = fx.transport.connect(fx.listener.address()).join();
    opened.add(c);
    return c;
  }

  private FileClient client(Connection c) {
    return new FileClient(c, new FileClientConfig(1 << 20, 4, 256 << 10), fx.allocator);
  }

  private FileClient as(String key, String secret) {
    FileClient c = client(connection());
    c.authenticate(key, secret);
    return c;
  }

  private static FsException assertErrno(Errno expected, Executable call) {
    FsException e = assertThrows(FsException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
    return e;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] read(FileClient c, String bucket, String path) {
    ByteBuf dst = fx.allocator.directBuffer();
    try {
      c.read(bucket, path, 0, dst, 1 << 20);
      byte[] out = new byte[dst.readableBytes()];
      dst.readBytes(out);
      return out;
    } finally {
      dst.release();
    }
  }

  @Test
  void goodCredentialsUseTheirOwnBucket() throws Exception {
    FileClient alice = client(connection());
    assertEquals(new PfsIdentity("alice", false), alice.authenticate(ALICE_KEY, ALICE_SECRET));
    alice.mkdir("alice-data", "dir", 0755);
    alice.write("alice-data", "dir/f.txt", new ByteArrayInputStream(bytes("hello")), null);
    assertArrayEquals(bytes("hello"), read(alice, "alice-data", "dir/f.txt"));
    assertEquals(1, alice.readdirAll("alice-data", "dir").size());
    alice.rename("alice-data", "dir/f.txt", "dir/g.txt", false);
    alice.unlink("alice-data", "dir/g.txt");
    // a missing bucket is not a refusal: it does not exist
    assertErrno(Errno.ENOENT, () -> alice.getattr("no-such-bucket", ""));

    FileClient viaConnect =
        FileClient.connect(
            connection(), ALICE_KEY, ALICE_SECRET, new FileClientConfig(1 << 20, 4, 256 << 10));
    assertEquals(FileType.DIRECTORY, viaConnect.getattr("alice-data", "dir").type());
  }

  @Test
  void wrongSecretUnknownKeyAndNoAuthAreRefused() {
    FileClient wrong = client(connection());
    FsException e = assertErrno(Errno.EACCES, () -> wrong.authenticate(ALICE_KEY, "not-it"));
    assertTrue(e.getMessage().contains("signature does not match"), e.getMessage());
    assertErrno(Errno.EACCES, () -> wrong.getattr("alice-data", ""));
    // a refused AUTH used up its nonce; a fresh handshake on the same connection may succeed
    assertEquals("alice", wrong.authenticate(ALICE_KEY, ALICE_SECRET).user());

    FileClient unknown = client(connection());
    e = assertErrno(Errno.EACCES, () -> unknown.authenticate("AKNOBODY", "x"));
    assertTrue(e.getMessage().contains("unknown access key AKNOBODY"), e.getMessage());

    FileClient none = client(connection());
    e = assertErrno(Errno.EACCES, () -> none.getattr("alice-data", ""));
    assertTrue(e.getMessage().contains("not authenticated"), e.getMessage());
    assertErrno(Errno.EACCES, () -> none.readdir("alice-data", "", null, 10));
    assertErrno(Errno.EACCES, () -> read(none, "bob-data", "secret.txt"));
    assertErrno(
        Errno.EACCES,
        () -> none.write("alice-data", "f", new ByteArrayInputStream(new byte[100_000]), null));
    assertTrue(
        fx.store
            .list("alice-data", new io.aquifer.storage.ListQuery("", null, null, null, 10))
            .objects()
            .isEmpty());
  }

  @Test
  void aUserCannotUseAnotherUsersBucket() {
    FileClient alice = as(ALICE_KEY, ALICE_SECRET);
    assertErrno(Errno.EACCES, () -> read(alice, "bob-data", "secret.txt"));
    assertErrno(Errno.EACCES, () -> alice.getattr("bob-data", "secret.txt"));
    assertErrno(Errno.EACCES, () -> alice.readdir("bob-data", "", null, 100));
    assertErrno(Errno.EACCES, () -> alice.unlink("bob-data", "secret.txt"));
    assertErrno(Errno.EACCES, () -> alice.mkdir("bob-data", "d", 0755));
    assertErrno(
        Errno.EACCES,
        () -> alice.write("bob-data", "mine.txt", new ByteArrayInputStream(bytes("x")), null));
    // a bucket without an owner belongs to root
    assertErrno(Errno.EACCES, () -> alice.getattr(PfsFixture.BUCKET, ""));
    assertTrue(fx.store.headBucket("bob-data").isPresent());
    assertEquals(
        List.of("secret.txt"),
        fx
            .store
            .list("bob-data", new io.aquifer.storage.ListQuery("", null, null, null, 10))
            .objects()
            .stream()
            .map(io.aquifer.storage.ObjectInfo::key)
            .toList());
    FileClient bob = as(BOB_KEY, BOB_SECRET);
    assertArrayEquals(bytes("bob's"), read(bob, "bob-data", "secret.txt"));
  }

  @Test
  void aRevokedKeyLosesAccessOnOpenConnections() {
    FileClient alice = as(ALICE_KEY, ALICE_SECRET);
    alice.getattr("alice-data", "");
    users.remove(ALICE_KEY); // rotated, or alice removed
    FsException e = assertErrno(Errno.EACCES, () -> alice.getattr("alice-data", ""));
    assertTrue(e.getMessage().contains("rotated or its user removed"), e.getMessage());
    assertErrno(Errno.EACCES, () -> as(ALICE_KEY, ALICE_SECRET));
  }

  @Test
  void aUserListsOnlyItsOwnBuckets() {
    assertEquals(List.of("alice-data"), as(ALICE_KEY, ALICE_SECRET).listBuckets());
    assertEquals(List.of("bob-data"), as(BOB_KEY, BOB_SECRET).listBuckets());
    assertEquals(
        List.of("alice-data", "bob-data", PfsFixture.BUCKET),
        as(ROOT_KEY, ROOT_SECRET).listBuckets());
    assertErrno(Errno.EACCES, () -> client(connection()).listBuckets());
    assertErrno(Errno.EACCES, () -> as(ALICE_KEY, ALICE_SECRET).statfs("bob-data"));
  }

  @Test
  void rootUsesEveryBucket() throws Exception {
    FileClient root = as(ROOT_KEY, ROOT_SECRET);
    assertArrayEquals(bytes("bob's"), read(root, "bob-data", "secret.txt"));
    root.write("alice-data", "from-root", new ByteArrayInputStream(bytes("r")), null);
    root.getattr(PfsFixture.BUCKET, "");
    assertEquals(1, root.readdirAll("alice-data", "").size());
  }

  @Test
  void aReplayedAuthFails() {
    Connection first = connection();
    byte[] nonce = challenge(first);
    byte[] signature = PfsAuth.signature(ALICE_SECRET, nonce, ALICE_KEY);
    ok(auth(first, ALICE_KEY, signature)).close();
    // the same AUTH again on the same connection: already authenticated
    assertEquals(Errno.EINVAL, errno(auth(first, ALICE_KEY, signature)));

    Connection second = connection();
    // without a challenge of its own
    assertEquals(Errno.EACCES, errno(auth(second, ALICE_KEY, signature)));
    // after one: its nonce differs
    byte[] fresh = challenge(second);
    assertTrue(!java.util.Arrays.equals(nonce, fresh));
    assertEquals(Errno.EACCES, errno(auth(second, ALICE_KEY, signature)));
    // and that nonce is spent, even by a right answer
    assertEquals(
        Errno.EACCES,
        errno(auth(second, ALICE_KEY, PfsAuth.signature(ALICE_SECRET, fresh, ALICE_KEY))));
    assertErrno(Errno.EACCES, () -> client(second).getattr("alice-data", ""));
  }

  @Test
  void aConnectionGetsNoMoreChallengesAfterThreeFailedAuths() {
    Connection c = connection();
    for (int i = 0; i < PfsSession.MAX_FAILED_AUTHS; i++) {
      byte[] nonce = challenge(c);
      byte[] wrong = PfsAuth.signature("not-the-secret", nonce, ALICE_KEY);
      assertEquals(Errno.EACCES, errno(auth(c, ALICE_KEY, wrong)));
    }
    // no nonce, so no more guesses here: even the right secret cannot be tried
    assertErrno(Errno.EACCES, () -> client(c).authenticate(ALICE_KEY, ALICE_SECRET));
    // a new connection starts afresh
    as(ALICE_KEY, ALICE_SECRET).getattr("alice-data", "");
  }

  @Test
  void anUnauthenticatedHandlerServesEveryone() throws Exception {
    try (FileServiceHandler open = new FileServiceHandler(fx.service)) {
      var listener = fx.transport.listen(new InetSocketAddress("127.0.0.1", 0), open).join();
      try {
        Connection c = fx.transport.connect(listener.address()).join();
        opened.add(c);
        FileClient anyone = client(c);
        assertArrayEquals(bytes("bob's"), read(anyone, "bob-data", "secret.txt"));
        assertErrno(Errno.EINVAL, () -> anyone.authenticate(ALICE_KEY, ALICE_SECRET));
      } finally {
        listener.close();
      }
    }
  }

  @Test
  void theObserverSeesConnectionsAndOutcomes() throws Exception {
    FileClient alice = as(ALICE_KEY, ALICE_SECRET);
    alice.getattr("alice-data", "");
    assertErrno(Errno.EACCES, () -> alice.getattr("bob-data", ""));
    assertEquals(1, connections.get());
    assertEquals(1, statuses.get("challenge ok").get());
    assertEquals(1, statuses.get("auth ok").get());
    assertEquals(1, statuses.get("getattr ok").get());
    assertEquals(1, statuses.get("getattr EACCES").get());
    opened.remove(0).close();
    // the server sees the connection end and tells the observer
    assertTrue(closedOnce.await(10, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, connections.get());
  }

  // ---- raw handshake messages

  private ByteBuf header(int op) {
    ByteBuf h = fx.allocator.buffer(128);
    h.writeByte(FileWire.VERSION);
    h.writeByte(op);
    FileWire.writeString(h, "");
    return h;
  }

  private byte[] challenge(Connection c) {
    try (Response.Ok r = ok(c.request(header(PfsAuth.CHALLENGE), null).join())) {
      byte[] n = PfsAuth.readBytes(r.message().header());
      assertEquals(PfsAuth.NONCE_BYTES, n.length);
      return n;
    }
  }

  private Response auth(Connection c, String key, byte[] signature) {
    ByteBuf h = header(PfsAuth.AUTH);
    FileWire.writeString(h, key);
    PfsAuth.writeBytes(h, signature);
    return c.request(h, null).join();
  }

  private static Response.Ok ok(Response r) {
    return assertInstanceOf(Response.Ok.class, r, () -> "got " + r);
  }

  private static Errno errno(Response r) {
    if (r instanceof Response.Ok ok) {
      ok.close();
      throw new AssertionError("expected an error, got a success");
    }
    TransportError.RemoteError e = assertInstanceOf(TransportError.RemoteError.class, r);
    return Errno.fromNumber(e.code() - FileWire.ERRNO_BASE);
  }
}
