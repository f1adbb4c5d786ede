package io.aquifer.bench.s3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;

/**
 * Writes {@code size} bytes of a message body from one pre-filled buffer as HTTP chunks of at most
 * its capacity, each a retained duplicate or slice of it (no copy), while the channel is writable;
 * call {@link #pump} again when it becomes writable. Runs on the channel's event loop.
 */
final class BodyWriter {
  private final Channel channel;
  private final ByteBuf payload;
  private final ChannelFutureListener onWrite;
  private long remaining;

  /**
   * @param payload borrowed: the bytes to repeat; each chunk retains it
   * @param onWrite added to every chunk's write future (e.g. to fail the exchange on error)
   */
  BodyWriter(Channel channel, ByteBuf payload, long size, ChannelFutureListener onWrite) {
    this.channel = channel;
    this.payload = payload;
    this.remaining = size;
    this.onWrite = onWrite;
  }

  boolean done() {
    return remaining == 0;
  }

  /** Writes chunks while the channel is writable; the last is a {@code LastHttpContent}. */
  void pump() {
    int cap = payload.readableBytes();
    while (remaining > 0 && channel.isActive()) {
      int n = (int) Math.min(cap, remaining);
      ByteBuf chunk = n == cap ? payload.retainedDuplicate() : payload.retainedSlice(0, n);
      remaining -= n;
      if (remaining == 0) {
        channel.writeAndFlush(new DefaultLastHttpContent(chunk)).addListener(onWrite);
        return;
      }
      channel.write(new DefaultHttpContent(chunk)).addListener(onWrite);
      if (!channel.isWritable()) {
        channel.flush();
        return;
      }
    }
  }
}
