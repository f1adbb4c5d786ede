package io.aquifer.pfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mounted FUSE file system served by {@link FuseOps}: the kernel protocol spoken on {@code
 * /dev/fuse} through FFM, with no libfuse.
 *
 * <p>{@link #mount} mounts with mount(2) when root (type {@code fuse.<subtype>}), or through {@code
 * fusermount3} when not root, when mount(2) answers EPERM, or when {@link
 * FuseMountOptions#forceFusermount()} asks; it answers the kernel's INIT and starts the workers
 * before it returns. {@link #close()} unmounts (if still mounted), waits for the workers and calls
 * {@link FuseOps#destroy()}; after an unmount from outside ({@code fusermount3 -u}, {@code umount})
 * the session ends by itself and {@link #awaitExit()} returns.
 */
public final class FuseMount implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());

  private final Path mountPoint;
  private final FuseSession session;
  private final boolean viaFusermount;
  private final String device;
  private final AtomicBoolean closed = new AtomicBoolean();

  private FuseMount(Path mountPoint, FuseSession session, boolean viaFusermount, String device) {
    this.mountPoint = mountPoint;
    this.session = session;
    this.viaFusermount = viaFusermount;
    this.device = device;
  }

  /**
   * Mounts {@code ops} on {@code mountpoint} (an existing directory) and serves it until closed or
   * unmounted. Returns once the mount exists and INIT is answered.
   *
   * @throws IOException naming the failed call and errno, or fusermount3's message
   */
  public static FuseMount mount(Path mountpoint, FuseOps ops, FuseMountOptions options)
      throws IOException {
    Objects.requireNonNull(ops, "ops");
    Objects.requireNonNull(options, "options");
    Path where = mountpoint.toRealPath();
    if (!Files.isDirectory(where)) {
      throw new IOException("mount point " + where + " is not a directory");
    }
    String type = "fuse." + options.subtype();
    int fd = -1;
    boolean viaFusermount = options.forceFusermount() || Libc.getuid() != 0;
    if (!viaFusermount) {
      fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
      try {
        Libc.mount(
            options.fsName(), where.toString(), type, mountFlags(options), data(fd, options));
      } catch (NativeException e) {
        Libc.close(fd);
        fd = -1;
        if (e.errno() != Libc.EPERM) {
          throw e;
        }
        LOG.log(System.Logger.Level.INFO, "fuse: mount(2) not permitted; using fusermount3");
        viaFusermount = true;
      }
    }
    if (viaFusermount) {
      fd = Fusermount.mount(where, fusermountOptions(options));
    }
    String device;
    FuseSession session = new FuseSession(fd, ops, options);
    try {
      device =
          MountTable.find(where, type)
              .orElseThrow(() -> new IOException(where + " is not in /proc/self/mountinfo"))
              .device();
      session.handshake();
      session.start();
    } catch (IOException | RuntimeException | Error e) {
      try {
        unmount(where, viaFusermount && Libc.getuid() != 0, true);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      session.abandon();
      throw e;
    }
    setReadAhead(device, options.readAhead());
    return new FuseMount(where, session, viaFusermount, device);
  }

  /** Sets the mount's readahead through sysfs (root only); a failure is logged, not fatal. */
  private static void setReadAhead(String device, int bytes) {
    Path file = Path.of("/sys/class/bdi", device, "read_ahead_kb");
    if (bytes == 0 || !Files.isWritable(file)) {
      return;
    }
    try {
      Files.writeString(file, Integer.toString(bytes / 1024), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.INFO, "fuse: cannot set " + file + ": " + e.getMessage());
    }
  }

  private static long mountFlags(FuseMountOptions options) {
    return Libc.MS_NOSUID | Libc.MS_NODEV | (options.readOnly() ? Libc.MS_RDONLY : 0);
  }

  private static String data(int fd, FuseMountOptions options) {
    StringBuilder b =
        new StringBuilder()
            .append("fd=")
            .append(fd)
            .append(",rootmode=40000,user_id=")
            .append(Libc.getuid())
            .append(",group_id=")
            .append(Libc.getgid());
    if (options.defaultPermissions()) {
      b.append(",default_permissions");
    }
    if (options.allowOther()) {
      b.append(",allow_other");
    }
    return b.toString();
  }

  private static String fusermountOptions(FuseMountOptions options) {
    StringBuilder b =
        new StringBuilder(options.readOnly() ? "ro" : "rw")
            .append(",nosuid,nodev,fsname=")
            .append(options.fsName())
            .append(",subtype=")
            .append(options.subtype());
    if (options.defaultPermissions()) {
      b.append(",default_permissions");
    }
    if (options.allowOther()) {
      b.append(",allow_other");
    }
    return b.toString();
  }

  /** The mount point (its real path). */
  public Path mountPoint() {
    return mountPoint;
  }

  /** What INIT agreed with the kernel. */
  public FuseInit init() {
    return session.init();
  }

  /** Whether the session is alive and the mount is still in this process's mount table. */
  public boolean isMounted() {
    if (session.hasEnded()) {
      return false;
    }
    try {
      return MountTable.contains(mountPoint, device);
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the mount was made by fusermount3 rather than mount(2). */
  boolean viaFusermount() {
    return viaFusermount;
  }

  /** Whether every worker has its own cloned /dev/fuse descriptor. */
  boolean clonedDescriptors() {
    return session.clonedDescriptors();
  }

  /**
   * Blocks until the file system is unmounted (from outside, or by {@link #close()}) and the
   * session has ended: the workers have stopped and {@link FuseOps#destroy()} has returned.
   */
  public void awaitExit() throws InterruptedException {
    session.awaitEnd();
    session.joinWorkers();
  }

  /**
   * Unmounts if still mounted, waits for the workers to stop, then (once per session) calls {@link
   * FuseOps#destroy()}. When the mount is busy it is detached lazily and, where the FUSE control
   * file system is mounted, its connection aborted so the workers stop.
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (MountTable.contains(mountPoint, device)) {
      unmountMine(); // also when the workers are gone: a dead mount must not stay behind
    }
    try {
      if (!session.awaitEnd(10, TimeUnit.SECONDS)) {
        abortConnection(); // a lazily detached mount still in use
        session.awaitEnd();
      }
      session.joinWorkers();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for the FUSE workers of " + mountPoint, e);
    }
  }

  private void unmountMine() throws IOException {
    unmount(mountPoint, viaFusermount && Libc.getuid() != 0, false);
  }

  /** Unmounts {@code where}: umount2 when root, fusermount3 -u otherwise; lazily when busy. */
  private static void unmount(Path where, boolean useFusermount, boolean lazyFirst)
      throws IOException {
    if (useFusermount) {
      String failure = lazyFirst ? "lazy" : Fusermount.unmount(where, false);
      if (failure != null) {
        String lazyFailure = Fusermount.unmount(where, true);
        if (lazyFailure != null) {
          throw new IOException(
              Fusermount.COMMAND + " -u " + where + ": " + failure + "; -u -z: " + lazyFailure);
        }
      }
      return;
    }
    try {
      Libc.umount2(where.toString(), lazyFirst ? Libc.MNT_DETACH : 0);
    } catch (NativeException e) {
      if (e.errno() == Libc.EBUSY) {
        LOG.log(System.Logger.Level.WARNING, "fuse: " + where + " is busy; detaching it lazily");
        Libc.umount2(where.toString(), Libc.MNT_DETACH);
      } else if (e.errno() != Libc.EINVAL && e.errno() != Libc.ENOENT) {
        throw e; // EINVAL, ENOENT: not mounted any more
      }
    }
  }

  /** Aborts the connection through fusectl, if it is mounted; the workers then see ENODEV. */
  private void abortConnection() {
    long connection = new MountTable.Mount(device, "", "", "").connection();
    Path abort = Path.of("/sys/fs/fuse/connections", Long.toString(connection), "abort");
    if (Files.exists(abort)) {
      try {
        Files.writeString(abort, "1", StandardCharsets.US_ASCII);
        LOG.log(System.Logger.Level.WARNING, "fuse: aborted connection " + connection);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "fuse: abort " + abort + ": " + e.getMessage());
      }
    } else {
      LOG.log(
          System.Logger.Level.WARNING,
          "fuse: " + mountPoint + " is detached but in use; waiting for its last user");
    }
  }

  @Override
  public String toString() {
    return "FuseMount[" + mountPoint + (viaFusermount ? ", fusermount3" : ", mount(2)") + "]";
  }
}
