package io.aquifer.transport;

/**
 * The RDMA verbs transport (DiSNI): send/recv for frame headers, one-sided RDMA READ/WRITE into a
 * registered buffer pool for payloads (docs/pfs-protocol.md). Its data path is not built yet, so it
 * reports itself unavailable even where {@link RdmaSupport} finds a device and libdisni; the
 * selection then says so and uses TCP (or fails when RDMA is forced).
 */
final class RdmaTransport {
  private RdmaTransport() {}

  /** Whether an RDMA transport can be opened here, and why (not). */
  static RdmaSupport.Probe availability(RdmaSupport.Probe platform) {
    if (!platform.available()) {
      return platform;
    }
    return new RdmaSupport.Probe(
        false, platform.reason() + ", but this build has no RDMA data path yet");
  }
}
