package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The measuring pass-through file system shows the backing directory's bytes and names. */
@Timeout(120)
class FusePassthroughTest {
  @TempDir Path tmp;

  @Test
  void writesLandInTheBackingDirectory() throws Exception {
    Path source = Files.createDirectory(tmp.resolve("src"));
    Path dir = Files.createDirectory(tmp.resolve("mnt"));
    byte[] data = new byte[3 << 20];
    new Random(1).nextBytes(data);
    try (TestMount t =
        TestMount.mount(dir, new PassthroughFs(source), FuseMountOptions.defaults())) {
      Files.write(dir.resolve("f.bin"), data);
      Files.createDirectory(dir.resolve("d"));
      Files.move(dir.resolve("f.bin"), dir.resolve("d/g.bin"));
      assertEquals(-1L, Files.mismatch(source.resolve("d/g.bin"), dir.resolve("d/g.bin")));
      TestMount.Result ls = TestMount.run("ls", dir.resolve("d").toString());
      assertEquals("g.bin\n", ls.out(), ls.toString());
      assertTrue(t.mount.isMounted());
    }
    assertEquals(-1L, Files.mismatch(source.resolve("d/g.bin"), writeTemp(data)));
  }

  private Path writeTemp(byte[] data) throws Exception {
    return Files.write(tmp.resolve("expected"), data);
  }
}
