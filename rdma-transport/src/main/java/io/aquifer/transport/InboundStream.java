package io.aquifer.transport;

/**
 * The receiving end of a streamed request, handed to {@link RequestHandler#onStream}. Chunks are
 * delivered to the listener only as far as the receiver has asked for them with {@link
 * #request(int)}; chunks not asked for stay in the connection's window, so a receiver that stops
 * asking stops the sender once the window is full.
 */
public interface InboundStream {

  /**
   * Sets who receives the chunks; call once, before or after {@link #request(int)}. The listener is
   * called on the connection's I/O thread and must not block.
   */
  void subscribe(ChunkListener listener);

  /** Asks for {@code chunks} more chunks (adds to what was asked before). */
  void request(int chunks);

  /** Receives the chunks of an {@link InboundStream}, one call at a time. */
  interface ChunkListener {
    /**
     * The next chunk, in order.
     *
     * @param chunk consumed: the listener owns it and must release it
     */
    void onChunk(io.netty.buffer.ByteBuf chunk);

    /** The sender ended the stream; no more calls follow. */
    void onEnd();

    /** The stream ended early (the connection was lost); no more calls follow. */
    void onError(TransportError error);
  }
}
