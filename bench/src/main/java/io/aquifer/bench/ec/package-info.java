/**
 * JMH benchmarks of the erasure codec ({@code io.aquifer.storage.codec}): encode and reconstruct
 * for each implementation, measured against ISA-L called from C ({@code src/main/c}).
 */
package io.aquifer.bench.ec;
