package io.aquifer.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether RDMA can be used in this process: an RDMA device under {@code /sys/class/infiniband}, the
 * DiSNI native library (libdisni) loadable, and, when both are there, an rdma_cm event channel that
 * DiSNI can open. DiSNI classes are touched only after the first two checks pass, so a machine
 * without RDMA never loads them.
 */
final class RdmaSupport {
  private RdmaSupport() {}

  /** The default device directory. */
  static final Path SYS_INFINIBAND = Path.of("/sys/class/infiniband");

  /**
   * What the probe found.
   *
   * @param available whether an RDMA transport could be opened here
   * @param reason why (or why not), one line
   */
  record Probe(boolean available, String reason) {}

  private static volatile Probe system;

  /** Probes this machine once per process. */
  static Probe system() {
    Probe probe = system;
    if (probe == null) {
      probe = probe(SYS_INFINIBAND, RdmaSupport::loadDisni, RdmaSupport::openEventChannel);
      system = probe;
    }
    return probe;
  }

  /** A check that returns {@code null} when it passes, or why it failed. */
  interface Check {
    String run();
  }

  static Probe probe(Path devices, Check library, Check verbs) {
    List<String> missing = new ArrayList<>();
    List<String> found = listDevices(devices);
    if (found.isEmpty()) {
      missing.add("no RDMA device (" + devices + " is missing or empty)");
    }
    String libraryFailure = library.run();
    if (libraryFailure != null) {
      missing.add("the DiSNI native library is not loadable (" + libraryFailure + ")");
    }
    if (!missing.isEmpty()) {
      return new Probe(false, String.join(" and ", missing));
    }
    String verbsFailure = verbs.run();
    if (verbsFailure != null) {
      return new Probe(false, "RDMA device " + found + " present but " + verbsFailure);
    }
    return new Probe(true, "RDMA device " + found + " and libdisni present");
  }

  private static List<String> listDevices(Path devices) {
    if (!Files.isDirectory(devices)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(devices)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  // DiSNI loads the same library itself; loading it here first is the probe. The node runs with
  // --enable-native-access=ALL-UNNAMED.
  @SuppressWarnings("restricted")
  private static String loadDisni() {
    try {
      System.loadLibrary("disni");
      return null;
    } catch (UnsatisfiedLinkError | SecurityException e) {
      return e.getMessage();
    }
  }

  private static String openEventChannel() {
    try {
      com.ibm.disni.verbs.RdmaEventChannel channel =
          com.ibm.disni.verbs.RdmaEventChannel.createEventChannel();
      channel.destroyEventChannel();
      return null;
    } catch (IOException | LinkageError e) {
      return "DiSNI cannot open an rdma_cm event channel: " + e;
    }
  }
}
