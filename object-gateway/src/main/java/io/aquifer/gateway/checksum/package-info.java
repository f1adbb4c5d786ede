/**
 * The S3 additional checksums: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256, computed as bytes
 * stream by ({@link io.aquifer.gateway.checksum.Checksum}), named as S3 names them on the wire
 * ({@link io.aquifer.gateway.checksum.ChecksumAlgorithm}), and combined across concatenated data
 * for multipart full-object checksums ({@link io.aquifer.gateway.checksum.CrcCombine}).
 */
package io.aquifer.gateway.checksum;
