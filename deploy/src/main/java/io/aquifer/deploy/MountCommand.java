package io.aquifer.deploy;

import io.aquifer.deploy.config.HostPort;
import io.aquifer.deploy.node.LogSetup;
import io.aquifer.pfs.Errno;
import io.aquifer.pfs.FileClient;
import io.aquifer.pfs.FileClientConfig;
import io.aquifer.pfs.FsException;
import io.aquifer.pfs.PfsIdentity;
import io.aquifer.pfs.fuse.AquiferFs;
import io.aquifer.pfs.fuse.AquiferFsOptions;
import io.aquifer.pfs.fuse.FuseMount;
import io.aquifer.pfs.fuse.FuseMountOptions;
import io.aquifer.transport.Connection;
import io.aquifer.transport.Transport;
import io.aquifer.transport.TransportConfig;
import io.aquifer.transport.TransportException;
import io.aquifer.transport.Transports;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aquifer mount}: mounts a node's buckets with FUSE, in the foreground, over the pfs file
 * service, authenticated with an S3 user's keys. Unmounts on SIGTERM or SIGINT and exits 0; an
 * unmount from outside ({@code umount}, {@code fusermount3 -u}) ends it too.
 */
@Command(
    name = "mount",
    mixinStandardHelpOptions = true,
    description = {
      "Mount a node's buckets (one with --bucket, else each as a top-level directory) on"
          + " MOUNTPOINT, in the foreground, until SIGTERM or Ctrl-C.",
      "Keys: --access-key/--secret-key, else --profile NAME of ~/.aws/credentials, else"
          + " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the AWS_PROFILE (or default) profile."
    })
final class MountCommand implements Callable<Integer> {
  private static final System.Logger LOG = System.getLogger(MountCommand.class.getName());

