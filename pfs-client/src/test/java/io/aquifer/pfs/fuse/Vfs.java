package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.aquifer.pfs.FsException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.function.Executable;

/** Calls an {@link AquiferFs} by path, as the kernel would: lookups, then the operation. */
final class Vfs {
  static final FuseContext CTX = new FuseContext(1000, 1001, 42, 022);
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_TRUNC = 01000;
  static final int IO = 128 << 10;

  final AquiferFs fs;
  private final Map<Long, Long> inoOf = new ConcurrentHashMap<>();

  Vfs(AquiferFs fs) {
    this.fs = fs;
  }

  long resolve(String path) {
    long ino = FuseOps.ROOT;
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        ino = fs.lookup(ino, c).ino();
      }
    }
    return ino;
  }

  long parent(String path) {
    int i = path.lastIndexOf('/');
    return i < 0 ? FuseOps.ROOT : resolve(path.substring(0, i));
  }

  static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  FuseAttr stat(String path) {
    long ino = resolve(path);
    return fs.getattr(ino, -1).attr();
  }

  long create(String path, int mode) {
    FuseCreated c = fs.create(parent(path), name(path), mode, O_CREAT | O_WRONLY | O_TRUNC, CTX);
    inoOf.put(c.open().fh(), c.entry().ino());
    return c.open().fh();
  }

  FuseOpen openFull(String path, int flags) {
    long ino = resolve(path);
    FuseOpen o = fs.open(ino, flags);
    inoOf.put(o.fh(), ino);
    return o;
  }

  long open(String path, int flags) {
    return openFull(path, flags).fh();
  }

  long ino(long fh) {
    return inoOf.get(fh);
  }

  void write(long fh, long offset, byte[] data) {
    int at = 0;
    while (at < data.length) {
      int n = Math.min(IO, data.length - at);
      ByteBuffer b = ByteBuffer.allocateDirect(n);
      b.put(data, at, n).flip();
      assertEquals(n, fs.write(ino(fh), fh, offset + at, b.asReadOnlyBuffer()));
      at += n;
    }
  }

  byte[] read(long fh, long offset, int length) {
    byte[] out = new byte[length];
    int at = 0;
    ByteBuffer b = ByteBuffer.allocateDirect(IO);
    while (at < length) {
      b.clear().limit(Math.min(IO, length - at));
      int n = fs.read(ino(fh), fh, offset + at, b);
      assertEquals(n, b.position());
      b.flip().get(out, at, n);
      at += n;
      if (n < Math.min(IO, length - at + n)) {
        break;
      }
    }
    return at == length ? out : java.util.Arrays.copyOf(out, at);
  }

  void close(long fh) {
    try {
      fs.flush(ino(fh), fh);
    } finally {
      fs.release(ino(fh), fh, 0);
      inoOf.remove(fh);
    }
  }

  void writeFile(String path, byte[] data) {
    long fh = create(path, 0644);
    write(fh, 0, data);
    close(fh);
  }

  byte[] readFile(String path) {
    long fh = open(path, O_RDONLY);
    try {
      long size = fs.getattr(ino(fh), fh).attr().size();
      return read(fh, 0, (int) size);
    } finally {
      close(fh);
    }
  }

  List<String> ls(String path) {
    long ino = resolve(path);
    long fh = fs.opendir(ino, 0);
    List<String> out = new ArrayList<>();
    long[] offset = {0};
    try {
      while (true) {
        int before = out.size();
        fs.readdir(
            ino,
            fh,
            offset[0],
            (name, i, type, next) -> {
              if (out.size() - before >= 100) {
                return false;
              }
              out.add(name);
              offset[0] = next;
              return true;
            });
        if (out.size() == before) {
          break;
        }
      }
    } finally {
      fs.releasedir(ino, fh);
    }
    return out.stream().filter(n -> !n.equals(".") && !n.equals("..")).sorted().toList();
  }

  void mkdir(String path) {
    fs.mkdir(parent(path), name(path), 0755, CTX);
  }

  void mkdirs(String path) {
    long ino = FuseOps.ROOT;
    for (String c : path.split("/")) {
      try {
        ino = fs.lookup(ino, c).ino();
      } catch (FuseException | FsException e) {
        ino = fs.mkdir(ino, c, 0755, CTX).ino();
      }
    }
  }

  void rmdir(String path) {
    fs.rmdir(parent(path), name(path));
  }

  void unlink(String path) {
    fs.unlink(parent(path), name(path));
  }

  void rename(String from, String to, int flags) {
    fs.rename(parent(from), name(from), parent(to), name(to), flags);
  }

  static int errno(Executable call) {
    try {
      call.execute();
    } catch (FuseException e) {
      return e.errno();
    } catch (FsException e) {
      return e.errno().number();
    } catch (Throwable t) {
      throw new AssertionError("expected an errno, got " + t, t);
    }
    fail("expected an errno, the call succeeded");
    return 0;
  }
}
