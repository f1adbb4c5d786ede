package io.aquifer.transport;

import java.util.Objects;

/** Opens the transport a {@link TransportConfig} asks for. */
public final class Transports {
  private static final System.Logger LOG = System.getLogger(Transports.class.getName());

  private Transports() {}

  /**
   * Opens a transport: RDMA when the config allows it ({@code AUTO} or {@code RDMA}) and this
   * machine has both libdisni and an RDMA device, TCP otherwise; logs one line saying which and
   * why.
   *
   * @throws IllegalStateException when the config forces RDMA, RDMA is unavailable, and {@link
   *     TransportConfig#fallbackToTcp} is off; the message says what is missing
   */
  public static Transport open(TransportConfig config) {
    return open(config, TransportOptions.defaults(), RdmaSupport.system());
  }

  static Transport open(TransportConfig config, TransportOptions options, RdmaSupport.Probe rdma) {
    Choice choice = choose(config, rdma);
    LOG.log(System.Logger.Level.INFO, choice.line());
    return switch (choice.kind()) {
      case TCP -> new TcpTransport(config, options);
      case RDMA -> throw new IllegalStateException("this build has no RDMA data path yet");
      case AUTO -> throw new IllegalStateException("unreachable: a choice is never AUTO");
    };
  }

  /**
   * Which implementation a config gets on a machine whose RDMA probe said {@code rdma}.
   *
   * @param kind TCP or RDMA
   * @param line the log line: which and why
   */
  record Choice(TransportConfig.Kind kind, String line) {}

  static Choice choose(TransportConfig config, RdmaSupport.Probe platform) {
    Objects.requireNonNull(config, "config");
    RdmaSupport.Probe rdma = RdmaTransport.availability(platform);
    return switch (config.kind()) {
      case TCP -> new Choice(TransportConfig.Kind.TCP, "transport: tcp (configured)");
      case AUTO ->
          rdma.available()
              ? new Choice(
                  TransportConfig.Kind.RDMA, "transport: rdma (auto: " + rdma.reason() + ")")
              : new Choice(
                  TransportConfig.Kind.TCP, "transport: tcp (auto: " + rdma.reason() + ")");
      case RDMA -> {
        if (rdma.available()) {
          yield new Choice(TransportConfig.Kind.RDMA, "transport: rdma (configured)");
        }
        if (config.fallbackToTcp()) {
          yield new Choice(
              TransportConfig.Kind.TCP,
              "transport: tcp (rdma configured with fallbackToTcp, but " + rdma.reason() + ")");
        }
        throw new IllegalStateException(
            "transport kind RDMA is configured but RDMA is unavailable here: "
                + rdma.reason()
                + "; set fallbackToTcp to use TCP instead, or kind AUTO");
      }
    };
  }
}
