/**
 * Parallel-file front end: the node-side file service, the striping client and the FUSE mount that
 * shows buckets as directories. Not built yet: see the parallel-file front-end issue.
 */
package io.aquifer.pfs;
