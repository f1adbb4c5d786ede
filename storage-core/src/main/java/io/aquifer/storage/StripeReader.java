package io.aquifer.storage;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Streams a byte range of one object version, stripe by stripe, through a {@link StripeFetcher} per
 * segment. Holds one stripe buffer from the budget while open.
 */
final class StripeReader implements ObjectReader {
  private final StoreCore core;
  private final ObjectInfo info;
  private final List<DataRef> segments;
  private final long[] segmentStart;
  private final long start;
  private final long length;
  private final Runnable onClose;
  private ByteBuffer stripe;
  private int stripeLayoutSize;
  private StripeFetcher fetcher;
  private int fetcherSegment = -1;
  private long pos;
  // the stripe currently in the buffer: segment, stripe index, and valid data block range
  private long loadedStripe = -1;
  private int loadedFrom;
  private int loadedTo;
  private boolean closed;

  StripeReader(
      StoreCore core,
      ObjectInfo info,
      List<DataRef> segments,
      long start,
      long length,
      Runnable onClose) {
    this.core = core;
    this.info = info;
    this.segments = segments;
    this.start = start;
    this.length = length;
    this.onClose = onClose;
    this.pos = start;
    this.segmentStart = new long[segments.size() + 1];
    for (int i = 0; i < segments.size(); i++) {
      segmentStart[i + 1] = segmentStart[i] + segments.get(i).size();
    }
  }

  @Override
  public ObjectInfo info() {
    return info;
  }

  @Override
  public long rangeStart() {
    return start;
  }

  @Override
  public long rangeLength() {
    return length;
  }

  @Override
  public int read(ByteBuffer dst) {
    if (closed) {
      throw new IllegalStateException("reader closed");
    }
    long end = start + length;
    if (pos >= end) {
      return -1;
    }
    int total = 0;
    while (dst.hasRemaining() && pos < end) {
      int seg = segmentOf(pos);
      DataRef ref = segments.get(seg);
      long inSeg = pos - segmentStart[seg];
      long stripeBytes = (long) ref.k() * ref.blockSize();
      long s = inSeg / stripeBytes;
      int inStripe = (int) (inSeg - s * stripeBytes);
      int b = ref.blockLength(s);
      int block = inStripe / b;
      long stripeDataEnd =
          Math.min(end - segmentStart[seg] - s * stripeBytes, ref.stripeDataLength(s));
      int lastBlock = (int) ((stripeDataEnd - 1) / b);
      ensureFetcher(seg, ref);
      int off = inStripe % b;
      int n = (int) Math.min(Math.min(dst.remaining(), b - off), stripeDataEnd - inStripe);
      boolean loaded = loadedStripe == s && block >= loadedFrom && block <= loadedTo;
      if (!loaded && off == 0 && n == b && direct(s, block, dst)) {
        // a whole block wanted: read and verified in place, no copy through the stripe buffer
        dst.position(dst.position() + b);
        pos += b;
        total += b;
        continue;
      }
      if (loadedStripe != s || block < loadedFrom || lastBlock > loadedTo) {
        fetcher.fetch(s, block, lastBlock, false);
        loadedStripe = s;
        loadedFrom = block;
        loadedTo = lastBlock;
      }
      dst.put(fetcher.region(block).slice(off, n));
      pos += n;
      total += n;
    }
    return total;
  }

  /** A whole data block at the reader's position, verified in its shard file; else null. */
  @Override
  public FileSpan nextSpan() {
    if (closed) {
      throw new IllegalStateException("reader closed");
    }
    long end = start + length;
    if (pos >= end) {
      return null;
    }
    int seg = segmentOf(pos);
    DataRef ref = segments.get(seg);
    long inSeg = pos - segmentStart[seg];
    long stripeBytes = (long) ref.k() * ref.blockSize();
    long s = inSeg / stripeBytes;
    int inStripe = (int) (inSeg - s * stripeBytes);
    int b = ref.blockLength(s);
    long stripeDataEnd =
        Math.min(end - segmentStart[seg] - s * stripeBytes, ref.stripeDataLength(s));
    if (inStripe % b != 0 || stripeDataEnd - inStripe < b) {
      return null; // not a whole block of the range
    }
    ensureFetcher(seg, ref);
    FileSpan span = fetcher.span(s, inStripe / b);
    if (span != null) {
      pos += b;
    }
    return span;
  }

  /**
   * Reads whole data block {@code block} of stripe {@code s} straight into {@code dst} at its
   * position, verified; false when it was not (the caller fetches the stripe). Regions of another
   * stripe no longer count as loaded: the read may use their checksum bytes.
   */
  private boolean direct(long s, int block, ByteBuffer dst) {
    if (loadedStripe != s) {
      loadedStripe = -1;
    }
    return fetcher.readInto(s, block, dst.slice(dst.position(), fetcher.ref().blockLength(s)));
  }

  private int segmentOf(long p) {
    int lo = 0;
    int hi = segments.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (segmentStart[mid] <= p) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private void ensureFetcher(int seg, DataRef ref) {
    if (fetcherSegment == seg) {
      return;
    }
    StripeFetcher.closeQuietly(fetcher);
    int size = StripeBuffers.size(ref.k() + ref.m(), ref.blockSize());
    if (stripe == null || stripeLayoutSize != size) {
      if (stripe != null) {
        core.buffers.release(stripe);
      }
      stripe = core.buffers.acquire(size);
      stripeLayoutSize = size;
    }
    fetcher =
        new StripeFetcher(
            core, ref, StripeBuffers.regions(stripe, ref.k() + ref.m(), ref.blockSize()));
    fetcherSegment = seg;
    loadedStripe = -1;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    StripeFetcher.closeQuietly(fetcher);
    if (stripe != null) {
      core.buffers.release(stripe);
      stripe = null;
    }
    onClose.run();
  }
}