  private final PrintStream out;
  private final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--endpoint",
      paramLabel = "HOST:PORT",
      description = "the node's pfs address (default 127.0.0.1:9002; node.json's \"pfs\")")
  String endpoint = "127.0.0.1:9002";

  @Option(
      names = "--bucket",
      paramLabel = "BUCKET",
      description = "mount this bucket as the root (default: every bucket the user owns)")
  String bucket;

  @Option(names = "--access-key", paramLabel = "KEY", description = "access key id")
  String accessKey;

  @Option(names = "--secret-key", paramLabel = "SECRET", description = "secret access key")
  String secretKey;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description = "take the keys from this profile of ~/.aws/credentials")
  String profile;

  @Option(names = "--read-only", description = "mount read-only")
  boolean readOnly;

  @Parameters(paramLabel = "MOUNTPOINT", description = "an existing, empty directory")
  Path mountpoint;

  MountCommand(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = env;
  }

  /** A failure of the mount with a one-line cause (exit 1). */
  static final class MountFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MountFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The transport settings of a mount: frames that hold a 1 MiB read unit, as the node's. */
  static TransportConfig transportConfig() {
    return TransportConfig.defaults()
        .withKind(TransportConfig.Kind.TCP, false)
        .withSizes(2 << 20, 16 << 20, 64L << 20);
  }

  @Override
  public Integer call() throws Exception {
    HostPort hp;
    AwsKeys keys;
    try {
      hp = HostPort.parse(endpoint);
      keys = AwsKeys.resolve(accessKey, secretKey, profile, env);
      if (bucket != null && bucket.isEmpty()) {
        throw new IllegalArgumentException("--bucket must not be empty");
      }
    } catch (IllegalArgumentException e) {
      // a usage error, in one line (without the whole usage text)
      spec.commandLine().getErr().println("aquifer mount: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return 2;
    }
    if (!Files.isDirectory(mountpoint)) {
      throw new MountFailure("mount point " + mountpoint + " is not a directory", null);
    }
    // warnings only until mounted: a refusal is the one line the command prints
    LogSetup.configure("logfmt", "warn", false);
    InetSocketAddress address = new InetSocketAddress(hp.host(), hp.port());
    Transport transport = Transports.open(transportConfig());
    AquiferFs fs = null;
    FuseMount mount = null;
    try {
      FileClient first = connect(transport, address, keys);
      PfsIdentity who;
      try {
        who = first.authenticate(keys.accessKey(), keys.secretKey());
      } catch (FsException e) {
        first.connection().close();
        throw new MountFailure(
            "the node at "
                + hp
                + " refused access key "
                + keys.accessKey()
                + " (from "
                + keys.source()
                + "): "
                + e.getMessage(),
            e);
      }
      if (bucket != null) {
        checkBucket(first, bucket);
      }
      AtomicReference<FileClient> unused = new AtomicReference<>(first);
      Supplier<FileClient> clients =
          () -> {
            FileClient c = unused.getAndSet(null);
            if (c != null) {
              return c;
            }
            FileClient fresh = connect(transport, address, keys);
            try {
              fresh.authenticate(keys.accessKey(), keys.secretKey());
            } catch (RuntimeException e) {
              fresh.connection().close();
              throw e;
            }
            return fresh;
          };
      fs = new AquiferFs(clients, AquiferFsOptions.defaults(bucket), ByteBufAllocator.DEFAULT);
      FuseMountOptions options = FuseMountOptions.defaults().withReadOnly(readOnly);
      CountDownLatch stop = new CountDownLatch(1);
      ServerCommand.onSignals(stop);
      try {
        mount = FuseMount.mount(mountpoint, fs, options);
      } catch (IOException e) {
        throw new MountFailure("cannot mount on " + mountpoint + ": " + e.getMessage(), e);
      }
      FuseMount m = mount;
      Thread.ofVirtual()
          .name("mount-exit")
          .start(
              () -> {
                try {
                  m.awaitExit();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                stop.countDown();
              });
      LogSetup.configure("logfmt", "info", false);
      AquiferFs f = fs;
      Thread hook = new Thread(() -> unmount(m, f, transport), "aquifer-unmount");
      Runtime.getRuntime().addShutdownHook(hook);
      out.println(
          "Mounted "
              + hp
              + (bucket == null ? " (every bucket of " : " bucket " + bucket + " (")
              + "user "
              + who.user()
              + ") on "
              + mount.mountPoint()
              + ". Ctrl-C or SIGTERM unmounts.");
      out.flush();
      stop.await();
      LOG.log(System.Logger.Level.INFO, "mount: unmounting " + mount.mountPoint());
      unmount(m, f, transport);
      Runtime.getRuntime().removeShutdownHook(hook);
      return 0;
    } catch (RuntimeException | Error e) {
      unmount(mount, fs, transport);
      throw e;
    }
  }

  /** Unmounts (when mounted), then closes the file system and the transport; never throws. */
  private static synchronized void unmount(FuseMount m, AquiferFs fs, Transport transport) {
    try {
      if (m != null) {
        m.close();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "mount: unmount failed: " + e.getMessage());
    }
    if (fs != null) {
      fs.close();
    }
    transport.close();
  }

  private static FileClient connect(Transport t, InetSocketAddress address, AwsKeys keys) {
    Connection c;
    try {
      c = t.connect(address).join();
    } catch (CompletionException e) {
      String why =
          e.getCause() instanceof TransportException te
              ? te.error().describe()
              : String.valueOf(e.getCause());
      throw new MountFailure(
          "cannot reach the pfs service at " + hostPort(address) + ": " + why, e);
    }
    return new FileClient(c, FileClientConfig.defaults(), ByteBufAllocator.DEFAULT);
  }

  private static void checkBucket(FileClient c, String bucket) {
    try {
      c.getattr(bucket, "");
    } catch (FsException e) {
      throw new MountFailure(
          e.errno() == Errno.ENOENT
              ? "no bucket named " + bucket
              : e.errno() == Errno.EACCES
                  ? "access denied to bucket " + bucket + " (another user owns it)"
                  : "bucket " + bucket + ": " + e.getMessage(),
          e);
    }
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
