package io.aquifer.gateway.xml;

import io.aquifer.gateway.S3Error;
import io.aquifer.gateway.S3Exception;
import java.io.ByteArrayInputStream;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A pull cursor over a request body, on the JDK's own StAX parser hardened against entity attacks:
 * DTDs are unsupported and any DOCTYPE fails the request, external entities and external DTD or
 * schema access are off. Elements match by local name, so documents with or without the S3
 * namespace read the same. Every failure, the parser's own included, is an {@link S3Exception} with
 * {@link S3Error#MALFORMED_XML}.
 *
 * <p>Use: {@link #root(String)}, then {@link #nextChild()} / {@link #name()} / {@link #text()} /
 * {@link #skip()} to walk, then {@link #finish()}; the whole walk inside {@link #run}, which maps
 * parser exceptions.
 */
final class XmlReader {
  private final XMLStreamReader r;

  private XmlReader(XMLStreamReader r) {
    this.r = r;
  }

  /** What a walk over a document computes. */
  @FunctionalInterface
  interface Walk<T> {
    T walk(XmlReader reader) throws XMLStreamException;
  }

  /**
   * Parses {@code body} with {@code walk}, rejecting bodies over {@code maxBytes}.
   *
   * @throws S3Exception {@link S3Error#MALFORMED_XML} for an oversized or ill-formed body; and
   *     whatever {@code walk} throws
   */
  static <T> T run(byte[] body, int maxBytes, Walk<T> walk) {
    if (body.length > maxBytes) {
      throw malformed(
          "The XML you provided was larger than the maximum of " + maxBytes + " bytes allowed.");
    }
    if (body.length == 0) {
      throw malformed("The request body is empty; an XML document is required.");
    }
    XMLStreamReader r = null;
    try {
      r = factory().createXMLStreamReader(new ByteArrayInputStream(body));
      return walk.walk(new XmlReader(r));
    } catch (XMLStreamException e) {
      throw malformed(describe(e), e);
    } catch (S3Exception e) {
      throw e;
    } catch (RuntimeException e) {
      // The JDK parser can fail on hostile bytes with unchecked exceptions too (encoding errors,
      // security limits); all of them mean the body is not acceptable XML.
      throw malformed("The XML you provided was not well-formed: " + e.getMessage(), e);
    } finally {
      if (r != null) {
        try {
          r.close();
        } catch (XMLStreamException ignored) {
          // Nothing to release: the input is an in-memory array.
        }
      }
    }
  }

  /**
   * A fresh factory per document: the StAX API does not promise that factories are thread-safe, and
   * creating the JDK's costs microseconds, small next to parsing a request body.
   */
  private static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    f.setXMLResolver(
        (publicId, systemId, baseUri, namespace) -> {
          throw new XMLStreamException("external resources are not allowed: " + systemId);
        });
    return f;
  }

  /**
   * Moves to the root element and checks its local name.
   *
   * @throws S3Exception {@link S3Error#MALFORMED_XML} if the document has a DOCTYPE, no root or
   *     another root
   */
  void root(String expected) throws XMLStreamException {
    while (true) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.START_ELEMENT -> {
          if (!expected.equals(r.getLocalName())) {
            throw malformed(
                "The root element must be " + expected + ", found " + r.getLocalName() + ".");
          }
          return;
        }
        case XMLStreamConstants.DTD -> throw dtd();
        case XMLStreamConstants.END_DOCUMENT ->
            throw malformed("The XML you provided has no " + expected + " element.");
        default -> {
          // Comments, processing instructions, whitespace before the root.
        }
      }
    }
  }

  /**
   * Moves to the next child element of the current element and returns true, or to the current
   * element's end tag and returns false. Text and comments between children are skipped.
   */
  boolean nextChild() throws XMLStreamException {
    while (true) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.START_ELEMENT -> {
          return true;
        }
        case XMLStreamConstants.END_ELEMENT -> {
          return false;
        }
        case XMLStreamConstants.DTD -> throw dtd();
        case XMLStreamConstants.ENTITY_REFERENCE ->
            throw malformed("The XML you provided may not use entity references.");
        case XMLStreamConstants.END_DOCUMENT ->
            throw malformed("The XML you provided ended inside an element.");
        default -> {
          // Character data, whitespace, comments, processing instructions.
        }
      }
    }
  }

  /** The local name of the current element. */
  String name() {
    return r.getLocalName();
  }

  /**
   * The text of the current element, which must have no child elements, leaving the cursor on its
   * end tag.
   */
  String text() throws XMLStreamException {
    String name = r.getLocalName();
    String first = null;
    StringBuilder more = null;
    while (true) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          if (first == null) {
            first = r.getText();
          } else {
            if (more == null) {
              more = new StringBuilder(first);
            }
            more.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
          }
        }
        case XMLStreamConstants.END_ELEMENT -> {
          return more != null ? more.toString() : first != null ? first : "";
        }
        case XMLStreamConstants.START_ELEMENT ->
            throw malformed(
                "The element " + name + " may contain only text, found element " + name() + ".");
        case XMLStreamConstants.DTD -> throw dtd();
        case XMLStreamConstants.ENTITY_REFERENCE ->
            throw malformed("The XML you provided may not use entity references.");
        case XMLStreamConstants.END_DOCUMENT ->
            throw malformed("The XML you provided ended inside an element.");
        default -> {
          // Comments and processing instructions inside the text.
        }
      }
    }
  }

  /** Skips the current element with all it contains, leaving the cursor on its end tag. */
  void skip() throws XMLStreamException {
    int depth = 1;
    while (depth > 0) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.START_ELEMENT -> depth++;
        case XMLStreamConstants.END_ELEMENT -> depth--;
        case XMLStreamConstants.DTD -> throw dtd();
        case XMLStreamConstants.END_DOCUMENT ->
            throw malformed("The XML you provided ended inside an element.");
        default -> {
          // Anything inside an ignored element.
        }
      }
    }
  }

  /** Reads past the root's end tag to the end of the document, which must hold nothing more. */
  void finish() throws XMLStreamException {
    while (r.hasNext()) {
      int ev = r.next();
      if (ev == XMLStreamConstants.START_ELEMENT) {
        throw malformed("The XML you provided has more than one root element.");
      }
    }
  }

  /** An {@link S3Error#MALFORMED_XML} exception with {@code message}. */
  static S3Exception malformed(String message) {
    return new S3Exception(S3Error.MALFORMED_XML, message);
  }

  private static S3Exception malformed(String message, Throwable cause) {
    return new S3Exception(S3Error.MALFORMED_XML, message, cause);
  }

  private static S3Exception dtd() {
    return malformed("The XML you provided may not contain a document type declaration.");
  }

  /** A one-line message from a parser exception: position and the parser's reason. */
  private static String describe(XMLStreamException e) {
    String msg = e.getMessage();
    if (msg != null) {
      int at = msg.indexOf("Message: ");
      if (at >= 0) {
        msg = msg.substring(at + "Message: ".length());
      }
      msg = msg.strip().replace('\n', ' ');
    }
    StringBuilder sb = new StringBuilder("The XML you provided was not well-formed");
    Location loc = e.getLocation();
    if (loc != null && loc.getLineNumber() > 0) {
      sb.append(" at line ")
          .append(loc.getLineNumber())
          .append(", column ")
          .append(loc.getColumnNumber());
    }
    if (msg != null && !msg.isEmpty()) {
      sb.append(": ").append(msg);
    } else {
      sb.append('.');
    }
    return sb.toString();
  }
}
