package io.aquifer.storage;

/**
 * A part named in a complete request.
 *
 * @param partNumber the part's number
 * @param etag the ETag the client got for it (quotes are ignored)
 */
public record CompletedPart(int partNumber, String etag) {}
