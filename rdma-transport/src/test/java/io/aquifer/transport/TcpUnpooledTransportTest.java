package io.aquifer.transport;

/** The contract on TCP (epoll where available) with an unpooled allocator. */
class TcpUnpooledTransportTest extends TransportContractTest {
  @Override
  CountingAllocator newAllocator() {
    return CountingAllocator.unpooled();
  }

  @Override
  Transport open(TransportConfig config, TransportOptions options) {
    return new TcpTransport(config, options);
  }
}
