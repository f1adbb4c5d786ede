package io.aquifer.storage;

import java.time.Instant;

/**
 * An uploaded part.
 *
 * @param partNumber 1 to 10000
 * @param size bytes
 * @param etag hex MD5 of the part, without quotes
 * @param modified when it was uploaded
 */
public record PartInfo(int partNumber, long size, String etag, Instant modified) {}
