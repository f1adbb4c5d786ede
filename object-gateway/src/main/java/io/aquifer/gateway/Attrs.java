package io.aquifer.gateway;

import java.util.List;

/** Names of the object attributes the gateway stores in storage-core's attribute map. */
final class Attrs {
  private Attrs() {}

  /** Headers stored verbatim and returned on GET and HEAD. */
  static final List<String> STORED_HEADERS =
      List.of(
          "cache-control",
          "content-disposition",
          "content-encoding",
          "content-language",
          "expires");

  /** FULL_OBJECT or COMPOSITE. */
  static final String CHECKSUM_TYPE = "x-amz-checksum-type";

  /** The object's tags in URL query form. */
  static final String TAGGING = "x-amz-tagging";

  /** For multipart objects: the size of every part, comma-separated. */
  static final String PART_SIZES = "aq-part-sizes";

  /** On an upload: the checksum algorithm every part must carry. */
  static final String UPLOAD_ALGORITHM = "aq-upload-checksum-algorithm";

  /** On an upload: the checksum type the completed object gets. */
  static final String UPLOAD_CHECKSUM_TYPE = "aq-upload-checksum-type";
}
