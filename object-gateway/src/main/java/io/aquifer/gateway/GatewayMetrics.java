package io.aquifer.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's meters, registered once and cached so that recording a request looks up arrays,
 * never builds tags or maps:
 *
 * <ul>
 *   <li>{@code aquifer.s3.requests} (counter; tags {@code op}, {@code status}): requests answered,
 *       by S3 operation and HTTP status; a request whose answer could not be delivered (the client
 *       went away) counts with the status it would have had;
 *   <li>{@code aquifer.s3.request} (timer with a percentile histogram; tag {@code op}): from the
 *       request's headers to the end of its response;
 *   <li>{@code aquifer.s3.received.bytes}, {@code aquifer.s3.sent.bytes} (counters): request and
 *       response body bytes as they cross the socket (after HTTP chunked transfer decoding, before
 *       aws-chunked decoding; error bodies included);
 *   <li>{@code aquifer.s3.sent.file.bytes} (counter): the part of those body bytes sent straight
 *       from shard files (sendfile, no copy through a buffer);
 *   <li>{@code aquifer.s3.inflight.requests}, {@code aquifer.s3.connections} (gauges);
 *   <li>{@code aquifer.s3.eventloop.requests} (counter): GET and HEAD requests answered on the
 *       event loop from the small-object cache (see {@link S3Handler#tryOnEventLoop}), also counted
 *       in {@code aquifer.s3.requests};
 *   <li>{@code aquifer.s3.errors} (counter; tag {@code code}): requests answered with an S3 error;
 *   <li>{@code aquifer.s3.malformed.requests} (counter; tag {@code code}): requests rejected before
 *       an operation ran: unparseable HTTP, an oversized header section, headers not finished in
 *       time, a bad request target, failed authentication.
 * </ul>
 */
final class GatewayMetrics {
  private static final int MIN_STATUS = 100;
  private static final int MAX_STATUS = 599;

  private final MeterRegistry registry;
  private final Timer[] timers;

  /**
   * Histogram bucket bounds of the latency timers: 16 fixed buckets from 0.5 ms to 60 s (rather
   * than Micrometer's ~70 percentile buckets), so 24 operations stay a few hundred series.
   */
  private static final java.time.Duration[] LATENCY_BUCKETS = {
    java.time.Duration.ofMillis(1).dividedBy(2),
    java.time.Duration.ofMillis(1),
    java.time.Duration.ofMillis(2).plusNanos(500_000),
    java.time.Duration.ofMillis(5),
    java.time.Duration.ofMillis(10),
    java.time.Duration.ofMillis(25),
    java.time.Duration.ofMillis(50),
    java.time.Duration.ofMillis(100),
    java.time.Duration.ofMillis(250),
    java.time.Duration.ofMillis(500),
    java.time.Duration.ofSeconds(1),
    java.time.Duration.ofMillis(2500),
    java.time.Duration.ofSeconds(5),
    java.time.Duration.ofSeconds(10),
    java.time.Duration.ofSeconds(30),
    java.time.Duration.ofSeconds(60)
  };

  private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2;

  /** Per op and status: slot op * STATUS_SLOTS + (status - MIN_STATUS + 1); made on first use. */
  private final AtomicReferenceArray<Counter> requests;

  private final AtomicReferenceArray<Counter> errors;
  private final AtomicReferenceArray<Counter> malformed;
  final Counter receivedBytes;
  final Counter sentBytes;
  final Counter sentFileBytes;
  final Counter bodyWaits;
  final Counter eventLoopAnswered;

  GatewayMetrics(MeterRegistry registry, AtomicInteger inFlight, AtomicInteger connections) {
    this.registry = registry;
    S3Op[] ops = S3Op.values();
    timers = new Timer[ops.length];
    requests = new AtomicReferenceArray<>(ops.length * STATUS_SLOTS);
    for (S3Op op : ops) {
      timers[op.ordinal()] =
          Timer.builder("aquifer.s3.request")
              .description("S3 request latency, from the request's headers to its response's end")
              .tag("op", op.s3Name())
              .serviceLevelObjectives(LATENCY_BUCKETS)
              .register(registry);
    }
    errors = new AtomicReferenceArray<>(S3Error.values().length);
    malformed = new AtomicReferenceArray<>(S3Error.values().length);
    receivedBytes =
        Counter.builder("aquifer.s3.received.bytes")
            .description("S3 request body bytes received")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
    sentBytes =
        Counter.builder("aquifer.s3.sent.bytes")
            .description("S3 response body bytes sent")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
    sentFileBytes =
        Counter.builder("aquifer.s3.sent.file.bytes")
            .description(
                "S3 response body bytes sent straight from shard files with sendfile (also"
                    + " counted in aquifer.s3.sent.bytes)")
            .baseUnit(BaseUnits.BYTES)
            .register(registry);
    bodyWaits =
        Counter.builder("aquifer.s3.body.waits")
            .description("Times a request's handler waited for body bytes not yet received")
            .register(registry);
    eventLoopAnswered =
        Counter.builder("aquifer.s3.eventloop.requests")
            .description(
                "S3 requests answered on the network event loop from the small-object cache"
                    + " (also counted in aquifer.s3.requests)")
            .register(registry);
    Gauge.builder("aquifer.s3.inflight.requests", inFlight, AtomicInteger::get)
        .description("S3 requests being handled")
        .strongReference(true)
        .register(registry);
    Gauge.builder("aquifer.s3.connections", connections, AtomicInteger::get)
        .description("open S3 client connections")
        .strongReference(true)
        .register(registry);
  }

  /** Records a finished request: its count by op and status, and its latency. */
  void request(S3Op op, int status, long nanos) {
    timers[op.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    requestCounter(op, status).increment(); // last: a reader that sees it sees the timing too
  }

  /**
   * Records a request rejected on the event loop before it could be parsed (no operation, no
   * latency): its count, its error, and the error body sent.
   */
  void rejected(S3Error e, int bodyBytes) {
    requestCounter(S3Op.UNKNOWN, e.status()).increment();
    error(e);
    malformed(e);
    sentBytes.increment(bodyBytes);
  }

  private Counter requestCounter(S3Op op, int status) {
    int s = status < MIN_STATUS || status > MAX_STATUS ? 0 : status;
    // slot 0 of each op: no valid status (tag "0")
    int i = op.ordinal() * STATUS_SLOTS + (s == 0 ? 0 : s - MIN_STATUS + 1);
    Counter c = requests.get(i);
    if (c == null) {
      c =
          Counter.builder("aquifer.s3.requests")
              .description("S3 requests by operation and HTTP status")
              .tag("op", op.s3Name())
              .tag("status", Integer.toString(s))
              .register(registry);
      requests.compareAndSet(i, null, c);
    }
    return c;
  }

  void error(S3Error e) {
    counter(errors, e, "aquifer.s3.errors", "S3 requests answered with an error, by code")
        .increment();
  }

  void malformed(S3Error e) {
    counter(
            malformed,
            e,
            "aquifer.s3.malformed.requests",
            "S3 requests rejected before an operation ran, by error code")
        .increment();
  }

  private Counter counter(
      AtomicReferenceArray<Counter> cache, S3Error e, String name, String description) {
    Counter c = cache.get(e.ordinal());
    if (c == null) {
      c = Counter.builder(name).description(description).tag("code", e.code()).register(registry);
      cache.compareAndSet(e.ordinal(), null, c);
    }
    return c;
  }

  Map<String, Long> errorCounts() {
    return counts(errors);
  }

  Map<String, Long> malformedCounts() {
    return counts(malformed);
  }

  private static Map<String, Long> counts(AtomicReferenceArray<Counter> cache) {
    Map<String, Long> out = new TreeMap<>();
    S3Error[] all = S3Error.values();
    for (int i = 0; i < cache.length(); i++) {
      Counter c = cache.get(i);
      if (c != null) {
        out.put(all[i].code(), (long) c.count());
      }
    }
    return out;
  }
}
