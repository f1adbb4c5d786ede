package io.aquifer.gateway;

import io.aquifer.gateway.checksum.Checksum;
import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import io.aquifer.gateway.checksum.CrcCombine;
import io.aquifer.gateway.xml.XmlRequests;
import io.aquifer.gateway.xml.XmlWriter;
import io.aquifer.storage.CompletedPart;
import io.aquifer.storage.ObjectInfo;
import io.aquifer.storage.ObjectReader;
import io.aquifer.storage.ObjectStore;
import io.aquifer.storage.ObjectWriter;
import io.aquifer.storage.PartInfo;
import io.aquifer.storage.PutOptions;
import io.aquifer.storage.UploadInfo;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Multipart uploads, with per-part checksums and FULL_OBJECT or COMPOSITE object checksums. */
final class MultipartOps {
  private final S3Handler h;
  private final ObjectStore store;

  MultipartOps(S3Handler h) {
    this.h = h;
    this.store = h.store;
  }

  void create(Request req) {
    h.requireBucket(req.bucket);
    PutOptions options = ObjectOps.putOptions(req);
    Map<String, String> attrs = new HashMap<>(options.attributes());
    String algName = req.header("x-amz-checksum-algorithm");
    String typeName = req.header(Attrs.CHECKSUM_TYPE);
    ChecksumAlgorithm alg = algName == null ? null : ChecksumAlgorithm.fromName(algName);
    String type = null;
    if (typeName != null) {
      type = typeName.trim().toUpperCase(Locale.ROOT);
      if (!type.equals("COMPOSITE") && !type.equals("FULL_OBJECT")) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST, "Value for x-amz-checksum-type header is invalid.");
      }
      if (alg == null) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST,
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm"
                + " header.");
      }
    }
    if (alg != null) {
      if (type == null) {
        type = alg == ChecksumAlgorithm.CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
      }
      if (type.equals("COMPOSITE") && alg == ChecksumAlgorithm.CRC64NVME) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST, "The COMPOSITE checksum type cannot be used with CRC64NVME.");
      }
      if (type.equals("FULL_OBJECT") && !alg.isCrc()) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST,
            "The FULL_OBJECT checksum type cannot be used with the " + alg.name() + " algorithm.");
      }
      attrs.put(Attrs.UPLOAD_ALGORITHM, alg.name());
      attrs.put(Attrs.UPLOAD_CHECKSUM_TYPE, type);
    }
    String uploadId =
        store.createUpload(req.bucket, req.key, options.withAttributes(attrs).withCondition(null));
    XmlWriter x =
        XmlWriter.document("InitiateMultipartUploadResult")
            .element("Bucket", req.bucket)
            .element("Key", req.key)
            .element("UploadId", uploadId);
    HttpHeaders out = new DefaultHttpHeaders();
    if (alg != null) {
      out.set("x-amz-checksum-algorithm", alg.name());
      out.set(Attrs.CHECKSUM_TYPE, type);
    }
    h.sendXml(req, HttpResponseStatus.OK, x, out);
  }

  private static ChecksumAlgorithm uploadAlgorithm(UploadInfo up) {
    String a = up.attributes().get(Attrs.UPLOAD_ALGORITHM);
    return a == null ? null : ChecksumAlgorithm.valueOf(a);
  }

  void uploadPart(Request req) {
    h.requireBucket(req.bucket);
    String uploadId = req.param("uploadId");
    String pn = req.param("partNumber");
    if (uploadId == null || pn == null) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST, "UploadPart needs both partNumber and uploadId");
    }
    int partNumber = ObjectOps.partNumber(pn);
    UploadInfo up = store.upload(req.bucket, req.key, uploadId);
    if (req.header("x-amz-copy-source") != null) {
      copyPart(req, uploadId, partNumber, up);
      return;
    }
    ObjectOps.checkBodyLength(req);
    byte[] md5 = PayloadReader.contentMd5(req);
    PayloadReader payload = new PayloadReader(req, uploadAlgorithm(up));
    if (payload.expectedLength() > ObjectOps.MAX_PUT) {
      throw new S3Exception(S3Error.ENTITY_TOO_LARGE, "a part may be at most 5 GiB");
    }
    ObjectInfo info;
    try (ObjectWriter w = store.newPartWriter(req.bucket, req.key, uploadId, partNumber)) {
      payload.copyTo(w::write);
      Map<String, String> attrs = new HashMap<>();
      if (payload.algorithm() != null) {
        attrs.put(payload.algorithm().headerName(), payload.checksumBase64());
      }
      info = w.commit(attrs, md5);
    }
    HttpHeaders out = new DefaultHttpHeaders();
    out.set("etag", S3Handler.quote(info.etag()));
    if (payload.algorithm() != null) {
      out.set(payload.algorithm().headerName(), payload.checksumBase64());
    }
    h.sendEmpty(req, HttpResponseStatus.OK, out);
  }

  private void copyPart(Request req, String uploadId, int partNumber, UploadInfo up) {
    ObjectOps.Source src = ObjectOps.copySource(req);
    h.checkAccess(req, src.bucket());
    ObjectInfo info = store.head(src.bucket(), src.key());
    ObjectOps.copyPreconditions(req, info);
    long start = 0;
    long length = info.size();
    String range = req.header("x-amz-copy-source-range");
    if (range != null) {
      long[] r = copyRange(range, info.size());
      start = r[0];
      length = r[1];
    }
    ChecksumAlgorithm alg = uploadAlgorithm(up);
    Checksum sum = alg == null ? null : alg.newChecksum();
    ObjectInfo part;
    try (ObjectWriter w = store.newPartWriter(req.bucket, req.key, uploadId, partNumber);
        ObjectReader r = store.get(src.bucket(), src.key(), start, length)) {
      io.netty.buffer.ByteBuf pooled = req.ex.channel.alloc().directBuffer(256 * 1024);
      try {
        ByteBuffer buf = pooled.nioBuffer(0, pooled.capacity());
        while (r.read(buf.clear()) >= 0) {
          buf.flip();
          if (sum != null) {
            sum.update(buf.duplicate());
          }
          w.write(buf);
        }
      } finally {
        pooled.release();
      }
      Map<String, String> attrs = new HashMap<>();
      String b64 = null;
      if (sum != null) {
        b64 = Base64.getEncoder().encodeToString(sum.digest());
        attrs.put(alg.headerName(), b64);
      }
      part = w.commit(attrs, null);
    }
    XmlWriter x =
        XmlWriter.document("CopyPartResult")
            .element("LastModified", S3Handler.ISO.format(part.modified()))
            .element("ETag", S3Handler.quote(part.etag()));
    if (alg != null) {
      x.element(alg.xmlName(), part.attributes().get(alg.headerName()));
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  /** {start, length} of x-amz-copy-source-range, which must be "bytes=first-last" inside. */
  static long[] copyRange(String header, long size) {
    String v = header.trim();
    try {
      if (v.startsWith("bytes=")) {
        String[] ab = v.substring(6).split("-", -1);
        if (ab.length == 2 && !ab[0].isEmpty() && !ab[1].isEmpty()) {
          long first = Long.parseLong(ab[0].trim());
          long last = Long.parseLong(ab[1].trim());
          if (first >= 0 && last >= first) {
            if (last >= size) {
              throw new S3Exception(
                  S3Error.INVALID_RANGE,
                  "Range specified is not valid for source object of size: " + size);
            }
            return new long[] {first, last - first + 1};
          }
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new S3Exception(
        S3Error.INVALID_ARGUMENT,
        "The x-amz-copy-source-range value must be of the form bytes=first-last where first and"
            + " last are the zero-based offsets of the first and last bytes to copy");
  }

  void complete(Request req) {
    h.requireBucket(req.bucket);
    String uploadId = req.param("uploadId");
    UploadInfo up = store.upload(req.bucket, req.key, uploadId);
    byte[] body = ObjectOps.readBody(req, 2 << 20);
    List<XmlRequests.CompletedPartXml> listed = XmlRequests.completeMultipartUpload(body);
    ChecksumAlgorithm alg = uploadAlgorithm(up);
    String type = up.attributes().get(Attrs.UPLOAD_CHECKSUM_TYPE);
    String wantFull = alg == null ? null : req.header(alg.headerName());
    String typeHeader = req.header(Attrs.CHECKSUM_TYPE);
    if (typeHeader != null && type != null && !typeHeader.trim().equalsIgnoreCase(type)) {
      throw new S3Exception(
          S3Error.INVALID_REQUEST, "The upload was created using the " + type + " checksum mode.");
    }
    List<CompletedPart> parts = new ArrayList<>();
    int previous = 0;
    for (XmlRequests.CompletedPartXml p : listed) {
      if (p.partNumber() <= previous) {
        throw new S3Exception(
            S3Error.INVALID_PART_ORDER,
            "The list of parts was not in ascending order. Parts must be ordered by part number.");
      }
      previous = p.partNumber();
      parts.add(new CompletedPart(p.partNumber(), ObjectOps.unquote(p.etag())));
    }
    ObjectInfo info =
        store.completeUpload(
            req.bucket,
            req.key,
            uploadId,
            parts,
            ObjectOps.writeCondition(req),
            chosen -> finalAttributes(chosen, listed, alg, type, wantFull));
    XmlWriter x =
        XmlWriter.document("CompleteMultipartUploadResult")
            .element("Location", "/" + req.bucket + "/" + req.key)
            .element("Bucket", req.bucket)
            .element("Key", req.key)
            .element("ETag", S3Handler.quote(info.etag()));
    if (alg != null) {
      x.element(alg.xmlName(), info.attributes().get(alg.headerName()));
      x.element("ChecksumType", type);
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  /**
   * Checks the checksums the Complete request lists against the stored parts, and computes the
   * object's checksum: for COMPOSITE the checksum of the parts' binary checksums with a "-N"
   * suffix, for FULL_OBJECT the CRC of the whole content combined from the parts' CRCs.
   */
  static Map<String, String> finalAttributes(
      List<PartInfo> chosen,
      List<XmlRequests.CompletedPartXml> listed,
      ChecksumAlgorithm alg,
      String type,
      String wantFull) {
    Map<String, String> out = new HashMap<>();
    StringBuilder sizes = new StringBuilder();
    for (PartInfo p : chosen) {
      if (!sizes.isEmpty()) {
        sizes.append(',');
      }
      sizes.append(p.size());
    }
    out.put(Attrs.PART_SIZES, sizes.toString());
    for (int i = 0; i < chosen.size(); i++) {
      PartInfo p = chosen.get(i);
      for (Map.Entry<ChecksumAlgorithm, String> e : listed.get(i).checksums().entrySet()) {
        String stored = p.attributes().get(e.getKey().headerName());
        if (stored == null || !stored.equals(e.getValue().trim())) {
          throw new S3Exception(
              S3Error.INVALID_PART,
              "One or more of the specified parts could not be found. The part may not have been"
                  + " uploaded, or the specified entity tag or checksum may not have matched the"
                  + " part's: part "
                  + p.partNumber());
        }
      }
    }
    if (alg == null) {
      return out;
    }
    byte[][] digests = new byte[chosen.size()][];
    for (int i = 0; i < chosen.size(); i++) {
      PartInfo p = chosen.get(i);
      String stored = p.attributes().get(alg.headerName());
      if (stored == null) {
        throw new S3Exception(
            S3Error.INVALID_PART,
            "part " + p.partNumber() + " was uploaded without a " + alg.name() + " checksum");
      }
      if (type.equals("COMPOSITE") && !listed.get(i).checksums().containsKey(alg)) {
        throw new S3Exception(
            S3Error.INVALID_REQUEST,
            "The upload was created using a "
                + alg.name().toLowerCase(Locale.ROOT)
                + " checksum. The complete request must include the checksum for each part. It"
                + " was missing for part "
                + p.partNumber()
                + " in the request.");
      }
      digests[i] = Base64.getDecoder().decode(stored);
    }
    String value;
    if (type.equals("COMPOSITE")) {
      Checksum c = alg.newChecksum();
      for (byte[] d : digests) {
        c.update(d, 0, d.length);
      }
      value = Base64.getEncoder().encodeToString(c.digest()) + "-" + chosen.size();
    } else {
      byte[] crc = digests[0];
      for (int i = 1; i < digests.length; i++) {
        crc = CrcCombine.combine(alg, crc, digests[i], chosen.get(i).size());
      }
      value = Base64.getEncoder().encodeToString(crc);
    }
    if (wantFull != null && !wantFull.trim().equals(value)) {
      throw new S3Exception(
          S3Error.BAD_DIGEST,
          "The "
              + alg.name()
              + " you specified for the object did not match the calculated checksum "
              + value);
    }
    out.put(alg.headerName(), value);
    out.put(Attrs.CHECKSUM_TYPE, type);
    return out;
  }

  void abort(Request req) {
    h.requireBucket(req.bucket);
    store.abortUpload(req.bucket, req.key, req.param("uploadId"));
    h.sendEmpty(req, HttpResponseStatus.NO_CONTENT, null);
  }

  void listParts(Request req) {
    h.requireBucket(req.bucket);
    String uploadId = req.param("uploadId");
    UploadInfo up = store.upload(req.bucket, req.key, uploadId);
    int max = intParam(req, "max-parts", 1000);
    int marker = intParam(req, "part-number-marker", 0);
    List<PartInfo> all = store.listParts(req.bucket, req.key, uploadId);
    ChecksumAlgorithm alg = uploadAlgorithm(up);
    XmlWriter x =
        XmlWriter.document("ListPartsResult")
            .element("Bucket", req.bucket)
            .element("Key", req.key)
            .element("UploadId", uploadId);
    h.person(x, "Initiator", req);
    x.element("StorageClass", "STANDARD").element("PartNumberMarker", marker);
    int count = 0;
    int last = marker;
    boolean truncated = false;
    List<PartInfo> page = new ArrayList<>();
    for (PartInfo p : all) {
      if (p.partNumber() <= marker) {
        continue;
      }
      if (count == max) {
        truncated = true;
        break;
      }
      page.add(p);
      count++;
      last = p.partNumber();
    }
    if (truncated) {
      x.element("NextPartNumberMarker", last);
    }
    x.element("MaxParts", max).element("IsTruncated", truncated);
    if (alg != null) {
      x.element("ChecksumAlgorithm", alg.name());
      x.element("ChecksumType", up.attributes().get(Attrs.UPLOAD_CHECKSUM_TYPE));
    }
    for (PartInfo p : page) {
      x.start("Part")
          .element("PartNumber", p.partNumber())
          .element("LastModified", S3Handler.ISO.format(p.modified()))
          .element("ETag", S3Handler.quote(p.etag()))
          .element("Size", p.size());
      for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
        String v = p.attributes().get(a.headerName());
        if (v != null) {
          x.element(a.xmlName(), v);
        }
      }
      x.end();
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  void listUploads(Request req) {
    h.requireBucket(req.bucket);
    String prefix = req.param("prefix");
    int max = intParam(req, "max-uploads", 1000);
    String keyMarker = req.param("key-marker");
    String idMarker = req.param("upload-id-marker");
    List<UploadInfo> all = store.listUploads(req.bucket, prefix);
    XmlWriter x =
        XmlWriter.document("ListMultipartUploadsResult")
            .element("Bucket", req.bucket)
            .element("KeyMarker", keyMarker == null ? "" : keyMarker)
            .element("UploadIdMarker", idMarker == null ? "" : idMarker)
            .element("Prefix", prefix == null ? "" : prefix);
    List<UploadInfo> page = new ArrayList<>();
    boolean truncated = false;
    for (UploadInfo u : all) {
      if (keyMarker != null && !keyMarker.isEmpty()) {
        int c = Listing.compareUtf8(u.key(), keyMarker);
        if (c < 0 || (c == 0 && (idMarker == null || u.uploadId().compareTo(idMarker) <= 0))) {
          continue;
        }
      }
      if (page.size() == max) {
        truncated = true;
        break;
      }
      page.add(u);
    }
    if (truncated && !page.isEmpty()) {
      x.element("NextKeyMarker", page.getLast().key());
      x.element("NextUploadIdMarker", page.getLast().uploadId());
    }
    x.element("MaxUploads", max).element("IsTruncated", truncated);
    for (UploadInfo u : page) {
      x.start("Upload").element("Key", u.key()).element("UploadId", u.uploadId());
      h.person(x, "Initiator", req);
      h.person(x, "Owner", req);
      x.element("StorageClass", "STANDARD")
          .element("Initiated", S3Handler.ISO.format(u.initiated()));
      String a = u.attributes().get(Attrs.UPLOAD_ALGORITHM);
      if (a != null) {
        x.element("ChecksumAlgorithm", a);
        x.element("ChecksumType", u.attributes().get(Attrs.UPLOAD_CHECKSUM_TYPE));
      }
      x.end();
    }
    h.sendXml(req, HttpResponseStatus.OK, x, null);
  }

  private static int intParam(Request req, String name, int dflt) {
    String v = req.param(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0) {
        return Math.min(n, 1000);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new S3Exception(S3Error.INVALID_ARGUMENT, name + " must be a non-negative integer");
  }
}
