package io.aquifer.gateway.xml;

import static io.aquifer.gateway.xml.XmlReader.malformed;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the XML request bodies of S3 operations, and the {@code x-amz-tagging} header.
 *
 * <p>Parsing is namespace-agnostic (documents with or without the S3 {@code xmlns} read the same),
 * ignores elements S3 does not act on, and rejects DTDs outright, so no entity is ever expanded.
 * Failures are {@link S3Exception}s: {@link S3Error#MALFORMED_XML} for any body that is oversized,
 * ill-formed or missing what the operation needs; {@link S3Error#INVALID_TAG} for tag sets that
 * break the S3 tag rules; {@link S3Error#INVALID_ARGUMENT} for an undecodable tagging header.
 */
public final class XmlRequests {
  /** The largest CompleteMultipartUpload body accepted: 2 MiB. */
  public static final int MAX_COMPLETE_BODY = 2 << 20;

  /** The largest body accepted for every other operation: 1 MiB. */
  public static final int MAX_BODY = 1 << 20;

  /** The most keys one DeleteObjects request may name. */
  public static final int MAX_DELETE_KEYS = 1000;

  /** The most tags an object may have. */
  public static final int MAX_TAGS = 10;

  /** The longest tag key, in Unicode code points. */
  public static final int MAX_TAG_KEY = 128;

  /** The longest tag value, in Unicode code points. */
  public static final int MAX_TAG_VALUE = 256;

  private static final String BAD_TAGGING_HEADER =
      "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters"
          + " without tag name duplicates.";

  private XmlRequests() {}

  /**
   * One {@code <Part>} of a CompleteMultipartUpload request.
   *
   * @param partNumber the part number, 1 to 10000
   * @param etag the ETag the client sent, without surrounding double quotes
   * @param checksums the part checksums the client sent, base64 text as given (not decoded or
   *     checked), by algorithm; empty if none
   */
  public record CompletedPartXml(
      int partNumber, String etag, Map<ChecksumAlgorithm, String> checksums) {}

  /**
   * A DeleteObjects request.
   *
   * @param quiet whether only errors are to be reported
   * @param keys the keys, 1 to 1000, in request order, duplicates kept; a key may be empty
   */
  public record DeleteXml(boolean quiet, List<String> keys) {}

  /**
   * An object tag.
   *
   * @param key 1 to 128 code points
   * @param value 0 to 256 code points
   */
  public record Tag(String key, String value) {}

  /**
   * Parses a CompleteMultipartUpload body: {@code <CompleteMultipartUpload><Part><PartNumber>1
   * </PartNumber><ETag>"..."</ETag><ChecksumCRC32>...</ChecksumCRC32></Part>...}. Parts come back
   * in document order; their order and uniqueness are the caller's to check ({@code
   * InvalidPartOrder}).
   *
   * @throws S3Exception {@link S3Error#MALFORMED_XML} if the body is over 2 MiB or ill-formed, has
   *     another root, no part, a part without a PartNumber (1 to 10000) or a non-empty ETag, or an
   *     element of a part twice
   */
  public static List<CompletedPartXml> completeMultipartUpload(byte[] body) {
    return XmlReader.run(
        body,
        MAX_COMPLETE_BODY,
        x -> {
          x.root("CompleteMultipartUpload");
          List<CompletedPartXml> parts = new ArrayList<>();
          while (x.nextChild()) {
            if (x.name().equals("Part")) {
              parts.add(part(x, parts.size() + 1));
            } else {
              x.skip();
            }
          }
          x.finish();
          if (parts.isEmpty()) {
            throw malformed("The XML you provided must contain at least one Part.");
          }
          return Collections.unmodifiableList(parts);
        });
  }

  private static CompletedPartXml part(XmlReader x, int index)
      throws javax.xml.stream.XMLStreamException {
    String number = null;
    String etag = null;
    Map<ChecksumAlgorithm, String> checksums = null;
    while (x.nextChild()) {
      String name = x.name();
      switch (name) {
        case "PartNumber" -> {
          if (number != null) {
            throw malformed("Part " + index + " has more than one PartNumber.");
          }
          number = x.text();
        }
        case "ETag" -> {
          if (etag != null) {
            throw malformed("Part " + index + " has more than one ETag.");
          }
          etag = x.text();
        }
        default -> {
          ChecksumAlgorithm alg = checksumElement(name);
          if (alg == null) {
            x.skip();
          } else {
            if (checksums == null) {
              checksums = new EnumMap<>(ChecksumAlgorithm.class);
            }
            if (checksums.put(alg, x.text().strip()) != null) {
              throw malformed("Part " + index + " has more than one " + name + ".");
            }
          }
        }
      }
    }
    if (number == null) {
      throw malformed("Part " + index + " has no PartNumber.");
    }
    int partNumber = partNumber(number.strip(), index);
    if (etag == null) {
      throw malformed("Part " + partNumber + " has no ETag.");
    }
    etag = unquote(etag.strip());
    if (etag.isEmpty()) {
      throw malformed("Part " + partNumber + " has an empty ETag.");
    }
    return new CompletedPartXml(
        partNumber, etag, checksums == null ? Map.of() : Collections.unmodifiableMap(checksums));
  }

  private static ChecksumAlgorithm checksumElement(String name) {
    if (!name.startsWith("Checksum")) {
      return null;
    }
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      if (a.xmlName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  private static int partNumber(String s, int index) {
    int n = -1;
    if (!s.isEmpty() && s.length() <= 5) {
      n = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          n = -1;
          break;
        }
        n = n * 10 + (c - '0');
      }
    }
    if (n < 1 || n > 10000) {
      throw malformed(
          "Part "
              + index
              + " has PartNumber '"
              + abbreviate(s)
              + "'; it must be an integer from 1 to 10000.");
    }
    return n;
  }

  private static String unquote(String etag) {
    if (etag.length() >= 2 && etag.charAt(0) == '"' && etag.charAt(etag.length() - 1) == '"') {
      return etag.substring(1, etag.length() - 1);
    }
    return etag;
  }

  /**
   * Parses a DeleteObjects body: {@code <Delete><Quiet>true</Quiet><Object><Key>k</Key>
   * <VersionId>v</VersionId></Object>...</Delete>}. Version ids and the conditional elements of an
   * Object are ignored.
   *
   * @throws S3Exception {@link S3Error#MALFORMED_XML} if the body is over 1 MiB or ill-formed, has
   *     another root, no object or more than 1000, an object without a Key, or a Quiet other than
   *     true or false
   */
  public static DeleteXml delete(byte[] body) {
    return XmlReader.run(
        body,
        MAX_BODY,
        x -> {
          x.root("Delete");
          boolean quiet = false;
          List<String> keys = new ArrayList<>();
          while (x.nextChild()) {
            switch (x.name()) {
              case "Quiet" -> quiet = bool(x.text(), "Quiet");
              case "Object" -> {
                if (keys.size() == MAX_DELETE_KEYS) {
                  throw malformed(
                      "The XML you provided names more than "
                          + MAX_DELETE_KEYS
                          + " objects; a request may delete at most "
                          + MAX_DELETE_KEYS
                          + ".");
                }
                keys.add(deleteObject(x, keys.size() + 1));
              }
              default -> x.skip();
            }
          }
          x.finish();
          if (keys.isEmpty()) {
            throw malformed("The XML you provided must name at least one Object to delete.");
          }
          return new DeleteXml(quiet, Collections.unmodifiableList(keys));
        });
  }

  private static String deleteObject(XmlReader x, int index)
      throws javax.xml.stream.XMLStreamException {
    String key = null;
    while (x.nextChild()) {
      if (x.name().equals("Key")) {
        if (key != null) {
          throw malformed("Object " + index + " has more than one Key.");
        }
        key = x.text();
      } else {
        x.skip();
      }
    }
    if (key == null) {
      throw malformed("Object " + index + " has no Key.");
    }
    return key;
  }

  private static boolean bool(String text, String element) {
    String s = text.strip();
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    if (s.equalsIgnoreCase("false")) {
      return false;
    }
    throw malformed(element + " must be true or false, found '" + abbreviate(s) + "'.");
  }

  /**
   * Parses a CreateBucket body: {@code <CreateBucketConfiguration><LocationConstraint>region
   * </LocationConstraint></CreateBucketConfiguration>}. Other elements are ignored.
   *
   * @return the location constraint, or null if the body is empty (or only whitespace), the element
   *     is absent or empty
   * @throws S3Exception {@link S3Error#MALFORMED_XML} if the body is over 1 MiB or ill-formed, or
   *     has another root
   */
  public static String createBucketLocation(byte[] body) {
    if (blank(body)) {
      return null;
    }
    return XmlReader.run(
        body,
        MAX_BODY,
        x -> {
          x.root("CreateBucketConfiguration");
          String location = null;
          while (x.nextChild()) {
            if (x.name().equals("LocationConstraint")) {
              if (location != null) {
                throw malformed("The XML you provided has more than one LocationConstraint.");
              }
              location = x.text().strip();
            } else {
              x.skip();
            }
          }
          x.finish();
          return location == null || location.isEmpty() ? null : location;
        });
  }

  private static boolean blank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses a PutObjectTagging body: {@code <Tagging><TagSet><Tag><Key>k</Key><Value>v</Value>
   * </Tag>...</TagSet></Tagging>}.
   *
   * @return the tags in document order; empty for an empty TagSet
   * @throws S3Exception {@link S3Error#MALFORMED_XML} if the body is over 1 MiB or ill-formed, has
   *     another root, no TagSet, or a Tag without exactly one Key and one Value; {@link
   *     S3Error#INVALID_TAG} if the tags break the S3 rules (see {@link #taggingHeader})
   */
  public static List<Tag> tagging(byte[] body) {
    List<Tag> tags =
        XmlReader.run(
            body,
            MAX_BODY,
            x -> {
              x.root("Tagging");
              List<Tag> list = null;
              while (x.nextChild()) {
                if (x.name().equals("TagSet")) {
                  if (list != null) {
                    throw malformed("The XML you provided has more than one TagSet.");
                  }
                  list = tagSet(x);
                } else {
                  x.skip();
                }
              }
              x.finish();
              if (list == null) {
                throw malformed("The XML you provided has no TagSet.");
              }
              return list;
            });
    checkTags(tags);
    for (int i = 0; i < tags.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (tags.get(i).key().equals(tags.get(j).key())) {
          throw new S3Exception(
              S3Error.INVALID_TAG, "Cannot provide multiple Tags with the same key.");
        }
      }
    }
    return tags;
  }

  private static List<Tag> tagSet(XmlReader x) throws javax.xml.stream.XMLStreamException {
    List<Tag> tags = new ArrayList<>();
    while (x.nextChild()) {
      if (!x.name().equals("Tag")) {
        x.skip();
        continue;
      }
      if (tags.size() == MAX_TAGS) {
        throw tooManyTags();
      }
      int index = tags.size() + 1;
      String key = null;
      String value = null;
      while (x.nextChild()) {
        switch (x.name()) {
          case "Key" -> {
            if (key != null) {
              throw malformed("Tag " + index + " has more than one Key.");
            }
            key = x.text();
          }
          case "Value" -> {
            if (value != null) {
              throw malformed("Tag " + index + " has more than one Value.");
            }
            value = x.text();
          }
          default -> x.skip();
        }
      }
      if (key == null) {
        throw malformed("Tag " + index + " has no Key.");
      }
      if (value == null) {
        throw malformed("Tag " + index + " has no Value.");
      }
      tags.add(new Tag(key, value));
    }
    return Collections.unmodifiableList(tags);
  }

  /**
   * Parses the {@code x-amz-tagging} header of PutObject, CopyObject and CreateMultipartUpload: URL
   * query form {@code k1=v1&k2=v2}, percent-encoded UTF-8 with {@code +} for space. A pair without
   * {@code =} is a key with an empty value; empty pairs ({@code &&}) are skipped.
   *
   * <p>The S3 tag rules, for this header and {@link #tagging}: at most 10 tags; a key of 1 to 128
   * and a value of 0 to 256 Unicode code points, of letters, digits, white space and {@code + - = .
   * _ : / @}; a key must not start with {@code aws:}.
   *
   * @return the tags in header order; empty for a null or empty header
   * @throws S3Exception {@link S3Error#INVALID_ARGUMENT} if the header is not valid percent-encoded
   *     UTF-8, or names a key twice (as S3 answers for this header); {@link S3Error#INVALID_TAG} if
   *     the tags break the rules above
   */
  public static List<Tag> taggingHeader(String header) {
    if (header == null || header.isEmpty()) {
      return List.of();
    }
    List<Tag> tags = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    int n = header.length();
    int start = 0;
    while (start <= n) {
      int amp = header.indexOf('&', start);
      int end = amp < 0 ? n : amp;
      if (end > start) {
        if (tags.size() == MAX_TAGS) {
          throw tooManyTags();
        }
        int eq = header.indexOf('=', start);
        String key;
        String value;
        if (eq < 0 || eq > end) {
          key = urlDecode(header, start, end);
          value = "";
        } else {
          key = urlDecode(header, start, eq);
          value = urlDecode(header, eq + 1, end);
        }
        if (!keys.add(key)) {
          throw new S3Exception(S3Error.INVALID_ARGUMENT, BAD_TAGGING_HEADER);
        }
        tags.add(new Tag(key, value));
      }
      start = end + 1;
    }
    checkTags(tags);
    return Collections.unmodifiableList(tags);
  }

  /** Decodes {@code s[from, to)} from percent-encoded UTF-8 with {@code +} as space. */
  private static String urlDecode(String s, int from, int to) {
    boolean plain = true;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '+') {
        plain = false;
        break;
      }
    }
    if (plain) {
      return s.substring(from, to);
    }
    StringBuilder sb = new StringBuilder(to - from);
    ByteBuffer bytes = null;
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '%') {
        if (bytes == null) {
          bytes = ByteBuffer.allocate((to - from) / 3);
        }
        bytes.clear();
        while (i < to && s.charAt(i) == '%') {
          if (i + 2 >= to) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, BAD_TAGGING_HEADER);
          }
          int hi = Character.digit(s.charAt(i + 1), 16);
          int lo = Character.digit(s.charAt(i + 2), 16);
          if (hi < 0 || lo < 0) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, BAD_TAGGING_HEADER);
          }
          bytes.put((byte) (hi << 4 | lo));
          i += 3;
        }
        bytes.flip();
        try {
          CharBuffer chars =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT)
                  .decode(bytes);
          sb.append(chars);
        } catch (CharacterCodingException e) {
          throw new S3Exception(S3Error.INVALID_ARGUMENT, BAD_TAGGING_HEADER, e);
        }
      } else {
        sb.append(c == '+' ? ' ' : c);
        i++;
      }
    }
    return sb.toString();
  }

  private static void checkTags(List<Tag> tags) {
    if (tags.size() > MAX_TAGS) {
      throw tooManyTags();
    }
    for (Tag t : tags) {
      String key = t.key();
      int keyLength = key.codePointCount(0, key.length());
      if (keyLength == 0) {
        throw invalidTag("A TagKey may not be empty.");
      }
      if (keyLength > MAX_TAG_KEY) {
        throw invalidTag(
            "The TagKey you have provided is too long: "
                + keyLength
                + " characters, at most "
                + MAX_TAG_KEY
                + ".");
      }
      if (key.regionMatches(true, 0, "aws:", 0, 4)) {
        throw invalidTag("Your TagKey cannot be prefixed with aws:.");
      }
      int bad = badTagChar(key);
      if (bad >= 0) {
        throw invalidTag(
            "The TagKey you have provided is invalid: character "
                + describeChar(bad)
                + " is not allowed.");
      }
      String value = t.value();
      int valueLength = value.codePointCount(0, value.length());
      if (valueLength > MAX_TAG_VALUE) {
        throw invalidTag(
            "The TagValue you have provided is too long: "
                + valueLength
                + " characters, at most "
                + MAX_TAG_VALUE
                + ".");
      }
      bad = badTagChar(value);
      if (bad >= 0) {
        throw invalidTag(
            "The TagValue you have provided is invalid: character "
                + describeChar(bad)
                + " is not allowed.");
      }
    }
  }

  /**
   * The first code point of {@code s} outside the S3 tag alphabet (letters, digits, white space and
   * {@code + - = . _ : / @}), or -1.
   */
  private static int badTagChar(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      boolean ok =
          switch (cp) {
            case '+', '-', '=', '.', '_', ':', '/', '@', ' ' -> true;
            default ->
                (cp >= 'a' && cp <= 'z')
                    || (cp >= 'A' && cp <= 'Z')
                    || (cp >= '0' && cp <= '9')
                    || (cp >= 0x80
                        && (Character.isLetterOrDigit(cp)
                            || Character.getType(cp) == Character.LETTER_NUMBER
                            || Character.getType(cp) == Character.OTHER_NUMBER
                            || Character.isSpaceChar(cp)));
          };
      if (!ok) {
        return cp;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  private static String describeChar(int cp) {
    String hex = String.format("U+%04X", cp);
    if (cp >= 0x20 && cp < 0x7f) {
      return "'" + (char) cp + "' (" + hex + ")";
    }
    return hex;
  }

  private static S3Exception tooManyTags() {
    return invalidTag("Object tags cannot be greater than " + MAX_TAGS + ".");
  }

  private static S3Exception invalidTag(String message) {
    return new S3Exception(S3Error.INVALID_TAG, message);
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }
}
