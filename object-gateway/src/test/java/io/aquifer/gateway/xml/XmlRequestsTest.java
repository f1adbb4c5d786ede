package io.aquifer.gateway.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import io.aquifer.gateway.checksum.ChecksumAlgorithm;
import io.aquifer.gateway.xml.XmlRequests.CompletedPartXml;
import io.aquifer.gateway.xml.XmlRequests.DeleteXml;
import io.aquifer.gateway.xml.XmlRequests.Tag;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request bodies: valid documents, every malformed case, and tag rules. */
class XmlRequestsTest {
  static final String NS = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
  static final String DECL = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Asserts that parsing {@code xml} fails with {@code error} and a message containing text. */
  static S3Exception fails(
      S3Error error, String messagePart, Function<byte[], ?> parser, String xml) {
    return fails(error, messagePart, parser, utf8(xml));
  }

  static S3Exception fails(
      S3Error error, String messagePart, Function<byte[], ?> parser, byte[] body) {
    S3Exception e = assertThrows(S3Exception.class, () -> parser.apply(body));
    assertEquals(error, e.error(), e.getMessage());
    assertTrue(
        e.getMessage().contains(messagePart),
        () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
    return e;
  }

  // ---- CompleteMultipartUpload ----

  @Test
  void completeAsTheSdkSendsIt() {
    String xml =
        DECL
            + "<CompleteMultipartUpload"
            + NS
            + ">\n  <Part>\n    <ETag>\"a54357aff0632cce46d942af68356b38\"</ETag>\n"
            + "    <ChecksumCRC32>AAAAAA==</ChecksumCRC32>\n    <PartNumber>1</PartNumber>\n"
            + "  </Part>\n  <Part><PartNumber>2</PartNumber>"
            + "<ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;</ETag>"
            + "<ChecksumCRC64NVME>rosUhgp5mIg=</ChecksumCRC64NVME>"
            + "<ChecksumSHA256>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ChecksumSHA256>"
            + "</Part>\n</CompleteMultipartUpload>\n";
    List<CompletedPartXml> parts = XmlRequests.completeMultipartUpload(utf8(xml));
    assertEquals(
        List.of(
            new CompletedPartXml(
                1, "a54357aff0632cce46d942af68356b38", Map.of(ChecksumAlgorithm.CRC32, "AAAAAA==")),
            new CompletedPartXml(
                2,
                "0c78aef83f66abc1fa1e8477f296d394",
                Map.of(
                    ChecksumAlgorithm.CRC64NVME,
                    "rosUhgp5mIg=",
                    ChecksumAlgorithm.SHA256,
                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="))),
        parts);
  }

  @Test
  void completeWithoutNamespaceOrDeclarationAndWithPrefixes() {
    assertEquals(
        List.of(new CompletedPartXml(3, "etag-3", Map.of())),
        XmlRequests.completeMultipartUpload(
            utf8(
                "<CompleteMultipartUpload><Part><PartNumber> 3 </PartNumber>"
                    + "<ETag>etag-3</ETag></Part></CompleteMultipartUpload>")));
    assertEquals(
        List.of(new CompletedPartXml(10000, "e", Map.of())),
        XmlRequests.completeMultipartUpload(
            utf8(
                "<s3:CompleteMultipartUpload xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<s3:Part><s3:PartNumber>10000</s3:PartNumber><s3:ETag>\"e\"</s3:ETag>"
                    + "</s3:Part></s3:CompleteMultipartUpload>")));
  }

  @Test
  void completeIgnoresUnknownElementsCommentsAndKeepsOrder() {
    String xml =
        "<!-- c --><CompleteMultipartUpload><Unknown><Deep><Part>x</Part></Deep></Unknown>"
            + "<Part><PartNumber>5</PartNumber><!-- c --><ETag>b</ETag><Size>12</Size>"
            + "<ChecksumMD5>x</ChecksumMD5></Part>"
            + "<Part><PartNumber>2</PartNumber><ETag>a</ETag></Part>"
            + "<?pi data?></CompleteMultipartUpload><!-- trailing -->";
    List<CompletedPartXml> parts = XmlRequests.completeMultipartUpload(utf8(xml));
    assertEquals(List.of(5, 2), parts.stream().map(CompletedPartXml::partNumber).toList());
    assertEquals(Map.of(), parts.get(0).checksums());
  }

  @Test
  void completeMalformed() {
    Function<byte[], ?> p = XmlRequests::completeMultipartUpload;
    fails(S3Error.MALFORMED_XML, "at least one Part", p, "<CompleteMultipartUpload/>");
    fails(
        S3Error.MALFORMED_XML,
        "at least one Part",
        p,
        "<CompleteMultipartUpload" + NS + ">\n</CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "Part 1 has no PartNumber",
        p,
        "<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "Part 2 has no ETag",
        p,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part>"
            + "<Part><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "empty ETag",
        p,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"\"</ETag></Part>"
            + "</CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "more than one PartNumber",
        p,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber>"
            + "<ETag>a</ETag></Part></CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "more than one ChecksumCRC32C",
        p,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag>"
            + "<ChecksumCRC32C>x</ChecksumCRC32C><ChecksumCRC32C>y</ChecksumCRC32C></Part>"
            + "</CompleteMultipartUpload>");
    fails(
        S3Error.MALFORMED_XML,
        "root element must be CompleteMultipartUpload, found Delete",
        p,
        "<Delete/>");
    fails(
        S3Error.MALFORMED_XML,
        "may contain only text",
        p,
        "<CompleteMultipartUpload><Part><PartNumber><x/></PartNumber><ETag>a</ETag></Part>"
            + "</CompleteMultipartUpload>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "1.0", "-1", "0", "10001", "99999999999", "1e3", "+1", "0x1"})
  void completeRejectsBadPartNumbers(String n) {
    fails(
        S3Error.MALFORMED_XML,
        "must be an integer from 1 to 10000",
        XmlRequests::completeMultipartUpload,
        "<CompleteMultipartUpload><Part><PartNumber>"
            + n
            + "</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>");
  }

  @Test
  void completeSizeLimit() {
    StringBuilder sb = new StringBuilder("<CompleteMultipartUpload>");
    String part = "<Part><PartNumber>1</PartNumber><ETag>a</ETag></Part>";
    while (sb.length() < XmlRequests.MAX_COMPLETE_BODY - 100) {
      sb.append(part);
    }
    sb.append("</CompleteMultipartUpload>");
    byte[] body = utf8(sb.toString());
    assertTrue(body.length <= XmlRequests.MAX_COMPLETE_BODY);
    assertFalse(XmlRequests.completeMultipartUpload(body).isEmpty());
    byte[] big = new byte[XmlRequests.MAX_COMPLETE_BODY + 1];
    fails(
        S3Error.MALFORMED_XML,
        "larger than the maximum of 2097152 bytes",
        XmlRequests::completeMultipartUpload,
        big);
  }

  @Test
  void resultsAreImmutable() {
    List<CompletedPartXml> parts =
        XmlRequests.completeMultipartUpload(
            utf8(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag>"
                    + "<ChecksumSHA1>x</ChecksumSHA1></Part></CompleteMultipartUpload>"));
    assertThrows(UnsupportedOperationException.class, () -> parts.add(parts.get(0)));
    assertThrows(
        UnsupportedOperationException.class,
        () -> parts.get(0).checksums().put(ChecksumAlgorithm.CRC32, "y"));
  }

  // ---- Delete ----

  @Test
  void deleteAsTheSdkSendsIt() {
    String xml =
        DECL
            + "<Delete"
            + NS
            + "><Object><Key>a.txt</Key></Object><Object><Key>dir/b &amp; c&lt;d&gt;.txt</Key>"
            + "<VersionId>3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY</VersionId></Object>"
            + "<Object><Key>  spaced  </Key><ETag>x</ETag><Size>1</Size></Object>"
            + "<Quiet>true</Quiet></Delete>";
    assertEquals(
        new DeleteXml(true, List.of("a.txt", "dir/b & c<d>.txt", "  spaced  ")),
        XmlRequests.delete(utf8(xml)));
  }

  @Test
  void deleteKeysKeepWhitespaceUnicodeAndEscapedCarriageReturns() {
    String xml =
        "<Delete><Quiet>FALSE</Quiet><Object><Key>é/😀/&#x4E2D;\tx&#13;y\nz</Key></Object>"
            + "<Object><Key><![CDATA[<raw>&]]></Key></Object><Object><Key></Key></Object>"
            + "<Object><Key>a</Key></Object><Object><Key>a</Key></Object></Delete>";
    assertEquals(
        new DeleteXml(false, List.of("é/😀/中\tx\ry\nz", "<raw>&", "", "a", "a")),
        XmlRequests.delete(utf8(xml)));
  }

  @Test
  void deleteQuietDefaultsToFalse() {
    assertFalse(XmlRequests.delete(utf8("<Delete><Object><Key>k</Key></Object></Delete>")).quiet());
  }

  @Test
  void deleteMalformed() {
    Function<byte[], ?> p = XmlRequests::delete;
    fails(S3Error.MALFORMED_XML, "at least one Object", p, "<Delete/>");
    fails(S3Error.MALFORMED_XML, "at least one Object", p, "<Delete><Quiet>true</Quiet></Delete>");
    fails(
        S3Error.MALFORMED_XML,
        "Object 2 has no Key",
        p,
        "<Delete><Object><Key>a</Key></Object><Object><VersionId>v</VersionId></Object></Delete>");
    fails(
        S3Error.MALFORMED_XML,
        "more than one Key",
        p,
        "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>");
    fails(
        S3Error.MALFORMED_XML,
        "Quiet must be true or false, found 'yes'",
        p,
        "<Delete><Quiet>yes</Quiet><Object><Key>a</Key></Object></Delete>");
    fails(
        S3Error.MALFORMED_XML,
        "root element must be Delete, found DeleteObjects",
        p,
        "<DeleteObjects><Object><Key>a</Key></Object></DeleteObjects>");
    fails(
        S3Error.MALFORMED_XML,
        "may contain only text",
        p,
        "<Delete><Object><Key>a<b>c</b></Key></Object></Delete>");
  }

  static String deleteOf(int n) {
    StringBuilder sb = new StringBuilder("<Delete>");
    for (int i = 0; i < n; i++) {
      sb.append("<Object><Key>key-").append(i).append("</Key></Object>");
    }
    return sb.append("</Delete>").toString();
  }

  @Test
  void deleteKeyCount() {
    assertEquals(1000, XmlRequests.delete(utf8(deleteOf(1000))).keys().size());
    fails(S3Error.MALFORMED_XML, "more than 1000 objects", XmlRequests::delete, deleteOf(1001));
  }

  @Test
  void deleteSizeLimit() {
    byte[] big = new byte[XmlRequests.MAX_BODY + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    fails(
        S3Error.MALFORMED_XML,
        "larger than the maximum of 1048576 bytes",
        XmlRequests::delete,
        big);
  }

  // ---- Ill-formed documents, every parser ----

  static final List<Function<byte[], ?>> PARSERS =
      List.of(
          XmlRequests::completeMultipartUpload,
          XmlRequests::delete,
          XmlRequests::createBucketLocation,
          XmlRequests::tagging);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "<",
        "<Delete>",
        "<Delete><Object><Key>a</Key></Object>",
        "<Delete></Delet>",
        "<Delete><Object><Key>a</Object></Key></Delete>",
        "<Delete a=1/>",
        "<Delete>&nbsp;</Delete>",
        "<Delete>&#0;</Delete>",
        "<Delete/><Delete/>",
        "<Delete/>trailing",
        "not xml at all",
        "\u0000\u0001",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"2.0\"?><Delete/>",
        "<p:Delete/>",
      })
  void illFormedIsMalformedXml(String xml) {
    for (Function<byte[], ?> p : PARSERS) {
      S3Exception e = assertThrows(S3Exception.class, () -> p.apply(utf8(xml)), xml);
      assertEquals(S3Error.MALFORMED_XML, e.error(), xml + ": " + e.getMessage());
    }
  }

  @Test
  void emptyBody() {
    fails(S3Error.MALFORMED_XML, "body is empty", XmlRequests::delete, new byte[0]);
    fails(
        S3Error.MALFORMED_XML, "body is empty", XmlRequests::completeMultipartUpload, new byte[0]);
    fails(S3Error.MALFORMED_XML, "body is empty", XmlRequests::tagging, new byte[0]);
  }

  @Test
  void invalidUtf8IsMalformed() {
    byte[] body = utf8("<Delete><Object><Key>ab</Key></Object></Delete>");
    body[21] = (byte) 0xC3; // a lead byte followed by 'b'
    for (Function<byte[], ?> p : PARSERS) {
      assertEquals(
          S3Error.MALFORMED_XML, assertThrows(S3Exception.class, () -> p.apply(body)).error());
    }
  }

  @Test
  void otherDeclaredEncodingsAreRead() {
    byte[] body =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><Delete><Object><Key>é</Key></Object></Delete>"
            .getBytes(StandardCharsets.UTF_16);
    assertEquals(List.of("é"), XmlRequests.delete(body).keys());
  }

  // ---- Entity attacks ----

  @Test
  void externalEntityIsRejectedWithoutReadingTheFile() throws Exception {
    java.nio.file.Path secret = java.nio.file.Files.createTempFile("aquifer-xxe", ".txt");
    try {
      java.nio.file.Files.writeString(secret, "TOP-SECRET");
      for (String uri : List.of("file:///etc/passwd", secret.toUri().toString())) {
        String xml =
            "<?xml version=\"1.0\"?><!DOCTYPE Delete [<!ENTITY xxe SYSTEM \""
                + uri
                + "\">]><Delete><Object><Key>&xxe;</Key></Object></Delete>";
        for (Function<byte[], ?> p : PARSERS) {
          S3Exception e = fails(S3Error.MALFORMED_XML, "document type declaration", p, xml);
          assertFalse(e.getMessage().contains("TOP-SECRET"));
          assertFalse(e.getMessage().contains("root:"));
        }
      }
    } finally {
      java.nio.file.Files.delete(secret);
    }
  }

  /** External DTDs and parameter entities are never fetched: a listening socket gets no call. */
  @Test
  void externalDtdIsNeverFetched() throws Exception {
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + server.getLocalPort() + "/evil.dtd";
      List<String> docs =
          List.of(
              "<!DOCTYPE Delete SYSTEM \""
                  + url
                  + "\"><Delete><Object><Key>k</Key></Object></Delete>",
              "<!DOCTYPE Delete [<!ENTITY % ext SYSTEM \""
                  + url
                  + "\"> %ext;]><Delete><Object><Key>k</Key></Object></Delete>",
              "<Delete xmlns:xi=\"http://www.w3.org/2001/XInclude\"><Object><Key>"
                  + "<xi:include href=\""
                  + url
                  + "\" parse=\"text\"/></Key></Object></Delete>");
      for (String xml : docs) {
        for (Function<byte[], ?> p : PARSERS) {
          assertEquals(
              S3Error.MALFORMED_XML,
              assertThrows(S3Exception.class, () -> p.apply(utf8(xml))).error());
        }
      }
      server.setSoTimeout(200);
      assertThrows(java.net.SocketTimeoutException.class, server::accept);
    }
  }

  @Test
  void billionLaughsIsRejectedBeforeAnyExpansion() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
    for (int i = 1; i <= 10; i++) {
      dtd.append("<!ENTITY lol").append(i).append(" \"");
      for (int j = 0; j < 10; j++) {
        dtd.append("&lol").append(i - 1).append(';');
      }
      dtd.append("\">");
    }
    dtd.append("]>");
    String[] bodies = {
      dtd + "<Delete><Object><Key>&lol10;</Key></Object></Delete>",
      dtd + "<Tagging><TagSet><Tag><Key>k</Key><Value>&lol10;</Value></Tag></TagSet></Tagging>",
      dtd
          + "<CreateBucketConfiguration><LocationConstraint>&lol10;</LocationConstraint>"
          + "</CreateBucketConfiguration>",
      dtd
          + "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&lol10;</ETag>"
          + "</Part></CompleteMultipartUpload>",
    };
    for (String xml : bodies) {
      for (Function<byte[], ?> p : PARSERS) {
        fails(S3Error.MALFORMED_XML, "document type declaration", p, xml);
      }
    }
  }

  @Test
  void quadraticBlowupIsRejected() {
    String big = "x".repeat(50_000);
    String xml =
        "<!DOCTYPE Delete [<!ENTITY a \""
            + big
            + "\">]><Delete><Object><Key>"
            + "&a;".repeat(1000)
            + "</Key></Object></Delete>";
    fails(S3Error.MALFORMED_XML, "document type declaration", XmlRequests::delete, xml);
  }

  @Test
  void undeclaredEntityIsMalformed() {
    fails(
        S3Error.MALFORMED_XML,
        "xxe",
        XmlRequests::delete,
        "<Delete><Object><Key>&xxe;</Key></Object></Delete>");
  }

  // ---- CreateBucketConfiguration ----

  @Test
  void createBucketLocation() {
    assertNull(XmlRequests.createBucketLocation(new byte[0]));
    assertNull(XmlRequests.createBucketLocation(utf8(" \r\n\t")));
    assertEquals(
        "eu-west-1",
        XmlRequests.createBucketLocation(
            utf8(
                DECL
                    + "<CreateBucketConfiguration"
                    + NS
                    + ">\n  <LocationConstraint>eu-west-1</LocationConstraint>\n"
                    + "</CreateBucketConfiguration>")));
    assertEquals(
        "us-west-2",
        XmlRequests.createBucketLocation(
            utf8(
                "<CreateBucketConfiguration><Location><Name>x</Name></Location>"
                    + "<LocationConstraint> us-west-2 </LocationConstraint>"
                    + "<Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>")));
    assertNull(XmlRequests.createBucketLocation(utf8("<CreateBucketConfiguration/>")));
    assertNull(
        XmlRequests.createBucketLocation(
            utf8("<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>")));
  }

  @Test
  void createBucketMalformed() {
    Function<byte[], ?> p = XmlRequests::createBucketLocation;
    fails(
        S3Error.MALFORMED_XML,
        "root element must be CreateBucketConfiguration",
        p,
        "<LocationConstraint>x</LocationConstraint>");
    fails(
        S3Error.MALFORMED_XML,
        "more than one LocationConstraint",
        p,
        "<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint>"
            + "<LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>");
    fails(S3Error.MALFORMED_XML, "not well-formed", p, "<CreateBucketConfiguration>");
    byte[] big = new byte[XmlRequests.MAX_BODY + 1];
    big[0] = '<';
    fails(S3Error.MALFORMED_XML, "larger than the maximum", p, big);
  }

  // ---- Tagging ----

  static String tagging(String... kv) {
    StringBuilder sb = new StringBuilder("<Tagging" + NS + "><TagSet>");
    for (int i = 0; i < kv.length; i += 2) {
      sb.append("<Tag><Key>").append(kv[i]).append("</Key><Value>").append(kv[i + 1]);
      sb.append("</Value></Tag>");
    }
    return sb.append("</TagSet></Tagging>").toString();
  }

  @Test
  void taggingDocuments() {
    assertEquals(
        List.of(new Tag("project", "aquifer"), new Tag("team", ""), new Tag("a b", "x+y=z/@:._-")),
        XmlRequests.tagging(utf8(tagging("project", "aquifer", "team", "", "a b", "x+y=z/@:._-"))));
    assertEquals(List.of(), XmlRequests.tagging(utf8("<Tagging><TagSet/></Tagging>")));
    assertEquals(
        List.of(new Tag("ключ", "值 ２")),
        XmlRequests.tagging(
            utf8(
                "<Tagging>\n <TagSet>\n  <Tag>\n   <Value>值 ２</Value>\n   <Key>ключ</Key>\n"
                    + "  </Tag>\n </TagSet>\n</Tagging>")));
    assertEquals(
        List.of(new Tag("k", "a b")),
        XmlRequests.tagging(
            utf8(
                "<Tagging><Other/><TagSet><Tag><Key>k</Key><Value><![CDATA[a b]]></Value>"
                    + "</Tag></TagSet></Tagging>")));
  }

  @Test
  void taggingLimits() {
    String[] ten = new String[20];
    for (int i = 0; i < 10; i++) {
      ten[2 * i] = "k" + i;
      ten[2 * i + 1] = "v";
    }
    assertEquals(10, XmlRequests.tagging(utf8(tagging(ten))).size());
    String[] eleven = java.util.Arrays.copyOf(ten, 22);
    eleven[20] = "k10";
    eleven[21] = "v";
    fails(
        S3Error.INVALID_TAG,
        "Object tags cannot be greater than 10",
        XmlRequests::tagging,
        tagging(eleven));

    String key128 = "\uD835\uDC00".repeat(128); // U+1D400, a letter: 128 code points, 256 chars
    assertEquals(1, XmlRequests.tagging(utf8(tagging(key128, "v"))).size());
    fails(
        S3Error.INVALID_TAG,
        "TagKey you have provided is too long: 129",
        XmlRequests::tagging,
        tagging(key128 + "a", "v"));
    String value256 = "é".repeat(256);
    assertEquals(1, XmlRequests.tagging(utf8(tagging("k", value256))).size());
    fails(
        S3Error.INVALID_TAG,
        "TagValue you have provided is too long: 257",
        XmlRequests::tagging,
        tagging("k", value256 + "x"));
    fails(S3Error.INVALID_TAG, "TagKey may not be empty", XmlRequests::tagging, tagging("", "v"));
    fails(
        S3Error.INVALID_TAG,
        "multiple Tags with the same key",
        XmlRequests::tagging,
        tagging("k", "1", "j", "2", "k", "3"));
    fails(
        S3Error.INVALID_TAG,
        "prefixed with aws:",
        XmlRequests::tagging,
        tagging("AWS:cloudformation:stack", "v"));
    fails(
        S3Error.INVALID_TAG,
        "TagValue you have provided is invalid: character ','",
        XmlRequests::tagging,
        tagging("k", "a,b"));
    fails(
        S3Error.INVALID_TAG,
        "TagKey you have provided is invalid: character '('",
        XmlRequests::tagging,
        tagging("k(1)", "v"));
  }

  @Test
  void taggingMalformed() {
    Function<byte[], ?> p = XmlRequests::tagging;
    fails(S3Error.MALFORMED_XML, "no TagSet", p, "<Tagging/>");
    fails(
        S3Error.MALFORMED_XML, "more than one TagSet", p, "<Tagging><TagSet/><TagSet/></Tagging>");
    fails(
        S3Error.MALFORMED_XML,
        "Tag 1 has no Value",
        p,
        "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>");
    fails(
        S3Error.MALFORMED_XML,
        "Tag 2 has no Key",
        p,
        "<Tagging><TagSet><Tag><Key>k</Key><Value/></Tag><Tag><Value>v</Value></Tag></TagSet>"
            + "</Tagging>");
    fails(
        S3Error.MALFORMED_XML,
        "more than one Key",
        p,
        "<Tagging><TagSet><Tag><Key>k</Key><Key>j</Key><Value/></Tag></TagSet></Tagging>");
    fails(S3Error.MALFORMED_XML, "root element must be Tagging, found TagSet", p, "<TagSet/>");
  }

  // ---- x-amz-tagging ----

  @Test
  void taggingHeader() {
    assertEquals(List.of(), XmlRequests.taggingHeader(null));
    assertEquals(List.of(), XmlRequests.taggingHeader(""));
    assertEquals(List.of(), XmlRequests.taggingHeader("&&"));
    assertEquals(
        List.of(new Tag("k1", "v1"), new Tag("k2", "v2")),
        XmlRequests.taggingHeader("k1=v1&k2=v2"));
    assertEquals(
        List.of(new Tag("key", ""), new Tag("k2", ""), new Tag("k3", "a=b")),
        XmlRequests.taggingHeader("key&k2=&&k3=a%3Db"));
    assertEquals(
        List.of(new Tag("my key", "a b+c"), new Tag("é", "\uD835\uDC00/x")),
        XmlRequests.taggingHeader("my+key=a%20b%2Bc&%C3%A9=%F0%9D%90%80%2fx"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "k=%",
        "k=%4",
        "k=%G1",
        "k=%4g",
        "%=v",
        "k=%C3",
        "k=%FF",
        "k=%C3%28",
        "k=%ED%A0%80",
        "k=v&k=w",
        "k&k="
      })
  void taggingHeaderUndecodableOrDuplicate(String header) {
    S3Exception e = assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader(header));
    assertEquals(S3Error.INVALID_ARGUMENT, e.error(), header);
    assertTrue(e.getMessage().contains("x-amz-tagging"));
  }

  @Test
  void taggingHeaderRules() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      sb.append(i == 0 ? "" : "&").append("k").append(i).append("=v");
    }
    assertEquals(10, XmlRequests.taggingHeader(sb.toString()).size());
    S3Exception e = assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader(sb + "&k10=v"));
    assertEquals(S3Error.INVALID_TAG, e.error());
    assertEquals(
        S3Error.INVALID_TAG,
        assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader("=v")).error());
    assertEquals(
        S3Error.INVALID_TAG,
        assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader("k=" + "v".repeat(257)))
            .error());
    assertEquals(
        S3Error.INVALID_TAG,
        assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader("k".repeat(129) + "=v"))
            .error());
    assertEquals(
        S3Error.INVALID_TAG,
        assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader("k=a%2Cb")).error());
    assertEquals(
        S3Error.INVALID_TAG,
        assertThrows(S3Exception.class, () -> XmlRequests.taggingHeader("aws%3Ax=v")).error());
  }
}
