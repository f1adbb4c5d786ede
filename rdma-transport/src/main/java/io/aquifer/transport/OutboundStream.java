package io.aquifer.transport;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * The sending end of a streamed request ({@link Connection#openStream}). Write chunks, then {@link
 * #end()}; {@link #response()} holds the outcome. Writes are flow controlled: the future of a write
 * completes when the chunk has credit and has gone to the network, so a writer that waits for it
 * before producing more never holds more than one chunk and the window in memory.
 */
public interface OutboundStream {

  /**
   * Queues the next chunk.
   *
   * @param chunk consumed: released once written, or at once when the stream has already ended or
   *     failed; at most {@link TransportConfig#maxFrameBytes} minus the frame header
   * @return completes (never exceptionally) when the chunk is written or dropped; when dropped,
   *     {@link #response()} is already complete and says why
   * @throws IllegalStateException after {@link #end()}
   */
  CompletableFuture<Void> write(ByteBuf chunk);

  /** Marks the end of the payload; returns {@link #response()}. */
  CompletableFuture<Response> end();

  /** The response to the whole request, or the error that ended the stream; never exceptional. */
  CompletableFuture<Response> response();
}
