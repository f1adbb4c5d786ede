/**
 * S3 gateway: HTTP on Netty, SigV4 authentication, XML, request routing onto the storage-core
 * object API. Not built yet: see the S3 gateway issue.
 */
package io.aquifer.gateway;
