package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A TCP server facing a peer that does not follow the protocol (a raw socket): it closes that
 * connection, leaks nothing, and keeps serving everyone else. Also the buffer-pool budget.
 */
@ExtendWith(BufferLeakExtension.class)
class TcpWireTest implements BufferLeakExtension.Counted {
  private static final int FRAME = TransportContractTest.FRAME;
  private static final int WINDOW = TransportContractTest.WINDOW;

  private final CountingAllocator allocator = CountingAllocator.pooled();
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final List<Message> held = new ArrayList<>();

  @Override
  public CountingAllocator allocator() {
    return allocator;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
    synchronized (held) {
      held.forEach(Message::close);
    }
  }

  private TransportConfig config() {
    return TransportConfig.defaults()
        .withKind(TransportConfig.Kind.TCP, false)
        .withSizes(FRAME, WINDOW, 64L << 20);
  }

  private TcpTransport transport(TransportConfig config) {
    TcpTransport transport =
        new TcpTransport(config, TransportOptions.defaults().withAllocator(allocator.allocator()));
    opened.add(transport);
    return transport;
  }

  /** A server whose handler holds every request and never answers. */
  private InetSocketAddress holdingServer(TransportConfig config) {
    Transport server = transport(config);
    return Await.get(
            server.listen(
                request -> {
                  synchronized (held) {
                    held.add(request);
                  }
                  return new CompletableFuture<>();
                }))
        .address();
  }

  private Socket raw(InetSocketAddress address) throws IOException {
    Socket socket = new Socket(address.getAddress(), address.getPort());
    socket.setSoTimeout((int) Duration.ofSeconds(Await.BOUND_SECONDS).toMillis());
    opened.add(socket);
    return socket;
  }

  private static void frame(
      DataOutputStream out, int version, int type, int flags, long id, byte[] header, int payload)
      throws IOException {
    out.writeInt(Wire.MAGIC);
    out.writeByte(version);
    out.writeByte(type);
    out.writeShort(flags);
    out.writeLong(id);
    out.writeInt(header.length);
    out.writeInt(payload);
    out.writeInt(0);
    out.write(header);
    out.write(new byte[payload]);
  }

  private static void hello(DataOutputStream out) throws IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    DataOutputStream body = new DataOutputStream(bytes);
    body.writeShort(1);
    body.writeShort(1);
    body.writeShort(0);
    body.writeShort(0);
    body.writeLong(0);
    body.writeInt(FRAME);
    body.writeInt(WINDOW);
    frame(out, 1, Wire.TYPE_HELLO, 0, 0, bytes.toByteArray(), 0);
  }

  /** Reads until the server closes the connection; returns the bytes it sent. */
  private static byte[] readToClose(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    return in.readAllBytes();
  }

  private void stillServes(InetSocketAddress address) {
    Connection connection = Await.get(transport(config()).connect(address));
    CompletableFuture<Response> call =
        connection.request(
            io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1}), null, Duration.ofMillis(1));
    // accepted and handed to the handler, which holds it: the call times out
    assertInstanceOf(TransportError.Timeout.class, Await.get(call));
  }

  @Test
  void garbageInsteadOfAHelloIsDroppedAndTheServerCarriesOn() throws IOException {
    InetSocketAddress address = holdingServer(config());
    Socket socket = raw(address);
    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: aquifer.example\r\n\r\n".getBytes());
    assertEquals(0, readToClose(socket).length);
    stillServes(address);
  }

  @Test
  void aPeerThatSendsNoHelloIsDroppedAfterTheConnectTimeout() throws IOException {
    TransportConfig quick =
        new TransportConfig(
            TransportConfig.Kind.TCP,
            false,
            null,
            null,
            FRAME,
            WINDOW,
            64L << 20,
            null,
            Duration.ofMillis(200),
            true);
    InetSocketAddress address = holdingServer(quick);
    Socket socket = raw(address);
    assertEquals(0, readToClose(socket).length);
  }

  @Test
  void aServerThatNeverSaysHelloFailsTheConnectWithATimeout() throws IOException {
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      TransportConfig quick =
          new TransportConfig(
              TransportConfig.Kind.TCP,
              false,
              null,
              null,
              FRAME,
              WINDOW,
              64L << 20,
              null,
              Duration.ofMillis(200),
              true);
      TcpTransport client = transport(quick);
      CompletableFuture<Connection> connect =
          client.connect(new InetSocketAddress(silent.getInetAddress(), silent.getLocalPort()));
      TransportException failure =
          assertInstanceOf(TransportException.class, Await.failure(connect));
      assertEquals(new TransportError.Timeout(Duration.ofMillis(200)), failure.error());
      assertEquals(64L << 20, client.poolFreeBytes());
    }
  }

  @Test
  void aPeerThatSendsBeyondItsCreditIsDropped() throws IOException {
    InetSocketAddress address = holdingServer(config());
    Socket socket = raw(address);
    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
    hello(out);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    in.readFully(new byte[Wire.HEADER_BYTES + Wire.HELLO_BYTES]); // the server's hello
    // the handler holds every request, so no credit comes back: the window's worth, then one more
    int payload = FRAME - Wire.HEADER_BYTES;
    for (int id = 1; id <= WINDOW / FRAME + 1; id++) {
      frame(out, 1, Wire.TYPE_REQUEST, Wire.FLAG_END, id, new byte[0], payload);
    }
    out.flush();
    readToClose(socket);
    stillServes(address);
  }

  @Test
  void connectionsBeyondTheBufferPoolAreRefused() {
    CompletableFuture<TransportError.ConnectionLost> serverSideClosed = new CompletableFuture<>();
    TcpTransport server =
        new TcpTransport(
            config().withSizes(FRAME, WINDOW, 2L * WINDOW),
            TransportOptions.defaults()
                .withAllocator(allocator.allocator())
                .withProbe(
                    new TransportProbe() {
                      @Override
                      public void connectionClosed(TransportError.ConnectionLost why) {
                        serverSideClosed.complete(why);
                      }
                    }));
    opened.add(server);
    InetSocketAddress address = Await.get(server.listen(TransportContractTest.ECHO)).address();
    TcpTransport clients = transport(config());
    Connection first = Await.get(clients.connect(address));
    Await.get(clients.connect(address));
    TransportException refused =
        assertInstanceOf(TransportException.class, Await.failure(clients.connect(address)));
    assertInstanceOf(TransportError.ConnectionLost.class, refused.error());

    first.close();
    Await.get(serverSideClosed); // the server has seen the close and freed that window
    assertEquals(WINDOW, server.poolFreeBytes());
    opened.add(Await.get(clients.connect(address)));
  }
}
