package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** The contract on TCP forced onto NIO (the path for machines without epoll), pooled. */
class TcpNioTransportTest extends TransportContractTest {
  @Override
  CountingAllocator newAllocator() {
    return CountingAllocator.pooled();
  }

  @Override
  Transport open(TransportConfig config, TransportOptions options) {
    return new TcpTransport(config, options.withNio(true));
  }

  @Test
  void runsOnNio() {
    assertFalse(((TcpTransport) transport(config(), options())).epoll());
  }
}
