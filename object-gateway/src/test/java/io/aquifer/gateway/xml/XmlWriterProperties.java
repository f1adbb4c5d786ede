package io.aquifer.gateway.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** What {@link XmlWriter} writes, a StAX parser reads back. */
class XmlWriterProperties {
  /**
   * Strings of characters XML can carry, weighted towards the ones that need escaping: markup, tab,
   * carriage return, line feed, the CDATA end, non-ASCII and supplementary characters.
   */
  @Provide
  Arbitrary<String> xmlText() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.of("&", "<", ">", "\"", "'", "\t", "\r", "\n", "\r\n", "]]>", "&amp;", " "),
            Arbitraries.strings().alpha().numeric().ofMaxLength(5),
            Arbitraries.strings().withCharRange('\u00a0', '\u07ff').ofMaxLength(3),
            Arbitraries.strings().withCharRange('\u4e00', '\u4fff').ofMaxLength(3),
            Arbitraries.strings().withCharRange('\ue000', '\ufffd').ofMaxLength(2),
            Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString));
    return piece.list().ofMaxSize(20).map(l -> String.join("", l));
  }

  /** Any UTF-16 strings at all: controls, lone surrogates, U+FFFE, U+FFFF. */
  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(30),
        Arbitraries.strings()
            .withCharRange('\u0000', '\u0020')
            .withCharRange('\ud7f0', '\ue010')
            .withCharRange('\ufff0', '\uffff')
            .ofMaxLength(30));
  }

  @Property(tries = 500)
  void validTextRoundTrips(@ForAll("xmlText") String a, @ForAll("xmlText") String b) {
    byte[] doc =
        XmlWriter.document("Root")
            .element("A", a)
            .start("Nested")
            .element("B", b)
            .end()
            .element("C", a + b)
            .toBytes();
    assertEquals(List.of(a, b, a + b), texts(doc));
  }

  @Property(tries = 500)
  void anyTextGivesWellFormedXmlWithReplacements(@ForAll("anyText") String s) {
    byte[] doc = XmlWriter.document("Root", null).element("K", s).toBytes();
    String expected = replaceInvalid(s);
    assertEquals(List.of(expected), texts(doc));
    assertEquals(expected.equals(s), XmlWriter.isXmlText(s));
  }

  /** The model: every character XML 1.0 forbids becomes U+FFFD, the rest stays. */
  static String replaceInvalid(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          || Character.isSurrogate(c)
          || c == '\uFFFE'
          || c == '\uFFFF') {
        sb.append('\uFFFD');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The text of every leaf element, in document order, read with the JDK's StAX parser. */
  static List<String> texts(byte[] doc) {
    try {
      XMLStreamReader r =
          XMLInputFactory.newDefaultFactory().createXMLStreamReader(new ByteArrayInputStream(doc));
      List<String> out = new ArrayList<>();
      StringBuilder text = null;
      while (r.hasNext()) {
        switch (r.next()) {
          case XMLStreamConstants.START_ELEMENT -> text = new StringBuilder();
          case XMLStreamConstants.CHARACTERS -> {
            if (text != null) {
              text.append(r.getText());
            }
          }
          case XMLStreamConstants.END_ELEMENT -> {
            if (text != null) {
              out.add(text.toString());
            }
            text = null;
          }
          default -> {}
        }
      }
      return out;
    } catch (XMLStreamException e) {
      throw new AssertionError("not well-formed: " + e.getMessage(), e);
    }
  }
}
