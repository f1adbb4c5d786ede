package io.aquifer.pfs.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the FUSE session makes, as FFM downcalls. Calls that set {@code errno} take a
 * call-state segment ({@link #newCallState}) as their first argument, where errno is captured; each
 * thread uses its own. The hot-path calls ({@link #read}, {@link #write}) return the raw result
 * (negative on failure, with {@link #errno} telling why); the cold ones throw {@link
 * NativeException} naming the call and the errno.
 *
 * <p>Linux on a 64-bit ABI (x86-64, aarch64) only: struct layouts below assume it.
 */
@SuppressWarnings("restricted")
final class Libc {
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int EBUSY = 16;
  static final int ENOTDIR = 20;
  static final int EINVAL = 22;
  static final int ENOTTY = 25;
  static final int ENODEV = 19;
  static final int ECHILD = 10;

  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_TRUNC = 01000;
  static final int O_CLOEXEC = 02000000;

  static final long MS_RDONLY = 1;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final int MNT_DETACH = 2;

  static final int AF_UNIX = 1;
  static final int SOCK_STREAM = 1;
  static final int SOCK_CLOEXEC = 02000000;
  static final int SOL_SOCKET = 1;
  static final int SCM_RIGHTS = 1;
  static final int MSG_CMSG_CLOEXEC = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final long ERRNO_OFFSET =
      CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

  private static final MethodHandle OPEN =
      errnoCall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
  private static final MethodHandle READ =
      errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
  private static final MethodHandle WRITE =
      errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
  private static final MethodHandle WRITEV =
      errnoCall("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle CLOSE =
      errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
  private static final MethodHandle IOCTL =
      errnoCall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
  private static final MethodHandle MOUNT =
      errnoCall(
          "mount",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
          -1);
  private static final MethodHandle UMOUNT2 =
      errnoCall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle SOCKETPAIR =
      errnoCall(
          "socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), -1);
  private static final MethodHandle RECVMSG =
      errnoCall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle WAITPID =
      errnoCall("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle GETUID = plainCall("getuid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle GETGID = plainCall("getgid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle STRERROR =
      plainCall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  // posix_spawn and its file actions return the error number instead of setting errno
  private static final MethodHandle POSIX_SPAWNP =
      plainCall(
          "posix_spawnp",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  private static final MethodHandle FA_INIT =
      plainCall("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle FA_DESTROY =
      plainCall("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle FA_ADDDUP2 =
      plainCall(
          "posix_spawn_file_actions_adddup2",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final MethodHandle FA_ADDOPEN =
      plainCall(
          "posix_spawn_file_actions_addopen",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

  /** glibc's posix_spawn_file_actions_t is 80 bytes on 64-bit; room to spare. */
  static final long SPAWN_FILE_ACTIONS_SIZE = 256;

  private Libc() {}

  private static MethodHandle errnoCall(String name, FunctionDescriptor fd, int firstVariadic) {
    MemorySegment symbol = lookup(name);
    return firstVariadic < 0
        ? LINKER.downcallHandle(symbol, fd, ERRNO)
        : LINKER.downcallHandle(symbol, fd, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
  }

  private static MethodHandle plainCall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(lookup(name), fd);
  }

  private static MemorySegment lookup(String name) {
    return LINKER
        .defaultLookup()
        .find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  /** A segment where one thread's calls capture errno. */
  static MemorySegment newCallState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  /** The errno captured by the last failed call made with {@code state}. */
  static int errno(MemorySegment state) {
    return state.get(JAVA_INT, ERRNO_OFFSET);
  }

  /** strerror's text for {@code errno}. */
  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  private static RuntimeException fatal(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }

  private static NativeException failure(String call, MemorySegment state) {
    return new NativeException(call, errno(state));
  }

  // ---- hot path: raw results ----

  /** read(2); negative on failure. */
  static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) READ.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** write(2); negative on failure. */
  static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) WRITE.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** writev(2) over {@code count} {@code struct iovec}s at {@code iov}; negative on failure. */
  static long writev(MemorySegment state, int fd, MemorySegment iov, int count) {
    try {
      return (long) WRITEV.invokeExact(state, fd, iov, count);
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  // ---- cold path: failures throw ----

  /** open(2). */
  static int open(String path, int flags, int mode) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
      if (fd < 0) {
        throw new NativeException("open " + path, errno(state));
      }
      return fd;
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** close(2); EINTR is not retried (Linux closes the descriptor anyway). */
  static void close(int fd) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      int r = (int) CLOSE.invokeExact(state, fd);
      if (r < 0 && errno(state) != EINTR) {
        throw failure("close", state);
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** ioctl(2) with a pointer argument. */
  static int ioctl(int fd, long request, MemorySegment arg) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      int r = (int) IOCTL.invokeExact(state, fd, request, arg);
      if (r < 0) {
        throw failure("ioctl", state);
      }
      return r;
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** mount(2) with a string for data. */
  static void mount(String source, String target, String type, long flags, String data)
      throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      int r =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom(source),
                  arena.allocateFrom(target),
                  arena.allocateFrom(type),
                  flags,
                  arena.allocateFrom(data));
      if (r < 0) {
        throw new NativeException("mount " + target, errno(state));
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** umount2(2). */
  static void umount2(String target, int flags) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      int r = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
      if (r < 0) {
        throw new NativeException("umount2 " + target, errno(state));
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** socketpair(2); returns both descriptors. */
  static int[] socketpair(int domain, int type, int protocol) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      MemorySegment sv = arena.allocate(JAVA_INT, 2);
      int r = (int) SOCKETPAIR.invokeExact(state, domain, type, protocol, sv);
      if (r < 0) {
        throw failure("socketpair", state);
      }
      return new int[] {sv.getAtIndex(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /**
   * Receives one message on {@code socket} and the one descriptor passed with it (SCM_RIGHTS),
   * retrying EINTR. Returns the descriptor (close-on-exec), or -1 when the peer closed without
   * sending one.
   */
  static int receiveFd(int socket) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      MemorySegment data = arena.allocate(8);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(ADDRESS, 0, data);
      iov.set(JAVA_LONG, 8, 1);
      long controlSize = 16 + 8; // CMSG_SPACE(sizeof(int))
      MemorySegment control = arena.allocate(controlSize, 8);
      // struct msghdr: name, namelen (+pad), iov, iovlen, control, controllen, flags (+pad)
      MemorySegment msg = arena.allocate(56, 8);
      msg.set(ADDRESS, 16, iov);
      msg.set(JAVA_LONG, 24, 1);
      msg.set(ADDRESS, 32, control);
      msg.set(JAVA_LONG, 40, controlSize);
      while (true) {
        long n = (long) RECVMSG.invokeExact(state, socket, msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno(state) == EINTR) {
          continue;
        }
        if (n < 0) {
          throw failure("recvmsg", state);
        }
        if (n == 0 || msg.get(JAVA_LONG, 40) < 16 + 4) {
          return -1;
        }
        // struct cmsghdr: len (size_t), level, type, then the data
        if (control.get(JAVA_INT, 8) != SOL_SOCKET || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
          return -1;
        }
        return control.get(JAVA_INT, 16);
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /**
   * Starts {@code argv[0]} (searched on PATH) with {@code env}, with {@code passFd} as descriptor
   * {@code childFd} and stderr written to {@code stderrPath}. Returns the child's pid.
   */
  static int spawn(String[] argv, String[] env, int passFd, int childFd, String stderrPath)
      throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment actions = arena.allocate(SPAWN_FILE_ACTIONS_SIZE, 16);
      check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(actions));
      try {
        check(
            "posix_spawn_file_actions_adddup2",
            (int) FA_ADDDUP2.invokeExact(actions, passFd, childFd));
        check(
            "posix_spawn_file_actions_addopen",
            (int)
                FA_ADDOPEN.invokeExact(
                    actions,
                    2,
                    arena.allocateFrom(stderrPath),
                    O_WRONLY | O_CREAT | O_TRUNC,
                    0600));
        MemorySegment pid = arena.allocate(JAVA_INT);
        int r =
            (int)
                POSIX_SPAWNP.invokeExact(
                    pid,
                    arena.allocateFrom(argv[0]),
                    actions,
                    MemorySegment.NULL,
                    strings(arena, argv),
                    strings(arena, env));
        check("posix_spawnp " + argv[0], r);
        return pid.get(JAVA_INT, 0);
      } finally {
        int ignored = (int) FA_DESTROY.invokeExact(actions);
        assert ignored == 0;
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  private static void check(String call, int error) throws NativeException {
    if (error != 0) {
      throw new NativeException(call, error);
    }
  }

  private static MemorySegment strings(Arena arena, String[] values) {
    MemorySegment array = arena.allocate(ADDRESS, values.length + 1L);
    for (int i = 0; i < values.length; i++) {
      array.setAtIndex(ADDRESS, i, arena.allocateFrom(values[i]));
    }
    array.setAtIndex(ADDRESS, values.length, MemorySegment.NULL);
    return array;
  }

  /** waitpid(2) for {@code pid}, retrying EINTR; returns the exit status, or 128+signal. */
  static int waitpid(int pid) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = newCallState(arena);
      MemorySegment status = arena.allocate(JAVA_INT);
      while (true) {
        int r = (int) WAITPID.invokeExact(state, pid, status, 0);
        if (r < 0 && errno(state) == EINTR) {
          continue;
        }
        if (r < 0) {
          throw failure("waitpid", state);
        }
        int s = status.get(JAVA_INT, 0);
        int signal = s & 0x7f;
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal;
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** getuid(2). */
  static int getuid() {
    try {
      return (int) GETUID.invokeExact();
    } catch (Throwable t) {
      throw fatal(t);
    }
  }

  /** getgid(2). */
  static int getgid() {
    try {
      return (int) GETGID.invokeExact();
    } catch (Throwable t) {
      throw fatal(t);
    }
  }
}
