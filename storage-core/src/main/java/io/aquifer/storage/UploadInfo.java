package io.aquifer.storage;

import java.time.Instant;

/**
 * A multipart upload in progress.
 *
 * @param key the key it will complete to
 * @param uploadId its id
 * @param initiated when it was created
 */
public record UploadInfo(String key, String uploadId, Instant initiated) {}
