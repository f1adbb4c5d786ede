/**
 * Reed-Solomon erasure coding over GF(2^8): one interface, {@link
 * io.aquifer.storage.codec.ErasureCodec}, with a scalar table-driven implementation (the
 * correctness reference), a Java Vector API implementation and an ISA-L implementation through
 * jnr-ffi. {@link io.aquifer.storage.codec.ErasureCodecs#create} picks one. The codec is pure: it
 * does no I/O and works only on caller-owned buffers.
 */
package io.aquifer.storage.codec;
