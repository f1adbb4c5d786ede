/**
 * Object store throughput: put and get of large objects through the storage-core API, each run
 * interleaved with the raw file write and read of the same bytes on the same file system.
 */
package io.aquifer.bench.store;
