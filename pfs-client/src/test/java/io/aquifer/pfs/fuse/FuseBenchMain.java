package io.aquifer.pfs.fuse;

import java.nio.file.Path;

/**
 * Mounts {@link PassthroughFs} of a directory (or {@link MemFs} for SOURCE {@code mem}) for a
 * throughput run by hand: {@code FuseBenchMain SOURCE MOUNTPOINT [WORKERS [READAHEAD]]} prints
 * {@code mounted} and serves until stdin ends.
 */
final class FuseBenchMain {
  private FuseBenchMain() {}

  public static void main(String[] args) throws Exception {
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : FuseMountOptions.DEFAULT_WORKERS;
    FuseMountOptions options =
        FuseMountOptions.defaults().withName("aquifer-bench", "aquifer-bench").withWorkers(workers);
    if (args.length > 3) {
      options = options.withReadAhead(Integer.parseInt(args[3]));
    }
    try (FuseMount mount =
        FuseMount.mount(
            Path.of(args[1]),
            args[0].equals("mem") ? new MemFs() : new PassthroughFs(Path.of(args[0])),
            options)) {
      System.out.println("mounted " + mount + " " + mount.init());
      System.out.flush();
      while (System.in.read() >= 0) {}
    }
  }
}
