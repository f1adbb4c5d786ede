package io.aquifer.bench.s3;

import io.netty.buffer.ByteBuf;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The second GET baseline: nginx (Debian's package) on loopback serving one file of the object size
 * from a temporary directory (sendfile, page cache) for every path, started and stopped by the
 * bench. Absent when no {@code nginx} binary is installed.
 */
final class Nginx implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final InetSocketAddress address;

  private Nginx(Process process, Path dir, InetSocketAddress address) {
    this.process = process;
    this.dir = dir;
    this.address = address;
  }

  /** The nginx binary on PATH or in /usr/sbin, or null. */
  static Path find() {
    String path = System.getenv("PATH");
    String dirs = (path == null ? "" : path) + File.pathSeparator + "/usr/sbin";
    for (String d : dirs.split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, "nginx");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Starts nginx serving {@code size} bytes (the payload repeated) at every path.
   *
   * @param payload borrowed: the bytes the file is made of
   */
  static Nginx start(Path binary, long size, ByteBuf payload) throws IOException {
    Path dir = Files.createTempDirectory("aquifer-bench-nginx");
    try {
      // nginx's workers run as nobody when started by root: let them read the file
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path www = Files.createDirectory(dir.resolve("www"));
      Files.setPosixFilePermissions(www, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path object = www.resolve("object");
      try (FileChannel ch =
          FileChannel.open(object, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long left = size;
        while (left > 0) {
          int n = (int) Math.min(left, payload.readableBytes());
          ByteBuffer b = payload.nioBuffer(payload.readerIndex(), n);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          left -= n;
        }
      }
      Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-r--r--"));
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      String conf =
          """
          daemon off;
          worker_processes auto;
          pid %1$s/nginx.pid;
          error_log %1$s/error.log warn;
          events { worker_connections 1024; }
          http {
            access_log off;
            sendfile on;
            tcp_nopush on;
            tcp_nodelay on;
            keepalive_requests 100000000;
            keepalive_timeout 300s;
            default_type application/octet-stream;
            client_body_temp_path %1$s/tmp-body;
            proxy_temp_path %1$s/tmp-proxy;
            fastcgi_temp_path %1$s/tmp-fastcgi;
            uwsgi_temp_path %1$s/tmp-uwsgi;
            scgi_temp_path %1$s/tmp-scgi;
            server {
              listen 127.0.0.1:%2$d;
              root %1$s/www;
              location / { try_files /object =404; }
            }
          }
          """
              .formatted(dir, port);
      Path confFile = dir.resolve("nginx.conf");
      Files.writeString(confFile, conf, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(
                  binary.toString(),
                  "-p",
                  dir.toString(),
                  "-e",
                  dir.resolve("error.log").toString(),
                  "-c",
                  confFile.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try (Socket s = new Socket()) {
          s.connect(address, 200);
          break;
        } catch (IOException e) {
          if (!p.isAlive() || System.nanoTime() > until) {
            p.destroyForcibly();
            String log =
                Files.exists(dir.resolve("error.log"))
                    ? Files.readString(dir.resolve("error.log")).strip()
                    : "";
            throw new IOException("nginx did not start: " + log);
          }
          Thread.sleep(50);
        }
      }
      return new Nginx(p, dir, address);
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      deleteTree(dir);
      throw new IOException("interrupted while starting nginx", e);
    }
  }

  InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(dir);
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
