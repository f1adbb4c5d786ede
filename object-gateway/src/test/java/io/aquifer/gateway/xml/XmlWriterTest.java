package io.aquifer.gateway.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Exact output of {@link XmlWriter}. */
class XmlWriterTest {
  private static final String DECL = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  private static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";

  static String text(XmlWriter w) {
    return new String(w.toBytes(), StandardCharsets.UTF_8);
  }

  /** The document {@code <R xmlns=S3><E>escaped</E></R>} for {@code s}. */
  static String one(String s) {
    String doc = text(XmlWriter.document("R").element("E", s));
    String prefix = DECL + "<R xmlns=\"" + NS + "\"><E>";
    assertTrue(doc.startsWith(prefix), doc);
    assertTrue(doc.endsWith("</E></R>"), doc);
    return doc.substring(prefix.length(), doc.length() - "</E></R>".length());
  }

  @Test
  void listBucketResultShape() {
    XmlWriter w =
        XmlWriter.document("ListBucketResult")
            .element("Name", "bucket")
            .element("Prefix", "")
            .element("Marker", (String) null)
            .element("MaxKeys", 1000)
            .element("IsTruncated", false)
            .start("Contents")
            .element("Key", "a/b.txt")
            .element("Size", 5L)
            .element("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"")
            .end()
            .start("CommonPrefixes")
            .element("Prefix", "c/");
    assertEquals(
        DECL
            + "<ListBucketResult xmlns=\""
            + NS
            + "\"><Name>bucket</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys>"
            + "<IsTruncated>false</IsTruncated><Contents><Key>a/b.txt</Key><Size>5</Size>"
            + "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag></Contents>"
            + "<CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes></ListBucketResult>",
        text(w));
  }

  @Test
  void errorDocumentWithoutNamespace() {
    XmlWriter w =
        XmlWriter.document("Error", null)
            .element("Code", "NoSuchKey")
            .element("Message", "The specified key does not exist.");
    assertEquals(
        DECL
            + "<Error><Code>NoSuchKey</Code>"
            + "<Message>The specified key does not exist.</Message></Error>",
        text(w));
  }

  @Test
  void longsAndBooleans() {
    assertEquals(
        DECL + "<R xmlns=\"" + NS + "\"><A>-9223372036854775808</A><B>true</B></R>",
        text(XmlWriter.document("R").element("A", Long.MIN_VALUE).element("B", true)));
  }

  @Test
  void escapesMarkup() {
    assertEquals("a&amp;b&lt;c&gt;d&quot;e&apos;f", one("a&b<c>d\"e'f"));
    assertEquals("&amp;&amp;", one("&&"));
    assertEquals("&lt;/E&gt;&lt;Evil&gt;", one("</E><Evil>"));
    assertEquals("]]&gt;", one("]]>"));
  }

  @Test
  void plainTextIsUnchanged() {
    assertEquals("", one(""));
    assertEquals("photos/2024/ä€😀.jpg", one("photos/2024/ä€😀.jpg"));
    assertEquals("tab\tand\nnewline", one("tab\tand\nnewline"));
    assertEquals("\uE000\uFFFD\uFFFC", one("\uE000\uFFFD\uFFFC"));
  }

  @Test
  void carriageReturnIsAReference() {
    assertEquals("a&#13;b&#13;\nc", one("a\rb\r\nc"));
  }

  @Test
  void charactersXmlCannotCarryBecomeReplacementCharacters() {
    assertEquals("a\uFFFDb", one("a\u0000b"));
    assertEquals("\uFFFD\uFFFD", one("\u0001\u001f"));
    assertEquals("\uFFFD", one("\u000b"));
    assertEquals("x\uFFFDy", one("x\uD800y")); // lone high surrogate
    assertEquals("x\uFFFDy", one("x\uDC00y")); // lone low surrogate
    assertEquals("\uFFFD", one("\uD83D")); // high surrogate at the end
    assertEquals("\uFFFD\uD83D\uDE00", one("\uDE00\uD83D\uDE00")); // reversed pair, then a pair
    assertEquals("\uFFFD\uFFFD", one("\uFFFE\uFFFF"));
    assertEquals("a&amp;\uFFFD&lt;", one("a&\u0007<"));
  }

  @Test
  void isXmlText() {
    assertTrue(XmlWriter.isXmlText(""));
    assertTrue(XmlWriter.isXmlText("a&<>\"'\t\r\n ä😀\uFFFD"));
    assertFalse(XmlWriter.isXmlText("a\u0000"));
    assertFalse(XmlWriter.isXmlText("\u001b[0m"));
    assertFalse(XmlWriter.isXmlText("\uD800"));
    assertFalse(XmlWriter.isXmlText("\uDC00\uD800"));
    assertFalse(XmlWriter.isXmlText("\uFFFE"));
    assertFalse(XmlWriter.isXmlText("\uFFFF"));
  }

  @Test
  void toBytesClosesEverythingOpen() {
    XmlWriter w = XmlWriter.document("R").start("A").start("B").element("C", "x");
    assertEquals(DECL + "<R xmlns=\"" + NS + "\"><A><B><C>x</C></B></A></R>", text(w));
  }

  @Test
  void deepNestingGrowsTheStack() {
    XmlWriter w = XmlWriter.document("R");
    for (int i = 0; i < 50; i++) {
      w.start("N");
    }
    for (int i = 0; i < 49; i++) {
      w.end();
    }
    String doc = text(w);
    assertEquals(50, doc.split("<N>", -1).length - 1);
    assertEquals(50, doc.split("</N>", -1).length - 1);
    assertTrue(doc.endsWith("</N></R>"));
  }

  @Test
  void misuseFails() {
    XmlWriter w = XmlWriter.document("R");
    assertThrows(IllegalStateException.class, w::end);
    byte[] first = w.toBytes();
    assertEquals(
        new String(first, StandardCharsets.UTF_8), new String(w.toBytes(), StandardCharsets.UTF_8));
    assertThrows(IllegalStateException.class, () -> w.start("A"));
    assertThrows(IllegalStateException.class, () -> w.element("A", "x"));
    assertThrows(IllegalStateException.class, () -> w.element("A", 1));
    assertThrows(IllegalStateException.class, () -> w.element("A", true));
    assertThrows(IllegalStateException.class, w::end);
  }

  @Test
  void utf8Output() {
    byte[] b = XmlWriter.document("R", null).element("K", "é😀").toBytes();
    String expected = DECL + "<R><K>é😀</K></R>";
    assertEquals(expected, new String(b, StandardCharsets.UTF_8));
    assertEquals(expected.getBytes(StandardCharsets.UTF_8).length, b.length);
  }
}
