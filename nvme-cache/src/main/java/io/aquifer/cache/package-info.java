/**
 * Node-local block cache on an NVMe directory, bounded by configuration, with eviction. Knows
 * nothing about objects. Not built yet: see the parallel-file front-end issue.
 */
package io.aquifer.cache;
