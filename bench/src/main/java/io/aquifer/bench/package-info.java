/**
 * Throughput harness: drives S3 endpoints, mounted directories and the erasure codec and reports
 * figures against baselines measured in the same run. Built so far: {@code s3} (the S3 load
 * generator, {@link io.aquifer.bench.s3.S3Bench}), {@code store} (object store put/get) and {@code
 * ec} (codec JMH benchmarks); see the bench issue for the rest.
 */
package io.aquifer.bench;
