package io.aquifer.gateway.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.aquifer.gateway.xml.XmlRequests.Tag;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Hostile input: whatever bytes reach a parser, the only failure is an {@link S3Exception} of the
 * documented codes; and documents built with {@link XmlWriter} parse back to what was written.
 */
class XmlRequestsFuzzProperties {
  private static final Set<S3Error> XML_ERRORS =
      EnumSet.of(S3Error.MALFORMED_XML, S3Error.INVALID_TAG);

  private static final List<Function<byte[], ?>> PARSERS = XmlRequestsTest.PARSERS;

  private static final List<String> SEEDS =
      List.of(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload"
              + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
              + "<ETag>\"abc\"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>"
              + "</CompleteMultipartUpload>",
          "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key><VersionId>v</VersionId></Object>"
              + "</Delete>",
          "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
              + "</CreateBucketConfiguration>",
          "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>",
          "<!DOCTYPE a [<!ENTITY b \"c\">]><Delete><Object><Key>&b;</Key></Object></Delete>");

  @Provide
  Arbitrary<byte[]> garbage() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  /** Garbage made of XML's own characters, more likely to get deep into the parser. */
  @Provide
  Arbitrary<byte[]> xmlishGarbage() {
    return Arbitraries.of(
            "<",
            ">",
            "/",
            "<?",
            "?>",
            "<!",
            "--",
            "[",
            "]",
            "&",
            ";",
            "#",
            "x",
            "=",
            "\"",
            "'",
            " ",
            "\n",
            "<Delete>",
            "</Delete>",
            "<Object>",
            "<Key>",
            "</Key>",
            "<Part>",
            "<PartNumber>",
            "<ETag>",
            "<Tagging>",
            "<TagSet>",
            "<Tag>",
            "<Value>",
            "<CreateBucketConfiguration>",
            "<![CDATA[",
            "]]>",
            "<!DOCTYPE",
            "<!ENTITY",
            "%",
            "SYSTEM",
            "xmlns=",
            "xmlns:p=",
            "p:",
            "&#",
            "\u00e9",
            "\uD83D\uDE00",
            "\u0000")
        .list()
        .ofMaxSize(40)
        .map(l -> String.join("", l).getBytes(StandardCharsets.UTF_8));
  }

  static void onlyS3Exceptions(byte[] body) {
    for (Function<byte[], ?> p : PARSERS) {
      try {
        p.apply(body);
      } catch (S3Exception e) {
        if (!XML_ERRORS.contains(e.error())) {
          throw new AssertionError("unexpected " + e.error() + ": " + e.getMessage(), e);
        }
        assertNotNull(e.getMessage());
      }
    }
  }

  @Property(tries = 500)
  void randomBytesOnlyThrowS3Exceptions(@ForAll("garbage") byte[] body) {
    onlyS3Exceptions(body);
  }

  @Property(tries = 500)
  void xmlishGarbageOnlyThrowsS3Exceptions(@ForAll("xmlishGarbage") byte[] body) {
    onlyS3Exceptions(body);
  }

  /** Valid documents with bytes flipped, dropped or the end cut off. */
  @Property(tries = 500)
  void mutatedDocumentsOnlyThrowS3Exceptions(
      @ForAll @IntRange(min = 0, max = 4) int seed,
      @ForAll @IntRange(min = 0, max = 400) int at,
      @ForAll byte value,
      @ForAll @IntRange(min = 0, max = 2) int how) {
    byte[] doc = SEEDS.get(seed).getBytes(StandardCharsets.UTF_8);
    int i = at % doc.length;
    byte[] body =
        switch (how) {
          case 0 -> {
            doc[i] = value;
            yield doc;
          }
          case 1 -> {
            byte[] shorter = new byte[doc.length - 1];
            System.arraycopy(doc, 0, shorter, 0, i);
            System.arraycopy(doc, i + 1, shorter, i, doc.length - i - 1);
            yield shorter;
          }
          default -> java.util.Arrays.copyOf(doc, i);
        };
    onlyS3Exceptions(body);
  }

  @Property(tries = 1000)
  void taggingHeaderOnlyThrowsS3Exceptions(@ForAll("headers") String header) {
    try {
      List<Tag> tags = XmlRequests.taggingHeader(header);
      assertNotNull(tags);
    } catch (S3Exception e) {
      if (e.error() != S3Error.INVALID_ARGUMENT && e.error() != S3Error.INVALID_TAG) {
        throw new AssertionError("unexpected " + e.error(), e);
      }
    }
  }

  @Provide
  Arbitrary<String> headers() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(60),
        Arbitraries.of(
                "k", "v", "=", "&", "%", "%2", "%20", "%C3", "%A9", "%F0%9F", "+", "%zz", "aws:",
                ",", "\u00e9", "\uD800")
            .list()
            .ofMaxSize(20)
            .map(l -> String.join("", l)));
  }

  /** Keys written with {@link XmlWriter} as a client would send them come back unchanged. */
  @Property(tries = 300)
  void deleteKeysRoundTrip(@ForAll("keys") List<String> keys, @ForAll boolean quiet) {
    XmlWriter w = XmlWriter.document("Delete").element("Quiet", quiet);
    for (String k : keys) {
      w.start("Object").element("Key", k).end();
    }
    assertEquals(new XmlRequests.DeleteXml(quiet, keys), XmlRequests.delete(w.toBytes()));
  }

  @Provide
  Arbitrary<List<String>> keys() {
    return new XmlWriterProperties().xmlText().list().ofMinSize(1).ofMaxSize(20);
  }

  /** Tags of the S3 alphabet written with {@link XmlWriter} come back unchanged. */
  @Property(tries = 300)
  void tagsRoundTrip(@ForAll("tagSets") List<Tag> tags) {
    XmlWriter w = XmlWriter.document("Tagging").start("TagSet");
    for (Tag t : tags) {
      w.start("Tag").element("Key", t.key()).element("Value", t.value()).end();
    }
    assertEquals(tags, XmlRequests.tagging(w.toBytes()));
    // And the header form of the same tags.
    List<String> pairs = new ArrayList<>();
    for (Tag t : tags) {
      pairs.add(
          java.net.URLEncoder.encode(t.key(), StandardCharsets.UTF_8)
              + "="
              + java.net.URLEncoder.encode(t.value(), StandardCharsets.UTF_8));
    }
    assertEquals(tags, XmlRequests.taggingHeader(String.join("&", pairs)));
  }

  @Provide
  Arbitrary<List<Tag>> tagSets() {
    net.jqwik.api.arbitraries.StringArbitrary chars =
        Arbitraries.strings()
            .withChars("abcXYZ019 +-=._:/@")
            .withCharRange('\u00e0', '\u00f6')
            .withCharRange('\u4e00', '\u4e20');
    return Arbitraries.integers()
        .between(0, 10)
        .flatMap(
            n ->
                net.jqwik.api.Combinators.combine(
                        chars.ofMinLength(1).ofMaxLength(128).list().ofSize(n).uniqueElements(),
                        chars.ofMaxLength(256).list().ofSize(n))
                    .as(
                        (ks, vs) -> {
                          List<Tag> out = new ArrayList<>();
                          for (int i = 0; i < n; i++) {
                            out.add(new Tag(ks.get(i), vs.get(i)));
                          }
                          return out;
                        }));
  }
}
