/**
 * S3 gateway: HTTP/1.1 on Netty, SigV4 authentication ({@code auth}), checksums ({@code checksum}),
 * XML ({@code xml}), and request routing onto the storage-core object API.
 */
package io.aquifer.gateway;
