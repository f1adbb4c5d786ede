package io.aquifer.storage;

import io.aquifer.kv.KvBatch;
import io.aquifer.kv.KvDurability;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The write path of a single put that may be small: bytes are buffered (MD5 as they arrive) up to
 * the packing threshold. Past it, the buffered bytes and the rest go to a {@link StripeWriter} (the
 * object is not packed). At commit, a small object becomes one record appended to m + 1 drives'
 * open segments; the put is acknowledged after the copies are durable (a group commit per drive)
 * and then the index batch committed, in that order. Nothing goes to the index before the batch:
 * the copies are in listed segments, which {@link PackedRecovery} scans after a crash. The batch is
 * not synced (the segments are the log of packed puts, and {@link PackedRecovery} re-indexes a lost
 * entry from its record); a put that replaced a version syncs the index before reclaiming it.
 */
final class PackedWriter implements ObjectWriter {

  /** The metadata step of a commit, run after the copies are durable. */
  interface Committer {
    ObjectInfo commit(
        PackedRef ref, String etag, long version, long mtime, Map<String, String> attributes);

    /** Whether the key's index entry names the record (after a failed {@link #commit}). */
    boolean indexed(PackedRef ref);
  }

  private final StoreCore core;
  private final String bucket;
  private final String key;
  private final PutOptions options;
  private final Committer committer;
  private final Supplier<ObjectWriter> spill;
  private final long max;
  private final MessageDigest md5;
  private byte[] buf = new byte[8192];
  private int fill;
  private ObjectWriter spilled;
  private boolean done;

  PackedWriter(
      StoreCore core,
      String bucket,
      String key,
      PutOptions options,
      Committer committer,
      Supplier<ObjectWriter> spill) {
    this.core = core;
    this.bucket = bucket;
    this.key = key;
    this.options = options;
    this.committer = committer;
    this.spill = spill;
    this.max = core.config.packedMaxSize();
    try {
      this.md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required by the JDK", e);
    }
  }

  @Override
  public void write(ByteBuffer src) {
    ensureOpen();
    if (spilled == null && fill + (long) src.remaining() > max) {
      spilled = spill.get();
      spilled.write(ByteBuffer.wrap(buf, 0, fill));
      buf = null;
    }
    if (spilled != null) {
      spilled.write(src);
      return;
    }
    int n = src.remaining();
    if (fill + n > buf.length) {
      buf = java.util.Arrays.copyOf(buf, (int) Math.min(max, Math.max(buf.length * 2L, fill + n)));
    }
    src.get(buf, fill, n);
    md5.update(buf, fill, n);
    fill += n;
  }

  @Override
  public long written() {
    return spilled != null ? spilled.written() : fill;
  }

  @Override
  public ObjectInfo commit(Map<String, String> extraAttributes, byte[] expectedMd5) {
    ensureOpen();
    if (spilled != null) {
      done = true;
      return spilled.commit(extraAttributes, expectedMd5);
    }
    done = true;
    String etag = StoreCore.etag(md5.digest(), expectedMd5);
    Map<String, String> attributes = StoreCore.attributes(options, extraAttributes);
    long version = core.nextVersion();
    long mtime = core.clock.millis();
    byte[] id = core.newId();
    byte[] record =
        PackedFormat.record(
            new PackedFormat.Header(
                id,
                version,
                mtime,
                etag,
                core.contentType(options),
                options.userMetadata(),
                attributes,
                bucket,
                key),
            buf,
            fill);
    buf = null;
    PackedObjects packed = core.packed;
    PackedObjects.Pending pending =
        packed.append(id, fill, record, packed.copiesWanted(), packed.copiesRequired(), Set.of());
    // No pending entry in the index first: the segment holding the copies is listed (synced when it
    // was opened) and stays listed while this append is unsettled, so after a crash before the
    // index batch, PackedRecovery finds the record and decides it, as it did when that entry was
    // lost with the unsynced index log. A failure is cleaned up here (below).
    try {
      PackedRef ref = packed.awaitDurable(pending, packed.copiesRequired());
      return committer.commit(ref, etag, version, mtime, attributes);
    } catch (RuntimeException | Error e) {
      abandon(pending.ref(), e);
      throw e;
    } finally {
      pending.settle();
    }
  }

  /**
   * After a failed commit: unless the index batch committed (the failure came after it), kills the
   * copies, with a pending entry naming them until they are dead, so the next start collects them
   * when the kill cannot finish.
   */
  private void abandon(PackedRef ref, Throwable failure) {
    try {
      if (committer.indexed(ref)) {
        return;
      }
      byte[] gkey = StoreCore.garbageKey(StoreCore.PENDING, ref.id());
      try (KvBatch b = core.kv.newBatch()) {
        b.put(core.garbage, gkey, MetaFormat.encodeObject(PackedObjects.garbageOf(ref)));
        core.kv.commit(b, KvDurability.NONE);
      }
      core.packed.kill(ref);
      core.kv.delete(core.garbage, gkey);
    } catch (RuntimeException r) {
      failure.addSuppressed(r); // a pending entry left behind is collected at the next start
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
    buf = null;
    if (spilled != null) {
      spilled.abort();
    }
  }

  @Override
  public void close() {
    abort();
  }
}
