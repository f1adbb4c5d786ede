/**
 * {@code aquifer bench s3}: an S3 load generator on a low-overhead Netty client with its own SigV4
 * signer, and the baselines it compares a server with in the same run (a built-in in-memory HTTP
 * server and nginx for GET; write + fsync and MD5 for PUT). The entry point is {@link
 * io.aquifer.bench.s3.S3Bench#run}.
 */
package io.aquifer.bench.s3;
