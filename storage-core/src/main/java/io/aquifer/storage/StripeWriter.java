package io.aquifer.storage;

import io.aquifer.storage.codec.ErasureCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The write path: bytes are copied once into a stripe buffer, k data blocks are erasure-coded into
 * m parity blocks, each block gets a CRC32C and is appended to its shard file, the k + m shards of
 * a stripe in parallel (a virtual thread each). MD5 is computed stripe by stripe on a thread of its
 * own. On commit the trailers are written, every shard file is forced to stable storage in parallel
 * (their directories were synced in the background once the files existed), and then the {@link
 * Committer} switches the index.
 *
 * <p>The pending entry of the data is synced, and only then are the shard files created, on a
 * virtual thread started by the constructor, while the caller fills the first stripe; the first
 * hand-off (or the commit) waits for it. Where a block starts in its slot depends only on the
 * header's length and the drive's mode, so the first stripe is placed before its file exists.
 *
 * <p>On a drive that takes {@code O_DIRECT} the shard's data goes straight from the stripe buffer
 * to the device ({@link ShardOutput}). Each shard's region is then placed in its aligned slot just
 * past the bytes the shard carries over from the previous stripe, so the aligned prefix of carry +
 * block + checksum is written without copying the block. The carry after a full stripe depends only
 * on the lengths, so the next stripe is placed before the current one is written.
 *
 * <p>Buffered shards (drives without {@code O_DIRECT}, or direct-io off) start writeback while the
 * object streams in: once {@link #WRITEBACK_BYTES} more have been appended to a shard, a virtual
 * thread forces that shard's data so far ({@code fdatasync}), at most one at a time per shard. The
 * page cache then never holds a whole object's shards at commit, and the disk writes overlap
 * receiving, hashing and encoding instead of following them. A failed background force fails its
 * shard at commit (the kernel reports a write error to one fsync only, so it must not be dropped);
 * the commit's own force still covers everything.
 *
 * <p>Up to {@link #RING} stripe buffers make a pipeline: while the caller fills one, the full ones
 * before it are hashed (MD5, one thread per stripe, each waiting for the one before) and encoded
 * and written (likewise, in order), so the hash of a stripe never waits for the writes of the
 * previous one, and the sequential MD5, which bounds one stream, always has a stripe to work on. A
 * stripe's parity and checksums are computed before its flush waits for the previous stripe's
 * writes, so the drives go from one stripe's writes to the next without waiting for the encoder.
 * Buffers beyond the first are taken only if the memory budget has room at that moment; with none,
 * stripes are hashed and flushed on the caller's thread.
 */
final class StripeWriter implements ObjectWriter {
  /** Stripe buffers of one writer at most: one filled, the others hashed and flushed. */
  static final int RING = 3;

  /** Bytes appended to a shard between background writeback forces. */
  static final long WRITEBACK_BYTES = 8L << 20;

  /** The metadata step of a commit, run after the data is durable. */
  @FunctionalInterface
  interface Committer {
    ObjectInfo commit(
        DataRef ref,
        String etag,
        long version,
        long mtime,
        Map<String, String> attributes,
        Set<Integer> lost);
  }

  private final StoreCore core;
  private final DataRef layout;
  private final String bucket;
  private final String key;
  private final PutOptions options;
  private final Committer committer;
  private final ErasureCodec codec;
  private final int k;
  private final int m;
  private final int blockSize;
  private final ByteBuffer stripe;
  // the stripe being filled: its buffer, its regions, and where each region starts in its slot
  private ByteBuffer current;
  private ByteBuffer[] regions;
  private int[] offsets;
  // the pipeline: a ring of up to RING stripe buffers (the first is stripe, the others taken only
  // when the budget has room at that moment); while the caller fills one, the full ones before it
  // are hashed and flushed. MD5 and flush each run on a chain of virtual threads, one per stripe,
  // each joining the previous one of its chain first, so stripes are hashed in order and written in
  // order, and the hash of a stripe never waits for the writes of the one before it.
  private final List<ByteBuffer> ring = new ArrayList<>(RING);
  private final Thread[] hashOf =
      new Thread[RING]; // per ring buffer: the threads last started on it
  private final Thread[] flushOf = new Thread[RING];
  private int cur; // the ring buffer being filled
  private boolean ringFull;
  private Thread lastHash;
  private Thread lastFlush;
  private volatile Throwable pipelineError;
  private final boolean[] direct;
  private final ShardOutput[] outs;
  private final long[] sinceWriteback;
  private final Thread[] writeback;
  private final IOException[] writebackErrors;
  private final Set<Integer> lost = new LinkedHashSet<>();
  private Thread opening;
  private volatile Throwable openError;
  private final Thread[] dirSyncs;
  private final IOException[] dirErrors;
  private final EtagHasher etag;
  private int fill;
  private long written;
  private boolean done;
  private boolean released;

  StripeWriter(
      StoreCore core,
      DataRef layout,
      String bucket,
      String key,
      String uploadId,
      int partNumber,
      PutOptions options,
      Committer committer) {
    this.core = core;
    this.layout = layout;
    this.bucket = bucket;
    this.key = key;
    this.options = options;
    this.committer = committer;
    this.codec = core.codec(layout.k(), layout.m());
    this.k = layout.k();
    this.m = layout.m();
    this.blockSize = layout.blockSize();
    this.etag = new EtagHasher(options.md5EtagMaxSize());
    this.outs = new ShardOutput[k + m];
    this.sinceWriteback = new long[k + m];
    this.writeback = new Thread[k + m];
    this.writebackErrors = new IOException[k + m];
    this.dirSyncs = new Thread[k + m];
    this.dirErrors = new IOException[k + m];
    this.direct = new boolean[k + m];
    this.stripe = core.buffers.acquire(StripeBuffers.size(k + m, blockSize));
    ring.add(stripe);
    try {
      byte[][] headers = new byte[k + m][];
      this.offsets = new int[k + m];
      for (int i = 0; i < k + m; i++) {
        Drive d = core.drives.get(layout.drives()[i]);
        if (!d.online()) {
          lost.add(i);
          continue;
        }
        headers[i] = ShardFormat.header(layout, i, bucket, key, uploadId, partNumber);
        direct[i] = d.direct();
        offsets[i] = ShardOutput.carriedAtStart(headers[i].length, direct[i]);
      }
      checkQuorum();
      this.current = stripe;
      this.regions = StripeBuffers.regions(stripe, k + m, blockSize, offsets);
      // the pending entry's sync and the file creations overlap the filling of the first stripe
      opening =
          Thread.ofVirtual()
              .name("aquifer-shard-open")
              .start(
                  () -> {
                    try {
                      openShards(headers);
                    } catch (Throwable t) {
                      openError = t;
                    }
                  });
    } catch (RuntimeException e) {
      abort();
      throw e;
    }
  }

  /**
   * Makes the pending entry durable, then creates the shard files with their headers; with durable
   * writes, starts syncing each file's directory entry.
   */
  private void openShards(byte[][] headers) {
    core.syncPending();
    for (int i = 0; i < k + m; i++) {
      if (headers[i] == null) {
        continue;
      }
      Drive d = core.drives.get(layout.drives()[i]);
      try {
        outs[i] = ShardOutput.create(d, layout.id(), i, headers[i], direct[i]);
      } catch (IOException e) {
        failShard(i, d, "create", e);
      }
    }
    checkQuorum();
    if (core.config.durable()) {
      for (int i = 0; i < k + m; i++) {
        if (outs[i] == null) {
          continue;
        }
        int shard = i;
        Path dir = core.drives.get(layout.drives()[i]).shardPath(layout.id(), i).getParent();
        dirSyncs[i] =
            Thread.ofVirtual()
                .name("aquifer-shard-dir-sync")
                .start(
                    () -> {
                      try {
                        Drive.syncDirectory(dir);
                      } catch (IOException e) {
                        dirErrors[shard] = e;
                      }
                    });
      }
    }
  }

  /** Waits for the shard files to be created (see {@link #openShards}) and rethrows its failure. */
  private void awaitOpen() {
    Thread t = opening;
    if (t == null) {
      return;
    }
    opening = null;
    Threads.joinAll(t);
    Throwable e = openError;
    openError = null;
    Threads.rethrow(e, "shard create");
  }

  private void failShard(int i, Drive d, String what, IOException e) {
    d.failed(what + " of shard " + layout.hexId() + "." + i, e);
    lost.add(i);
    ShardOutput out = outs[i];
    outs[i] = null;
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // the drive already failed; its error is counted
      }
    }
  }

  private void checkQuorum() {
    int alive = k + m - lost.size();
    if (alive < core.writeQuorum(k, m)) {
      throw new StorageException(
          StatusCode.WRITE_QUORUM_LOST,
          "only "
              + alive
              + " of "
              + (k + m)
              + " shards writable ("
              + lost.size()
              + " drives offline or failing); "
              + core.writeQuorum(k, m)
              + " needed");
    }
  }

  @Override
  public void write(ByteBuffer src) {
    ensureOpen();
    while (src.hasRemaining()) {
      int block = fill / blockSize;
      int off = fill % blockSize;
      int n = Math.min(src.remaining(), blockSize - off);
      ByteBuffer chunk = src.slice(src.position(), n);
      regions[block].put(off, chunk, 0, n);
      src.position(src.position() + n);
      fill += n;
      written += n;
      if (fill == k * blockSize) {
        handOff();
        fill = 0;
      }
    }
  }

  @Override
  public long written() {
    return written;
  }

  /** Starts hashing and flushing the full current stripe and switches to the next ring buffer. */
  private void handOff() {
    awaitOpen();
    rethrowPipeline();
    // where each shard's next block goes: past what it will carry after this stripe
    int[] next = new int[k + m];
    for (int i = 0; i < k + m; i++) {
      next[i] = direct[i] ? (offsets[i] + blockSize + DataRef.CRC_BYTES) % ShardOutput.ALIGN : 0;
    }
    if (!ringFull && ring.size() < RING) {
      ByteBuffer b = core.buffers.tryAcquire(stripe.capacity());
      if (b == null) {
        ringFull = true;
      } else {
        ring.add(b);
      }
    }
    if (ring.size() == 1) {
      awaitPipeline();
      hashData(regions, k * blockSize);
      flushStripe(current, regions, offsets, blockSize);
      offsets = next;
      regions = StripeBuffers.regions(current, k + m, blockSize, offsets);
      return;
    }
    ByteBuffer full = current;
    ByteBuffer[] fullRegions = regions;
    int[] fullOffsets = offsets;
    Thread prevHash = lastHash;
    Thread prevFlush = lastFlush;
    lastHash =
        Thread.ofVirtual()
            .name("aquifer-stripe-md5")
            .start(() -> afterThen(prevHash, () -> hashData(fullRegions, k * blockSize)));
    // the parity and checksums need only this stripe's data, so they are computed while the stripe
    // before is still being written; the drives then wait for nothing but the previous writes
    lastFlush =
        Thread.ofVirtual()
            .name("aquifer-stripe-flush")
            .start(
                () ->
                    afterThen(
                        () -> encodeStripe(fullRegions, blockSize),
                        prevFlush,
                        () -> writeStripe(full, fullOffsets, blockSize)));
    hashOf[cur] = lastHash;
    flushOf[cur] = lastFlush;
    cur = (cur + 1) % ring.size();
    // the next buffer is free once its last stripe is hashed and written
    Threads.joinAll(hashOf[cur], flushOf[cur]);
    hashOf[cur] = null;
    flushOf[cur] = null;
    rethrowPipeline();
    current = ring.get(cur);
    offsets = next;
    regions = StripeBuffers.regions(current, k + m, blockSize, offsets);
  }

  /**
   * Runs {@code work} after {@code previous} (the same chain's thread of the stripe before) ends,
   * unless some stripe failed; records the first failure.
   */
  private void afterThen(Thread previous, Runnable work) {
    Threads.joinAll(previous);
    runRecorded(work);
  }

  /**
   * Runs {@code first} at once, then {@code work} after {@code previous} ends (as {@link
   * #afterThen}); {@code previous} is joined even when {@code first} fails, so a chain's last
   * thread still ends after all the others.
   */
  private void afterThen(Runnable first, Thread previous, Runnable work) {
    runRecorded(first);
    afterThen(previous, work);
  }

  /** Runs {@code work} unless some stripe failed; records the first failure. */
  private void runRecorded(Runnable work) {
    if (pipelineError != null) {
      return;
    }
    try {
      work.run();
    } catch (Throwable t) {
      synchronized (ring) {
        if (pipelineError == null) {
          pipelineError = t;
        }
      }
    }
  }

  private void rethrowPipeline() {
    Threads.rethrow(pipelineError, "stripe flush");
  }

  /** Waits for every stripe handed off to be hashed and written, and rethrows a failure. */
  private void awaitPipeline() {
    Thread h = lastHash;
    Thread f = lastFlush;
    lastHash = null;
    lastFlush = null;
    Threads.joinAll(h, f); // each the end of its chain
    java.util.Arrays.fill(hashOf, null);
    java.util.Arrays.fill(flushOf, null);
    rethrowPipeline();
  }

  /** Adds the first {@code bytes} of a stripe's data (blocks in order) to the ETag. */
  private void hashData(ByteBuffer[] regions, int bytes) {
    etag.addStripe(regions, blockSize, bytes);
  }

  /** Encodes a stripe's blocks of {@code b} bytes and appends them to the shard files. */
  private void flushStripe(ByteBuffer buf, ByteBuffer[] regions, int[] offsets, int b) {
    encodeStripe(regions, b);
    writeStripe(buf, offsets, b);
  }

  /**
   * Computes a stripe's m parity blocks of {@code b} bytes and puts each of its k + m blocks'
   * CRC32C after the block. Touches only the stripe's own regions, so it may run while the stripe
   * before is written.
   */
  private void encodeStripe(ByteBuffer[] regions, int b) {
    long started = System.nanoTime();
    codec.encode(regions, 0, b);
    core.counters.encodeNanos.add(System.nanoTime() - started);
    core.counters.bytesEncoded.add((long) k * b);
    CRC32C crc = new CRC32C();
    for (ByteBuffer r : regions) {
      crc.reset();
      crc.update(r.slice(0, b));
      r.putInt(b, (int) crc.getValue());
    }
  }

  /**
   * Appends an encoded stripe's blocks (see {@link #encodeStripe}) to the shard files, each shard
   * but the last on a virtual thread of its own and the last on this thread (direct writes wait for
   * the device; buffered ones copy into the page cache: either way the shards overlap). After the
   * stripe before is written.
   */
  private void writeStripe(ByteBuffer buf, int[] offsets, int b) {
    IOException[] errors = new IOException[k + m];
    Thread[] threads = new Thread[k + m];
    int lastLive = -1;
    for (int i = 0; i < k + m; i++) {
      lastLive = outs[i] == null ? lastLive : i;
    }
    Runnable inline = null;
    for (int i = 0; i < k + m; i++) {
      ShardOutput out = outs[i];
      if (out == null) {
        continue;
      }
      if (out.carried() != offsets[i]) {
        throw new IllegalStateException(
            "shard " + i + " carries " + out.carried() + " bytes, its block is at " + offsets[i]);
      }
      int shard = i;
      Runnable write = () -> errors[shard] = writeShard(shard, out, buf, b);
      if (i == lastLive) {
        inline = write; // the last shard on this thread: one thread start and join fewer
      } else {
        threads[i] = Thread.ofVirtual().name("aquifer-shard-write").start(write);
      }
    }
    try {
      if (inline != null) {
        inline.run();
      }
    } finally {
      Threads.joinAll(threads);
    }
    for (int i = 0; i < k + m; i++) {
      if (errors[i] != null && outs[i] != null) {
        failShard(i, core.drives.get(layout.drives()[i]), "write", errors[i]);
      }
    }
    checkQuorum();
  }

  /** Appends shard {@code i}'s checksummed block; returns the write's failure, or null. */
  private IOException writeShard(int i, ShardOutput out, ByteBuffer buf, int b) {
    try {
      out.append(StripeBuffers.slotOf(buf, i, blockSize), b + DataRef.CRC_BYTES);
    } catch (IOException e) {
      return e;
    }
    if (!out.direct()) {
      sinceWriteback[i] += b + DataRef.CRC_BYTES;
      if (sinceWriteback[i] >= WRITEBACK_BYTES && core.config.durable()) {
        startWriteback(i, out);
      }
    }
    return null;
  }

  /** Forces shard {@code i}'s data so far in the background, unless a force is still running. */
  private void startWriteback(int i, ShardOutput out) {
    Thread t = writeback[i];
    if (t != null && t.isAlive()) {
      return;
    }
    sinceWriteback[i] = 0;
    writeback[i] =
        Thread.ofVirtual()
            .name("aquifer-shard-writeback")
            .start(
                () -> {
                  try {
                    out.forceData();
                    core.counters.writebackForces.increment();
                  } catch (java.nio.channels.ClosedChannelException e) {
                    // aborted or failed meanwhile: nothing to report
                  } catch (IOException e) {
                    synchronized (writebackErrors) {
                      writebackErrors[i] = e;
                    }
                  }
                });
  }

  /** Waits for the background forces; a shard whose force failed is failed now. */
  private void awaitWriteback() {
    Threads.joinAll(writeback);
    java.util.Arrays.fill(writeback, null);
    for (int i = 0; i < k + m; i++) {
      IOException e;
      synchronized (writebackErrors) {
        e = writebackErrors[i];
        writebackErrors[i] = null;
      }
      if (e != null && outs[i] != null) {
        failShard(i, core.drives.get(layout.drives()[i]), "writeback", e);
      }
    }
  }

  /**
   * Moves the {@code l} bytes of a short last stripe, written block after block, into k blocks of
   * {@code b = ceil(l / k)} bytes, and zeroes the padding. Target block i only ever receives bytes
   * from source blocks at or below i, so working from the last block down, and within a block from
   * its last piece down, never overwrites a byte before it has moved.
   */
  private int relayoutLastStripe(int l) {
    int b = (l + k - 1) / k;
    for (int i = k - 1; i >= 0; i--) {
      int from = i * b;
      int len = Math.max(0, Math.min(b, l - from));
      int end = len;
      while (end > 0) {
        int p = from + end - 1; // last byte of the piece, in stream order
        int srcBlock = p / blockSize;
        int pieceStart = Math.max(0, srcBlock * blockSize - from);
        int n = end - pieceStart;
        regions[i].put(pieceStart, regions[srcBlock], (from + pieceStart) % blockSize, n);
        end = pieceStart;
      }
      for (int z = len; z < b; z++) {
        regions[i].put(z, (byte) 0);
      }
    }
    return b;
  }

  @Override
  public ObjectInfo commit(Map<String, String> extraAttributes, byte[] expectedMd5) {
    ensureOpen();
    try {
      awaitOpen();
      awaitPipeline();
      if (fill > 0) {
        hashData(regions, fill); // before the last stripe's blocks are laid out anew
        flushStripe(
            current,
            regions,
            offsets,
            fill == k * blockSize ? blockSize : relayoutLastStripe(fill));
        fill = 0;
      }
      String etag = this.etag.etag(expectedMd5);
      Map<String, String> attributes = StoreCore.attributes(options, extraAttributes);
      long version = core.nextVersion();
      long mtime = core.clock.millis();
      byte[] trailer =
          ShardFormat.trailer(
              new ShardFormat.Trailer(
                  version,
                  written,
                  etag,
                  mtime,
                  core.contentType(options),
                  options.userMetadata(),
                  attributes));
      for (int i = 0; i < k + m; i++) {
        if (outs[i] != null) {
          try {
            outs[i].finish(trailer);
          } catch (IOException e) {
            failShard(i, core.drives.get(layout.drives()[i]), "trailer write", e);
          }
        }
      }
      checkQuorum();
      awaitWriteback();
      checkQuorum();
      syncShards();
      checkQuorum();
      closeChannels();
      DataRef ref =
          new DataRef(
              layout.id(), written, k, m, blockSize, layout.headerLength(), layout.drives());
      ObjectInfo info = committer.commit(ref, etag, version, mtime, attributes, Set.copyOf(lost));
      done = true;
      return info;
    } catch (RuntimeException e) {
      abort();
      throw e;
    } finally {
      releaseBuffer();
    }
  }

  /**
   * Waits for the directory syncs started when the files were created, then forces every shard file
   * to stable storage, in parallel.
   */
  private void syncShards() {
    if (!core.config.durable()) {
      return;
    }
    Threads.joinAll(dirSyncs);
    for (int i = 0; i < k + m; i++) {
      if (dirErrors[i] != null && outs[i] != null) {
        failShard(i, core.drives.get(layout.drives()[i]), "directory sync", dirErrors[i]);
      }
    }
    List<Thread> threads = new ArrayList<>();
    IOException[] errors = new IOException[k + m];
    for (int i = 0; i < k + m; i++) {
      ShardOutput out = outs[i];
      if (out == null) {
        continue;
      }
      int shard = i;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      out.force();
                    } catch (IOException e) {
                      errors[shard] = e;
                    }
                  }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException(StatusCode.INTERNAL, "interrupted while syncing shards");
      }
    }
    for (int i = 0; i < k + m; i++) {
      if (errors[i] != null) {
        failShard(i, core.drives.get(layout.drives()[i]), "sync", errors[i]);
      }
    }
  }

  private void closeChannels() {
    for (int i = 0; i < k + m; i++) {
      if (outs[i] != null) {
        try {
          outs[i].close();
        } catch (IOException e) {
          failShard(i, core.drives.get(layout.drives()[i]), "close", e);
        }
        outs[i] = null;
      }
    }
  }

  private void ensureOpen() {
    if (done) {
      throw new IllegalStateException("writer already committed or aborted");
    }
  }

  @Override
  public void abort() {
    if (done) {
      return;
    }
    done = true;
    try {
      awaitOpen();
    } catch (RuntimeException | Error ignored) {
      // aborting anyway: everything created is deleted below
    }
    try {
      awaitPipeline();
    } catch (RuntimeException | Error ignored) {
      // aborting anyway: everything written is deleted below
    }
    awaitWriteback();
    Threads.joinAll(dirSyncs);
    for (int i = 0; i < k + m; i++) {
      if (outs[i] != null) {
        try {
          outs[i].close();
        } catch (IOException ignored) {
          // deleting below
        }
        outs[i] = null;
      }
    }
    core.discard(layout);
    releaseBuffer();
  }

  private void releaseBuffer() {
    if (!released) {
      released = true;
      for (ByteBuffer b : ring) {
        core.buffers.release(b);
      }
    }
  }

  @Override
  public void close() {
    abort();
  }
}
