package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * A received message: an application header and a payload (empty when none was sent), both slices
 * of pooled network memory. Whoever receives a message owns it and releases it with {@link
 * #close()} (or releases the two buffers, having retained what it keeps).
 */
public record Message(ByteBuf header, ByteBuf payload) implements AutoCloseable {
  public Message {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(payload, "payload");
  }

  /** Releases both buffers. */
  @Override
  public void close() {
    try {
      header.release();
    } finally {
      payload.release();
    }
  }
}
