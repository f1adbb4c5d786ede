package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Directories, names, renames, symlinks and errors, through java.nio.file and processes. */
@Timeout(120)
class FuseNamespaceTest {
  @TempDir Path tmp;
  private TestMount m;

  @BeforeEach
  void mount() throws Exception {
    m = TestMount.mount(Files.createDirectory(tmp.resolve("mnt")));
  }

  @AfterEach
  void unmount() throws Exception {
    m.close();
  }

  @Test
  void readdirOfTenThousandEntriesIsCompleteAndExact() throws Exception {
    m.fs.addFiles("entry-", 10_000);
    Set<String> expected =
        IntStream.range(0, 10_000).mapToObj(i -> "entry-" + i).collect(Collectors.toSet());
    try (Stream<Path> s = Files.list(m.dir)) {
      Set<String> names = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      assertEquals(expected, names);
    }
    TestMount.Result ls = TestMount.run("ls", "-1", "-f", m.dir.toString());
    assertEquals(0, ls.status(), ls.err());
    String[] lines = ls.out().split("\n");
    assertEquals(10_002, lines.length, "each entry once, with . and ..");
    Set<String> listed = new HashSet<>(Arrays.asList(lines));
    assertEquals(10_002, listed.size(), "no duplicates");
    assertTrue(listed.containsAll(expected) && listed.contains(".") && listed.contains(".."));
  }

  @Test
  void renameAndRenameNoReplace() throws Exception {
    Path a = Files.writeString(m.path("a"), "A");
    Path b = Files.writeString(m.path("b"), "B");
    Path c = m.path("c");
    Files.move(a, c);
    assertFalse(Files.exists(a));
    assertEquals("A", Files.readString(c));
    assertThrows(FileAlreadyExistsException.class, () -> Files.move(c, b));
    assertEquals("B", Files.readString(b));

    TestMount.Result mvn = TestMount.run("mv", "-n", c.toString(), b.toString());
    assertEquals("B", Files.readString(b), "mv -n kept the target: " + mvn);
    assertEquals("A", Files.readString(c));

    Path d = m.path("d");
    TestMount.Result mv = TestMount.run("mv", "-n", c.toString(), d.toString());
    assertEquals(0, mv.status(), mv.toString());
    assertEquals("A", Files.readString(d));
    assertEquals(FuseOps.RENAME_NOREPLACE, m.fs.lastRenameFlags.get(), "RENAME2 carried the flag");

    Files.move(d, b, StandardCopyOption.REPLACE_EXISTING);
    assertEquals(0, m.fs.lastRenameFlags.get(), "plain RENAME");
    assertEquals("A", Files.readString(b));
    assertFalse(Files.exists(d));

    Files.createDirectories(m.path("x/y"));
    Files.move(b, m.path("x/y/moved"));
    assertEquals("A", Files.readString(m.path("x/y/moved")));
    Files.move(m.path("x"), m.path("z"));
    assertEquals("A", Files.readString(m.path("z/y/moved")));
  }

