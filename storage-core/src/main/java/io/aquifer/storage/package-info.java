/**
 * The erasure-coded object store: buckets and objects over a node's drives, indexed in the metadata
 * store. This package is the contract the S3 gateway, the file front end and the checkpoint service
 * use.
 *
 * <p>Entry point: {@link io.aquifer.storage.ObjectStores#open(StorageConfig)}. Every method blocks
 * on disk I/O: call it from a virtual thread or a worker pool, never from a network event loop.
 * Errors are {@link io.aquifer.storage.StorageException} carrying a {@link
 * io.aquifer.storage.StatusCode}.
 */
package io.aquifer.storage;
