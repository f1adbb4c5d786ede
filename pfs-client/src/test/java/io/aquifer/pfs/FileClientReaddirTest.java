package io.aquifer.pfs;

import static io.aquifer.pfs.PfsFixture.BUCKET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.PutOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** readdir of a directory with 10,000 entries, paged over the wire. */
@ExtendWith(LeakCheckExtension.class)
class FileClientReaddirTest {
  private static final int FILES = 9_990;
  private static final int DIRS = 10;

  private PfsFixture fx;

  @BeforeEach
  void open() throws Exception {
    fx = new PfsFixture().withTransport();
  }

  @AfterEach
  void close() throws Exception {
    fx.close();
  }

  @Test
  void tenThousandEntriesInPages() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < FILES; i += 4) {
                    fx.store.put(
                        BUCKET,
                        String.format("big/file-%05d", i),
                        new byte[i % 7],
                        PutOptions.DEFAULT);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    for (int d = 0; d < DIRS; d++) {
      fx.store.put(BUCKET, "big/dir-" + d + "/inner", new byte[1], PutOptions.DEFAULT);
    }
    fx.store.put(BUCKET, "big/./hidden", new byte[1], PutOptions.DEFAULT);

    Set<String> names = new HashSet<>();
    String cookie = null;
    int pages = 0;
    int dirs = 0;
    do {
      DirPage page = fx.client.readdir(BUCKET, "big", cookie, 1000);
      pages++;
      for (DirEntry e : page.entries()) {
        assertTrue(names.add(e.name()), "listed twice: " + e.name());
        if (e.attr().isDirectory()) {
          dirs++;
        } else {
          int i = Integer.parseInt(e.name().substring("file-".length()));
          assertEquals(i % 7, e.attr().size());
        }
      }
      cookie = page.cookie();
    } while (cookie != null);
    assertEquals(FILES + DIRS, names.size());
    assertEquals(DIRS, dirs);
    assertTrue(pages >= 10, "pages: " + pages);
    assertEquals(FILES + DIRS, fx.client.readdirAll(BUCKET, "big").size());
  }
}
