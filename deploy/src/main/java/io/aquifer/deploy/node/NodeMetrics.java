package io.aquifer.deploy.node;

import io.aquifer.pfs.FileServiceObserver;
import io.aquifer.storage.BucketInfo;
import io.aquifer.storage.BucketUsage;
import io.aquifer.storage.DriveState;
import io.aquifer.storage.DriveStatus;
import io.aquifer.storage.MetadataStats;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.StorageException;
import io.aquifer.storage.StoreStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The node's Micrometer registry, rendered as Prometheus text on the admin port. Storage counters
 * are read from {@link ObjectStore#stats()}, {@link ObjectStore#drives()} and {@link
 * ObjectStore#metadataStats()} once per scrape; bucket usage gauges are refreshed on each scrape.
 */
final class NodeMetrics implements AutoCloseable {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private MultiGauge bucketBytes;
  private MultiGauge bucketObjects;
  private ObjectStore store;
  private final AtomicInteger pfsConnections = new AtomicInteger();
  private final Map<String, Counter> pfsRequests = new ConcurrentHashMap<>();

  NodeMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder(
            "aquifer.buffer.pool.used.direct.bytes",
            PooledByteBufAllocator.DEFAULT,
            a -> a.metric().usedDirectMemory())
        .description("direct memory held by the pooled buffer allocator")
        .register(registry);
    Gauge.builder(
            "aquifer.buffer.pool.used.heap.bytes",
            PooledByteBufAllocator.DEFAULT,
            a -> a.metric().usedHeapMemory())
        .description("heap memory held by the pooled buffer allocator")
        .register(registry);
  }

  /** Registers the object store's meters. */
  void bindStore(ObjectStore s) {
    this.store = s;
    this.snapshot = new Snapshot(s.stats(), s.drives(), s.metadataStats());
    counter("aquifer.ec.encoded.bytes", "data bytes erasure-encoded", st -> st.bytesEncoded());
    counter("aquifer.ec.decoded.bytes", "bytes rebuilt by reconstruction", st -> st.bytesDecoded());
    counter(
        "aquifer.ec.encode.seconds", "time spent erasure-encoding", st -> st.encodeNanos() / 1e9);
    counter("aquifer.ec.decode.seconds", "time spent reconstructing", st -> st.decodeNanos() / 1e9);
    counter(
        "aquifer.storage.healed.objects",
        "objects (or parts) with a shard rewritten by heal, scrub or the heal queue",
        st -> st.healedObjects());
    counter(
        "aquifer.storage.degraded.reads",
        "stripes read with a missing or corrupt block",
        st -> st.degradedReads());
    counter("aquifer.storage.blocks.rebuilt", "blocks rewritten by heal", st -> st.blocksRebuilt());
    counter(
        "aquifer.storage.checksum.failures",
        "blocks that failed CRC32C verification",
        st -> st.checksumFailures());
    counter(
        "aquifer.storage.scrubbed.objects",
        "objects verified by the scrubber",
        st -> st.objectsScrubbed());
    counter(
        "aquifer.store.small.cache.hits",
        "reads of a small object's data answered from the small-object cache",
        st -> st.smallCacheHits());
    counter(
        "aquifer.store.small.cache.misses",
        "reads of a small object's data that missed the small-object cache",
        st -> st.smallCacheMisses());
    counter(
        "aquifer.store.small.cache.evictions",
        "entries evicted from the small-object cache",
        st -> st.smallCacheEvictions());
    Gauge.builder(
            "aquifer.store.small.cache.bytes", this, o -> o.snapshot.stats().smallCacheBytes())
        .description("bytes held by the small-object cache")
        .register(registry);
    Gauge.builder("aquifer.storage.heal.queued.objects", this, o -> o.snapshot.stats().healQueued())
        .description("objects waiting to be healed")
        .register(registry);
    for (DriveStatus d : s.drives()) {
      Tags t = Tags.of("drive", d.path().toString());
      int i = d.index();
      Gauge.builder(
              "aquifer.drive.online", this, o -> o.drive(i).state() == DriveState.ONLINE ? 1 : 0)
          .tags(t)
          .description("1 when the drive serves I/O")
          .register(registry);
      FunctionCounter.builder("aquifer.drive.errors", this, o -> o.drive(i).errors())
          .tags(t)
          .description("I/O errors of the drive since start")
          .register(registry);
      Gauge.builder("aquifer.drive.capacity.bytes", this, o -> o.drive(i).totalBytes())
          .tags(t)
          .register(registry);
      Gauge.builder("aquifer.drive.free.bytes", this, o -> o.drive(i).freeBytes())
          .tags(t)
          .register(registry);
      FunctionCounter.builder("aquifer.drive.reads", this, o -> o.drive(i).reads().count())
          .tags(t)
          .description("shard block reads from the drive")
          .register(registry);
      FunctionCounter.builder("aquifer.drive.read.bytes", this, o -> o.drive(i).reads().bytes())
          .tags(t)
          .description("bytes of shard blocks read from the drive")
          .register(registry);
      FunctionCounter.builder(
              "aquifer.drive.read.busy.seconds", this, o -> o.drive(i).reads().busyNanos() / 1e9)
          .tags(t)
          .description(
              "sum of the drive's read durations; its rate is the average number of reads in"
                  + " flight")
          .register(registry);
      Gauge.builder("aquifer.drive.reads.inflight", this, o -> o.drive(i).reads().inFlight())
          .tags(t)
          .description("shard block reads from the drive running now")
          .register(registry);
    }
    kv("aquifer.kv.size.bytes", "metadata index: SST files", MetadataStats::sstFilesBytes);
    kv(
        "aquifer.kv.live.data.bytes",
        "metadata index: live data (estimate)",
        MetadataStats::liveDataBytes);
    kv("aquifer.kv.memtable.bytes", "metadata index: memtables", MetadataStats::memtableBytes);
    kv(
        "aquifer.kv.pending.compaction.bytes",
        "metadata index: bytes compaction still has to rewrite (estimate)",
        MetadataStats::pendingCompactionBytes);
    kv(
        "aquifer.kv.running.compactions",
        "metadata index: compactions running",
        MetadataStats::runningCompactions);
    bucketBytes =
        MultiGauge.builder("aquifer.bucket.bytes").description("bytes stored").register(registry);
    bucketObjects =
        MultiGauge.builder("aquifer.bucket.objects")
            .description("objects stored")
            .register(registry);
  }

  /**
   * The pfs file service's meters: {@code aquifer_pfs_connections} (open now) and {@code
   * aquifer_pfs_requests_total{op,status}} (status {@code ok} or an errno name).
   */
  FileServiceObserver pfsObserver() {
    Gauge.builder("aquifer.pfs.connections", pfsConnections, AtomicInteger::get)
        .description("pfs connections open now")
        .register(registry);
    return new FileServiceObserver() {
      @Override
      public void connectionOpened() {
        pfsConnections.incrementAndGet();
      }

      @Override
      public void connectionClosed() {
        pfsConnections.decrementAndGet();
      }

      @Override
      public void request(String op, String status) {
        pfsRequests
            .computeIfAbsent(
                op + " " + status,
                k ->
                    Counter.builder("aquifer.pfs.requests")
                        .description("pfs requests answered, by op and outcome")
                        .tags("op", op, "status", status)
                        .register(registry))
            .increment();
      }
    };
  }

  private void counter(String name, String help, ToDoubleFunction<StoreStats> f) {
    FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.snapshot.stats()))
        .description(help)
        .register(registry);
  }

  private void kv(String name, String help, ToDoubleFunction<MetadataStats> f) {
    Gauge.builder(name, this, m -> f.applyAsDouble(m.snapshot.metadata()))
        .description(help)
        .register(registry);
  }

  private DriveStatus drive(int index) {
    for (DriveStatus d : snapshot.drives()) {
      if (d.index() == index) {
        return d;
      }
    }
    throw new IllegalStateException("drive " + index + " vanished");
  }

  /**
   * What the store's meters show, read once per scrape: every drive meter and counter reads this
   * rather than asking the store (a statfs per drive, RocksDB properties) once per meter.
   */
  private record Snapshot(StoreStats stats, List<DriveStatus> drives, MetadataStats metadata) {}

  private volatile Snapshot snapshot;

  /** The Prometheus text exposition of every meter. */
  String scrape() {
    if (store != null) {
      snapshot = new Snapshot(store.stats(), store.drives(), store.metadataStats());
      List<MultiGauge.Row<?>> bytes = new ArrayList<>();
      List<MultiGauge.Row<?>> objects = new ArrayList<>();
      for (BucketInfo b : store.listBuckets()) {
        BucketUsage u;
        try {
          u = store.usage(b.name());
        } catch (StorageException e) {
          continue; // deleted since the listing
        }
        Tags t = Tags.of("bucket", b.name());
        bytes.add(MultiGauge.Row.of(t, u.bytes()));
        objects.add(MultiGauge.Row.of(t, u.objects()));
      }
      bucketBytes.register(bytes, true);
      bucketObjects.register(objects, true);
    }
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
