/**
 * Throughput harness: drives S3 endpoints, mounted directories and the erasure codec and reports
 * figures against baselines measured in the same run. Not built yet: see the bench issue.
 */
package io.aquifer.bench;
