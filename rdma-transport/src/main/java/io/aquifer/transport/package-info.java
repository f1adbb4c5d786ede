/**
 * Transport for the parallel-file protocol: framed request/response messages over TCP (Netty) or
 * RDMA verbs (DiSNI), selected per connection. Knows nothing about storage. Not built yet: see the
 * parallel-file front-end issue.
 */
package io.aquifer.transport;
