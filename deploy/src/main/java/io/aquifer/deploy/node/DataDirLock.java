package io.aquifer.deploy.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory ({@code <data>/aquifer.lock}, holding the owner's pid), so
 * that two nodes, or a node and an offline repair, never use the same drives and index at once. The
 * operating system drops the lock when the process dies, so a killed node never leaves a stale one.
 */
public final class DataDirLock implements AutoCloseable {
  /** The lock file's name. */
  public static final String FILE = "aquifer.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dataDir}, creating it when absent.
   *
   * @throws IllegalStateException when another process holds it; the message names the pid
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      String holder = "";
      try {
        holder = Files.readString(file, StandardCharsets.US_ASCII).trim();
      } catch (IOException ignored) {
        // the message goes out without the pid
      }
      ch.close();
      throw new IllegalStateException(
          "another aquifer process"
              + (holder.isEmpty() ? "" : " (pid " + holder + ")")
              + " is using the data directory "
              + dataDir
              + "; stop it first");
    }
    ch.truncate(0);
    ch.write(
        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
        0);
    ch.force(false);
    return new DataDirLock(ch, l);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
