/**
 * Request authentication for the S3 gateway: AWS Signature Version 4 in the Authorization header
 * and in presigned URLs ({@link io.aquifer.gateway.auth.SigV4Verifier}), and the aws-chunked body
 * encoding with its chained chunk and trailer signatures ({@link
 * io.aquifer.gateway.auth.AwsChunkedDecoder}).
 */
package io.aquifer.gateway.auth;