  @Test
  void directoryErrorsArriveAsTheRightExceptions() throws Exception {
    Path d = Files.createDirectory(m.path("d"));
    assertTrue(Files.isDirectory(d));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(d));
    Path x = Files.writeString(d.resolve("x"), "x");
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(d));
    TestMount.Result rmdir = TestMount.run("rmdir", d.toString());
    assertNotEquals(0, rmdir.status());
    assertTrue(rmdir.err().contains("Directory not empty"), rmdir.toString());

    assertThrows(
        NoSuchFileException.class,
        () -> Files.readAttributes(m.path("missing"), BasicFileAttributes.class));
    assertThrows(NoSuchFileException.class, () -> Files.delete(m.path("missing")));
    TestMount.Result cat = TestMount.run("cat", m.path("missing").toString());
    assertTrue(cat.err().contains("No such file or directory"), cat.toString());

    FileSystemException notDir =
        assertThrows(FileSystemException.class, () -> Files.createDirectory(x.resolve("sub")));
    assertTrue(notDir.getMessage().contains("Not a directory"), notDir.getMessage());
    FileSystemException isDir =
        assertThrows(FileSystemException.class, () -> Files.newOutputStream(d).close());
    assertTrue(isDir.getMessage().contains("Is a directory"), isDir.getMessage());
    TestMount.Result catDir = TestMount.run("cat", d.toString());
    assertTrue(catDir.err().contains("Is a directory"), catDir.toString());
    TestMount.Result mkdir = TestMount.run("mkdir", d.toString());
    assertTrue(mkdir.err().contains("File exists"), mkdir.toString());

    // an FsException from the file system answers its errno
    FileSystemException full =
        assertThrows(FileSystemException.class, () -> Files.createFile(m.path(MemFs.FULL)));
    assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());

    Files.delete(x);
    Files.delete(d);
    assertFalse(Files.exists(d));
    assertEquals(0, TestMount.run(m.dir, "mkdir", "-p", "p/q/r").status());
    TestMount.Result rmdirP = TestMount.run(m.dir, "rmdir", "-p", "p/q/r");
    assertEquals(0, rmdirP.status(), rmdirP.toString());
    assertFalse(Files.exists(m.path("p")));
  }

  @Test
  void symlinksAndStat() throws Exception {
    Files.writeString(m.path("a.txt"), "hello");
    TestMount.Result ln = TestMount.run("ln", "-s", "a.txt", m.path("link").toString());
    assertEquals(0, ln.status(), ln.toString());
    assertEquals(Path.of("a.txt"), Files.readSymbolicLink(m.path("link")));
    assertEquals("hello", Files.readString(m.path("link")));
    assertTrue(Files.isSymbolicLink(m.path("link")));
    TestMount.Result stat =
        TestMount.run(
            "stat", "-c", "%F %s %a", m.path("a.txt").toString(), m.path("link").toString());
    assertEquals("regular file 5 644\nsymbolic link 5 777\n", stat.out(), stat.toString());
    Files.createSymbolicLink(m.path("dangling"), Path.of("nowhere"));
    assertFalse(Files.exists(m.path("dangling")));
    assertTrue(Files.exists(m.path("dangling"), LinkOption.NOFOLLOW_LINKS));
    Files.delete(m.path("link"));
    assertFalse(Files.exists(m.path("link"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void cpDashALsAndXattrsAreQuiet() throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src.resolve("sub"));
    Path f = Files.writeString(src.resolve("file.txt"), "content");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_123L));
    Files.writeString(src.resolve("sub/inner"), "inner");
    Files.createSymbolicLink(src.resolve("link"), Path.of("file.txt"));
    Path dst = m.path("dst");
    TestMount.Result cp = TestMount.run("cp", "-a", src.toString(), dst.toString());
    assertEquals(0, cp.status(), cp.toString());
    assertEquals("", cp.err());
    assertEquals("content", Files.readString(dst.resolve("file.txt")));
    assertEquals("inner", Files.readString(dst.resolve("sub/inner")));
    assertEquals(Path.of("file.txt"), Files.readSymbolicLink(dst.resolve("link")));
    assertEquals(
        "rw-r-----",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("file.txt"))));
    assertEquals(
        FileTime.fromMillis(1_600_000_000_123L),
        Files.getLastModifiedTime(dst.resolve("file.txt")));

    TestMount.Result ls = TestMount.run("ls", "-lR", dst.toString());
    assertEquals(0, ls.status(), ls.toString());
    assertEquals("", ls.err());
    assertTrue(ls.out().contains("-rw-r----- 1 root root 7") || Libc.getuid() != 0, ls.out());

    Path back = tmp.resolve("back");
    TestMount.Result cpBack = TestMount.run("cp", "-a", dst.toString(), back.toString());
    assertEquals(0, cpBack.status(), cpBack.toString());
    assertEquals("", cpBack.err());
    assertEquals(-1L, Files.mismatch(f, back.resolve("file.txt")));

    UserDefinedFileAttributeView xattrs =
        Files.getFileAttributeView(dst.resolve("file.txt"), UserDefinedFileAttributeView.class);
    assertEquals(java.util.List.of(), xattrs.list());
    FileSystemException set =
        assertThrows(
            FileSystemException.class,
            () -> xattrs.write("user.k", ByteBuffer.wrap(new byte[] {1})));
    assertTrue(set.getMessage().contains("not supported"), set.getMessage());
    assertThrows(FileSystemException.class, () -> xattrs.size("user.k"));
  }

  @Test
  void mknodMakesRegularFilesOnly() throws Exception {
    String script =
        "import os, stat, sys; os.mknod(sys.argv[1], stat.S_IFREG | 0o640); print(oct(os.stat(sys.argv[1]).st_mode))";
    TestMount.Result mknod = TestMount.run("python3", "-c", script, m.path("node").toString());
    assertEquals("0o100640\n", mknod.out(), mknod.toString());
    assertEquals(0, Files.size(m.path("node")));
    TestMount.Result fifo = TestMount.run("mkfifo", m.path("fifo").toString());
    assertNotEquals(0, fifo.status());
    assertTrue(fifo.err().contains("Operation not permitted"), fifo.toString());
    TestMount.Result link =
        TestMount.run("ln", m.path("node").toString(), m.path("hard").toString());
    assertTrue(link.err().contains("Operation not permitted"), link.toString());
  }

  @Test
  void namesAreUtf8() throws Exception {
    String name = "naïve-日本語-\uD83D\uDE00.txt";
    Files.writeString(m.path(name), "ok");
    try (Stream<Path> s = Files.list(m.dir)) {
      assertEquals(java.util.List.of(name), s.map(p -> p.getFileName().toString()).toList());
    }
    assertEquals("ok", Files.readString(m.path(name)));
    TestMount.Result ls = TestMount.run("ls", m.dir.toString());
    assertEquals(name + "\n", ls.out(), ls.toString());
  }

  @Test
  void statfsReachesDf() throws Exception {
    TestMount.Result df = TestMount.run("stat", "-f", "-c", "%S %b %f %l", m.dir.toString());
    assertEquals("4096 1048576 524288 255\n", df.out(), df.toString());
  }
}
