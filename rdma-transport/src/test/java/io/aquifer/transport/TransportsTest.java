package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which transport a config gets, and why, with and without RDMA on the machine. */
class TransportsTest {
  private static final RdmaSupport.Probe NO_RDMA =
      new RdmaSupport.Probe(false, "no RDMA device (/sys/class/infiniband is missing or empty)");
  private static final RdmaSupport.Probe RDMA_PRESENT =
      new RdmaSupport.Probe(true, "RDMA device [mlx5_0] and libdisni present");

  private static TransportConfig config(TransportConfig.Kind kind, boolean fallback) {
    return TransportConfig.defaults().withKind(kind, fallback);
  }

  @Test
  void autoWithoutRdmaIsTcpAndSaysWhy() {
    Transports.Choice choice = Transports.choose(config(TransportConfig.Kind.AUTO, false), NO_RDMA);
    assertEquals(TransportConfig.Kind.TCP, choice.kind());
    assertEquals(
        "transport: tcp (auto: no RDMA device (/sys/class/infiniband is missing or empty))",
        choice.line());
  }

  @Test
  void rdmaForcedWithoutRdmaIsAClearError() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Transports.choose(config(TransportConfig.Kind.RDMA, false), NO_RDMA));
    assertEquals(
        "transport kind RDMA is configured but RDMA is unavailable here: no RDMA device"
            + " (/sys/class/infiniband is missing or empty); set fallbackToTcp to use TCP instead,"
            + " or kind AUTO",
        e.getMessage());
  }

  @Test
  void rdmaForcedWithFallbackIsTcpAndSaysWhy() {
    Transports.Choice choice = Transports.choose(config(TransportConfig.Kind.RDMA, true), NO_RDMA);
    assertEquals(TransportConfig.Kind.TCP, choice.kind());
    assertTrue(choice.line().startsWith("transport: tcp (rdma configured with fallbackToTcp"));
    assertTrue(choice.line().contains(NO_RDMA.reason()), choice.line());
  }

  @Test
  void tcpConfiguredIsTcp() {
    Transports.Choice choice = Transports.choose(config(TransportConfig.Kind.TCP, false), NO_RDMA);
    assertEquals(
        new Transports.Choice(TransportConfig.Kind.TCP, "transport: tcp (configured)"), choice);
  }

  @Test
  void hardwareWithoutTheRdmaDataPathStillSelectsTcpAndSaysSo() {
    Transports.Choice choice =
        Transports.choose(config(TransportConfig.Kind.AUTO, false), RDMA_PRESENT);
    assertEquals(TransportConfig.Kind.TCP, choice.kind());
    assertTrue(choice.line().contains("no RDMA data path yet"), choice.line());
    assertThrows(
        IllegalStateException.class,
        () -> Transports.choose(config(TransportConfig.Kind.RDMA, false), RDMA_PRESENT));
  }

  @Test
  void openOnThisMachineGivesAWorkingTcpTransport() {
    try (Transport transport = Transports.open(config(TransportConfig.Kind.AUTO, false))) {
      assertEquals(TransportConfig.Kind.TCP, transport.kind());
    }
    assertThrows(
        IllegalStateException.class,
        () -> Transports.open(config(TransportConfig.Kind.RDMA, false)));
    try (Transport transport = Transports.open(config(TransportConfig.Kind.RDMA, true))) {
      assertEquals(TransportConfig.Kind.TCP, transport.kind());
    }
  }

  @Test
  void probeNamesEveryMissingPart(@TempDir Path dir) throws IOException {
    Path devices = dir.resolve("infiniband");
    RdmaSupport.Check verbsMustNotRun =
        () -> {
          throw new AssertionError("verbs are probed only after the device and the library");
        };
    RdmaSupport.Probe none =
        RdmaSupport.probe(devices, () -> "no disni in java.library.path", verbsMustNotRun);
    assertFalse(none.available());
    assertEquals(
        "no RDMA device ("
            + devices
            + " is missing or empty) and the DiSNI native library is not loadable (no disni in"
            + " java.library.path)",
        none.reason());

    Files.createDirectories(devices.resolve("mlx5_0"));
    RdmaSupport.Probe noLibrary = RdmaSupport.probe(devices, () -> "not found", verbsMustNotRun);
    assertEquals("the DiSNI native library is not loadable (not found)", noLibrary.reason());

    RdmaSupport.Probe noVerbs = RdmaSupport.probe(devices, () -> null, () -> "no rdma_cm");
    assertEquals("RDMA device [mlx5_0] present but no rdma_cm", noVerbs.reason());

    RdmaSupport.Probe present = RdmaSupport.probe(devices, () -> null, () -> null);
    assertEquals(new RdmaSupport.Probe(true, "RDMA device [mlx5_0] and libdisni present"), present);
  }

  @Test
  void thisMachineHasNoRdma() {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.isDirectory(RdmaSupport.SYS_INFINIBAND), "this machine has an RDMA device");
    RdmaSupport.Probe probe = RdmaSupport.system();
    assertFalse(probe.available());
    assertTrue(probe.reason().contains("RDMA") || probe.reason().contains("DiSNI"), probe.reason());
  }
}
