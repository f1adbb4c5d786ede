package io.aquifer.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

/** The contract on TCP (epoll where available) with a pooled direct allocator. */
class TcpPooledTransportTest extends TransportContractTest {
  @Override
  CountingAllocator newAllocator() {
    return CountingAllocator.pooled();
  }

  @Override
  Transport open(TransportConfig config, TransportOptions options) {
    return new TcpTransport(config, options);
  }

  @Test
  void usesEpollWhereItLoads() {
    TcpTransport transport = (TcpTransport) transport(config(), options());
    assertEquals(
        Epoll.isAvailable(), transport.epoll(), String.valueOf(Epoll.unavailabilityCause()));
  }
}
