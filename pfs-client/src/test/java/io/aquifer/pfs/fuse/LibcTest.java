package io.aquifer.pfs.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The libc bindings: results, captured errno and the failure message. */
class LibcTest {
  @Test
  void failuresNameTheCallAndErrno() {
    NativeException e =
        assertThrows(NativeException.class, () -> Libc.open("/nonexistent/x", Libc.O_RDONLY, 0));
    assertEquals(Libc.ENOENT, e.errno());
    assertEquals("open /nonexistent/x: No such file or directory (errno 2)", e.getMessage());
    NativeException umount =
        assertThrows(NativeException.class, () -> Libc.umount2("/nonexistent/x", 0));
    assertTrue(umount.getMessage().startsWith("umount2 /nonexistent/x: "), umount.getMessage());
  }

  @Test
  void readWriteAndWritevWithCapturedErrno() throws Exception {
    int fd = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.newCallState(arena);
      MemorySegment a = arena.allocateFrom("hello");
      MemorySegment b = arena.allocateFrom("world!");
      assertEquals(5, Libc.write(state, fd, a, 5));
      MemorySegment iov = arena.allocate(32, 8);
      iov.set(ADDRESS, 0, a);
      iov.set(JAVA_LONG, 8, 5);
      iov.set(ADDRESS, 16, b);
      iov.set(JAVA_LONG, 24, 6);
      assertEquals(11, Libc.writev(state, fd, iov, 2));
      assertEquals(0, Libc.read(state, fd, a, 5), "end of /dev/null");
      assertEquals(-1, Libc.read(state, -1, a, 5));
      assertEquals(9, Libc.errno(state), "EBADF captured");
    } finally {
      Libc.close(fd);
    }
    assertThrows(NativeException.class, () -> Libc.close(fd));
  }

  @Test
  void socketpairPassesADescriptor() throws Exception {
    int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
    Libc.close(pair[1]);
    assertEquals(-1, Libc.receiveFd(pair[0]), "peer closed without sending a descriptor");
    Libc.close(pair[0]);
    assertTrue(Libc.getuid() >= 0 && Libc.getgid() >= 0);
  }
}
