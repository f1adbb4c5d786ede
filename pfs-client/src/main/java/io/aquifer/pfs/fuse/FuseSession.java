package io.aquifer.pfs.fuse;

import static io.aquifer.pfs.fuse.FuseProtocol.ASYNC_READ;
import static io.aquifer.pfs.fuse.FuseProtocol.ATOMIC_O_TRUNC;
import static io.aquifer.pfs.fuse.FuseProtocol.BIG_WRITES;
import static io.aquifer.pfs.fuse.FuseProtocol.DEFAULT_MAX_PAGES;
import static io.aquifer.pfs.fuse.FuseProtocol.DEV_IOC_CLONE;
import static io.aquifer.pfs.fuse.FuseProtocol.H_OPCODE;
import static io.aquifer.pfs.fuse.FuseProtocol.H_UNIQUE;
import static io.aquifer.pfs.fuse.FuseProtocol.INIT;
import static io.aquifer.pfs.fuse.FuseProtocol.INIT_EXT;
import static io.aquifer.pfs.fuse.FuseProtocol.INIT_OUT;
import static io.aquifer.pfs.fuse.FuseProtocol.IN_HEADER;
import static io.aquifer.pfs.fuse.FuseProtocol.KERNEL_MINOR_VERSION;
import static io.aquifer.pfs.fuse.FuseProtocol.KERNEL_VERSION;
import static io.aquifer.pfs.fuse.FuseProtocol.MAX_PAGES;
import static io.aquifer.pfs.fuse.FuseProtocol.MIN_KERNEL_MINOR;
import static io.aquifer.pfs.fuse.FuseProtocol.MIN_READ_BUFFER;
import static io.aquifer.pfs.fuse.FuseProtocol.OUT_HEADER;
import static io.aquifer.pfs.fuse.FuseProtocol.PAGE_SIZE;
import static io.aquifer.pfs.fuse.FuseProtocol.PARALLEL_DIROPS;
import static io.aquifer.pfs.fuse.FuseProtocol.WRITEBACK_CACHE;
import static io.aquifer.pfs.fuse.FuseProtocol.opName;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FUSE session on one connection: the INIT handshake (on the caller's thread, before any worker
 * runs), then the workers, each on its own cloned descriptor, until the kernel ends the connection.
 * The last worker to stop closes the session descriptor and calls {@link FuseOps#destroy()}.
 */
final class FuseSession {
  private static final System.Logger LOG = System.getLogger(FuseSession.class.getName());

  /** The sysctl that caps max_pages (kernel 6.x); 256 pages when absent. */
  private static final Path MAX_PAGES_LIMIT = Path.of("/proc/sys/fs/fuse/max_pages_limit");

  private static final int DEFAULT_MAX_PAGES_LIMIT = 256;

  private static final int EPROTO = 71;

  private final int sessionFd;
  private final FuseOps ops;
  private final FuseMountOptions options;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final AtomicBoolean destroyed = new AtomicBoolean();
  private final AtomicInteger live = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private FuseInit init;
  private int requestBufferSize;
  private int replyBufferSize;
  private boolean clonedDescriptors;

  FuseSession(int sessionFd, FuseOps ops, FuseMountOptions options) {
    this.sessionFd = sessionFd;
    this.ops = ops;
    this.options = options;
  }

  FuseOps ops() {
    return ops;
  }

  FuseMountOptions options() {
    return options;
  }

  FuseInit init() {
    return init;
  }

  int requestBufferSize() {
    return requestBufferSize;
  }

  int replyBufferSize() {
    return replyBufferSize;
  }

  boolean clonedDescriptors() {
    return clonedDescriptors;
  }

  /**
   * Answers the kernel's INIT: our version (7.38, or the kernel's if older), the flags we want that
   * the kernel offers, max_write and max_pages for {@link FuseMountOptions#maxWrite()}. Calls
   * {@link FuseOps#init} before the reply, so it runs before any other operation.
   */
  void handshake() throws IOException {
    int bufferSize = Math.max(MIN_READ_BUFFER, options.maxWrite() + PAGE_SIZE);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.newCallState(arena);
      MemorySegment buf = arena.allocate(bufferSize, PAGE_SIZE);
      while (true) {
        long n = Libc.read(state, sessionFd, buf, bufferSize);
        if (n < 0) {
          int errno = Libc.errno(state);
          if (errno == Libc.EINTR || errno == Libc.EAGAIN || errno == Libc.ENOENT) {
            continue;
          }
          throw new NativeException("read /dev/fuse (INIT)", errno);
        }
        if (n < IN_HEADER + 16 || buf.get(JAVA_INT_UNALIGNED, H_OPCODE) != INIT) {
          throw new IOException("expected INIT from the kernel, got " + describe(buf, n));
        }
        long unique = buf.get(JAVA_LONG_UNALIGNED, H_UNIQUE);
        int major = buf.get(JAVA_INT_UNALIGNED, IN_HEADER);
        int minor = buf.get(JAVA_INT_UNALIGNED, IN_HEADER + 4);
        if (major > KERNEL_VERSION) {
          // the kernel will send INIT again with our major
          answer(state, buf, unique, 0, KERNEL_VERSION, KERNEL_MINOR_VERSION);
          continue;
        }
        if (major < KERNEL_VERSION || minor < MIN_KERNEL_MINOR) {
          answer(state, buf, unique, -EPROTO, 0, 0);
          throw new IOException(
              "kernel FUSE " + major + "." + minor + " is older than 7." + MIN_KERNEL_MINOR);
        }
        negotiate(state, buf, n, unique, minor);
        return;
      }
    }
  }

  private void negotiate(MemorySegment state, MemorySegment buf, long n, long unique, int minor)
      throws IOException {
    int maxReadahead = buf.get(JAVA_INT_UNALIGNED, IN_HEADER + 8);
    long offered = buf.get(JAVA_INT_UNALIGNED, IN_HEADER + 12) & 0xffffffffL;
    if ((offered & INIT_EXT) != 0 && n >= IN_HEADER + 20) {
      offered |= (buf.get(JAVA_INT_UNALIGNED, IN_HEADER + 16) & 0xffffffffL) << 32;
    }
    long wanted = ASYNC_READ | BIG_WRITES | MAX_PAGES | PARALLEL_DIROPS | ATOMIC_O_TRUNC;
    if (options.writebackCache()) {
      wanted |= WRITEBACK_CACHE;
    }
    long flags = wanted & offered;
    int maxPages = DEFAULT_MAX_PAGES;
    if ((flags & MAX_PAGES) != 0) {
      maxPages = Math.min(options.maxWrite() / PAGE_SIZE, Math.min(maxPagesLimit(), 65535));
    }
    int maxWrite = Math.min(options.maxWrite(), maxPages * PAGE_SIZE);
    int maxBackground = Math.max(16, 4 * options.workers());
    FuseInit agreed =
        new FuseInit(
            KERNEL_VERSION,
            Math.min(minor, KERNEL_MINOR_VERSION),
            maxWrite,
            maxPages * PAGE_SIZE,
            maxPages,
            (flags & WRITEBACK_CACHE) != 0);
    // headroom for the request header and write_in, and for SETXATTR's 64 KiB values
    requestBufferSize = Math.max(maxWrite, 64 * 1024 + PAGE_SIZE) + PAGE_SIZE;
    replyBufferSize = OUT_HEADER + Math.max(maxPages * PAGE_SIZE, 64 * 1024);
    ops.init(agreed);
    init = agreed;

    MemorySegment reply = buf.asSlice(0, OUT_HEADER + INIT_OUT);
    reply.fill((byte) 0);
    long body = OUT_HEADER;
    reply.set(JAVA_INT_UNALIGNED, body, KERNEL_VERSION);
    reply.set(JAVA_INT_UNALIGNED, body + 4, agreed.minor());
    reply.set(JAVA_INT_UNALIGNED, body + 8, maxReadahead);
    reply.set(JAVA_INT_UNALIGNED, body + 12, (int) flags);
    reply.set(JAVA_SHORT_UNALIGNED, body + 16, (short) Math.min(maxBackground, 65535));
    reply.set(JAVA_SHORT_UNALIGNED, body + 18, (short) Math.min(maxBackground * 3 / 4, 65535));
    reply.set(JAVA_INT_UNALIGNED, body + 20, maxWrite);
    reply.set(JAVA_INT_UNALIGNED, body + 24, 1); // time_gran: nanoseconds
    reply.set(JAVA_SHORT_UNALIGNED, body + 28, (short) maxPages);
    header(reply, OUT_HEADER + INIT_OUT, 0, unique);
    write(state, reply, "write /dev/fuse (INIT reply)");
    LOG.log(
        System.Logger.Level.DEBUG,
        "fuse: INIT 7."
            + agreed.minor()
            + " flags=0x"
            + Long.toHexString(flags)
            + " maxWrite="
            + maxWrite
            + " maxPages="
            + maxPages);
  }

  private void answer(
      MemorySegment state, MemorySegment buf, long unique, int error, int major, int minor)
      throws IOException {
    int len = error == 0 ? OUT_HEADER + 8 : OUT_HEADER;
    MemorySegment reply = buf.asSlice(0, len);
    header(reply, len, error, unique);
    if (error == 0) {
      reply.set(JAVA_INT_UNALIGNED, OUT_HEADER, major);
      reply.set(JAVA_INT_UNALIGNED, OUT_HEADER + 4, minor);
    }
    write(state, reply, "write /dev/fuse (INIT reply)");
  }

  private static void header(MemorySegment reply, int len, int error, long unique) {
    reply.set(JAVA_INT_UNALIGNED, 0, len);
    reply.set(JAVA_INT_UNALIGNED, 4, error);
    reply.set(JAVA_LONG_UNALIGNED, 8, unique);
  }

  private void write(MemorySegment state, MemorySegment reply, String what) throws IOException {
    if (Libc.write(state, sessionFd, reply, reply.byteSize()) < 0) {
      throw new NativeException(what, Libc.errno(state));
    }
  }

  private static String describe(MemorySegment buf, long n) {
    return n < IN_HEADER
        ? n + " bytes"
        : opName(buf.get(JAVA_INT_UNALIGNED, H_OPCODE)) + " (" + n + " bytes)";
  }

  private static int maxPagesLimit() {
    try {
      // not Files.readString: on this sysctl file it returns only the first byte
      return Integer.parseInt(Files.readAllLines(MAX_PAGES_LIMIT).getFirst().trim());
    } catch (IOException | RuntimeException e) {
      return DEFAULT_MAX_PAGES_LIMIT;
    }
  }

  /**
   * Starts the workers, each on a descriptor cloned from the session's (FUSE_DEV_IOC_CLONE), or all
   * on the session's when cloning is not supported.
   */
  void start() throws IOException {
    int[] fds = new int[options.workers()];
    clonedDescriptors = true;
    try {
      for (int i = 0; i < fds.length; i++) {
        fds[i] = clonedDescriptors ? cloneDescriptor() : sessionFd;
        if (fds[i] < 0) {
          clonedDescriptors = false;
          fds[i] = sessionFd;
        }
      }
    } catch (IOException e) {
      for (int fd : fds) {
        if (fd > 0 && fd != sessionFd) {
          closeQuietly(fd);
        }
      }
      throw e;
    }
    live.set(fds.length);
    for (int i = 0; i < fds.length; i++) {
      Thread t =
          Thread.ofPlatform()
              .name("fuse-" + options.fsName() + "-" + i)
              .daemon(true)
              .unstarted(new FuseWorker(this, fds[i]));
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** A new /dev/fuse descriptor attached to this session's connection, or -1 if not supported. */
  private int cloneDescriptor() throws IOException {
    int fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment arg = arena.allocate(JAVA_INT);
      arg.set(JAVA_INT, 0, sessionFd);
      Libc.ioctl(fd, DEV_IOC_CLONE, arg);
      return fd;
    } catch (NativeException e) {
      Libc.close(fd);
      if (e.errno() == Libc.EINVAL || e.errno() == Libc.ENOTTY) {
        LOG.log(System.Logger.Level.INFO, "fuse: no FUSE_DEV_IOC_CLONE; workers share one fd");
        return -1;
      }
      throw e;
    }
  }

  /** A worker stopped; the last one ends the session. */
  void workerExited(int fd) {
    if (fd != sessionFd) {
      closeQuietly(fd);
    }
    if (live.decrementAndGet() == 0) {
      end();
    }
  }

  /** Ends a session whose workers never started (mount failed after INIT). */
  void abandon() {
    end();
  }

  private void end() {
    closeQuietly(sessionFd);
    if (destroyed.compareAndSet(false, true) && init != null) {
      try {
        ops.destroy();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "fuse: destroy failed: " + FuseWorker.describe(e), e);
      }
    }
    ended.countDown();
  }

  /** The kernel sent DESTROY (block-device mounts): nothing to do until the workers stop. */
  void destroyRequested() {
    LOG.log(System.Logger.Level.DEBUG, "fuse: DESTROY from the kernel");
  }

  private static void closeQuietly(int fd) {
    try {
      Libc.close(fd);
    } catch (NativeException e) {
      LOG.log(System.Logger.Level.WARNING, "fuse: " + e.getMessage());
    }
  }

  boolean hasEnded() {
    return ended.getCount() == 0;
  }

  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
    return ended.await(timeout, unit);
  }

  /** Waits for every worker thread to have returned. */
  void joinWorkers() throws InterruptedException {
    for (Thread t : threads) {
      t.join();
    }
  }
}
