package io.aquifer.pfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
  @Test
  void unescapesOctal() {
    assertEquals("/tmp/a b\\c", MountTable.unescape("/tmp/a\\040b\\134c"));
    assertEquals("/plain", MountTable.unescape("/plain"));
    assertEquals("/odd\\0", MountTable.unescape("/odd\\0"));
  }

  @Test
  void findsTheRootMount() throws Exception {
    assertTrue(MountTable.read().stream().anyMatch(m -> m.mountPoint().equals("/")));
    assertEquals(40, new MountTable.Mount("0:40", "/x", "fuse.x", "x").connection());
    assertTrue(MountTable.find(Path.of("/nonexistent"), "fuse.x").isEmpty());
  }
}
