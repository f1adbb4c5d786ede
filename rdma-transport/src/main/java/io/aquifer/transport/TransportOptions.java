package io.aquifer.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Objects;

/**
 * What an implementation is built with besides its config: the allocator, the protocol versions it
 * offers and test-only faults. Package-private: production code uses {@link #defaults()}.
 *
 * @param allocator where frame buffers come from
 * @param minVersion lowest protocol version offered at hello
 * @param maxVersion highest protocol version offered at hello
 * @param nio use NIO even where epoll is available
 * @param ignorePeerFrameLimit fault: send frames larger than the peer accepts (to test rejection)
 * @param probe events for tests
 */
record TransportOptions(
    ByteBufAllocator allocator,
    int minVersion,
    int maxVersion,
    boolean nio,
    boolean ignorePeerFrameLimit,
    TransportProbe probe) {

  TransportOptions {
    Objects.requireNonNull(allocator, "allocator");
    Objects.requireNonNull(probe, "probe");
    if (minVersion < 1 || maxVersion < minVersion || maxVersion > 0xFFFF) {
      throw new IllegalArgumentException("bad version range " + minVersion + ".." + maxVersion);
    }
  }

  static TransportOptions defaults() {
    return new TransportOptions(
        PooledByteBufAllocator.DEFAULT,
        Wire.MIN_VERSION,
        Wire.MAX_VERSION,
        false,
        false,
        TransportProbe.NONE);
  }

  TransportOptions withAllocator(ByteBufAllocator newAllocator) {
    return new TransportOptions(
        newAllocator, minVersion, maxVersion, nio, ignorePeerFrameLimit, probe);
  }

  TransportOptions withVersions(int min, int max) {
    return new TransportOptions(allocator, min, max, nio, ignorePeerFrameLimit, probe);
  }

  TransportOptions withNio(boolean useNio) {
    return new TransportOptions(
        allocator, minVersion, maxVersion, useNio, ignorePeerFrameLimit, probe);
  }

  TransportOptions withIgnorePeerFrameLimit(boolean ignore) {
    return new TransportOptions(allocator, minVersion, maxVersion, nio, ignore, probe);
  }

  TransportOptions withProbe(TransportProbe newProbe) {
    return new TransportOptions(
        allocator, minVersion, maxVersion, nio, ignorePeerFrameLimit, newProbe);
  }
}
