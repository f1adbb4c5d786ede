/**
 * Erasure codec ({@code io.aquifer.storage.codec}) throughput: {@link io.aquifer.bench.ec.EcBench},
 * the plain timed loop behind {@code aquifer bench ec} (no JMH, with the ISA-L C program of {@code
 * src/main/c} as its optional baseline), and the JMH benchmark {@link
 * io.aquifer.bench.ec.CodecBenchmark} that {@code codec-bench.sh} runs.
 */
package io.aquifer.bench.ec;
