package io.aquifer.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * A child process for {@link MultipartCrashTest}: on a store whose index log is buffered until a
 * sync (a SIGKILL loses the unsynced commits, as power loss would), one thread starts uploads of
 * two parts each and completes them, printing {@code COMPLETE <key>} just before the completion and
 * {@code OK <key>} after it returns. Keys are {@code u-<first>-<n>}, new every time.
 */
public final class MultipartCrashWriter {
  private MultipartCrashWriter() {}

  static final String BUCKET = "mpu";

  static StorageConfig config(Path root) {
    return TestStores.config(root, 4, 2, 2);
  }

  /** The bytes of part {@code part} (1 or 2) of upload {@code n}. */
  static byte[] part(String key, int part) {
    return TestStores.random(key.hashCode() * 31L + part, 5000 + part * 700);
  }

  /** Arguments: the test's root directory and a number that makes the keys of this run new. */
  public static void main(String[] args) {
    try (ObjectStore s = ObjectStores.open(config(Path.of(args[0])), false, true)) {
      if (s.headBucket(BUCKET).isEmpty()) {
        s.createBucket(BUCKET);
      }
      for (int n = 0; ; n++) {
        String key = "u-" + args[1] + "-" + n;
        String upload = s.createUpload(BUCKET, key, PutOptions.DEFAULT);
        String e1 = upload(s, key, upload, 1);
        String e2 = upload(s, key, upload, 2);
        say("COMPLETE " + key);
        s.completeUpload(
            BUCKET,
            key,
            upload,
            List.of(new CompletedPart(1, e1), new CompletedPart(2, e2)),
            WriteCondition.none());
        say("OK " + key);
      }
    }
  }

  private static String upload(ObjectStore s, String key, String upload, int n) {
    byte[] data = part(key, n);
    try (ObjectWriter w = s.newPartWriter(BUCKET, key, upload, n)) {
      w.write(data, 0, data.length);
      return w.commit().etag();
    }
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
