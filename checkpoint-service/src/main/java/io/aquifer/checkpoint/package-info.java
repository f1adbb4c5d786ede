/**
 * Checkpoint service for training jobs: sessions, manifests, retention and restore over the
 * storage-core object API. Not built yet.
 */
package io.aquifer.checkpoint;
