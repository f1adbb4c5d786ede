package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs only where RDMA hardware exists ({@code -Dtransport.groups=rdma
 * -Dtransport.excludedGroups=none}): the probe finds the device and libdisni, and DiSNI opens an
 * rdma_cm event channel. Not run on machines without RDMA, CI included.
 */
@Tag("rdma")
class RdmaHardwareTest {

  @Test
  void theProbeFindsTheDeviceAndDisniOpensAnEventChannel() {
    RdmaSupport.Probe probe = RdmaSupport.system();
    assertTrue(probe.available(), probe.reason());
  }
}
