package io.aquifer.gateway.xml;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds an S3 XML document in memory: an XML declaration, a root element in the S3 namespace, and
 * nested elements with text. Not thread-safe.
 *
 * <h2>Text escaping</h2>
 *
 * Text is escaped so that an XML 1.0 parser reads back the same string: {@code & < > " '} become
 * {@code &amp; &lt; &gt; &quot; &apos;}, and a carriage return becomes {@code &#13;} (a literal one
 * would be normalized to a line feed by the reader, as the S3 documentation on object keys in XML
 * notes). Tab and line feed are written as they are.
 *
 * <p>Characters that XML 1.0 does not allow at all (C0 controls other than tab, line feed and
 * carriage return; unpaired surrogates; U+FFFE and U+FFFF) are written as U+FFFD, the replacement
 * character. A numeric reference such as {@code &#1;} would be ill-formed XML 1.0 and makes strict
 * parsers (the JDK's, Python's expat, hence the AWS SDK for Java, boto3 and the aws CLI) reject the
 * whole response; replacing keeps the document readable at the cost of fidelity for those
 * characters alone. Clients see such keys exactly only with {@code encoding-type=url}, which is why
 * the aws CLI asks for it; {@link #isXmlText(CharSequence)} tells whether a string survives
 * unchanged.
 *
 * <p>Element names are written as given: they are constants of the gateway, not user input.
 */
public final class XmlWriter {
  /** The S3 API namespace, on the root element of every S3 response but errors. */
  public static final String S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

  private static final String DECLARATION = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  private static final char REPLACEMENT = '\uFFFD';

  private final StringBuilder sb = new StringBuilder(256);
  private String[] open = new String[8];
  private int depth;
  private boolean finished;

  private XmlWriter() {}

  /**
   * A document whose root element is {@code rootElement} in the S3 namespace: {@code <?xml
   * version="1.0" encoding="UTF-8"?><Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/">}.
   */
  public static XmlWriter document(String rootElement) {
    return document(rootElement, S3_NAMESPACE);
  }

  /**
   * A document whose root element has the given default namespace, or none when {@code namespace}
   * is null (as S3 writes its {@code <Error>} documents).
   */
  public static XmlWriter document(String rootElement, String namespace) {
    XmlWriter w = new XmlWriter();
    w.sb.append(DECLARATION).append('<').append(rootElement);
    if (namespace != null) {
      w.sb.append(" xmlns=\"");
      escape(w.sb, namespace);
      w.sb.append('"');
    }
    w.sb.append('>');
    w.push(rootElement);
    return w;
  }

  /** Opens element {@code name}; {@link #end()} closes it. */
  public XmlWriter start(String name) {
    checkOpen();
    sb.append('<').append(name).append('>');
    push(name);
    return this;
  }

  /**
   * Closes the innermost open element.
   *
   * @throws IllegalStateException if only the root is left open, or the document is finished
   */
  public XmlWriter end() {
    checkOpen();
    if (depth == 1) {
      throw new IllegalStateException("end() without start(); the root closes in toBytes()");
    }
    close();
    return this;
  }

  /** Writes {@code <name>text</name>} with {@code text} escaped; writes nothing if it is null. */
  public XmlWriter element(String name, String text) {
    checkOpen();
    if (text != null) {
      sb.append('<').append(name).append('>');
      escape(sb, text);
      sb.append("</").append(name).append('>');
    }
    return this;
  }

  /** Writes {@code <name>value</name>} with {@code value} in decimal. */
  public XmlWriter element(String name, long value) {
    checkOpen();
    sb.append('<').append(name).append('>').append(value).append("</").append(name).append('>');
    return this;
  }

  /** Writes {@code <name>true</name>} or {@code <name>false</name>}. */
  public XmlWriter element(String name, boolean value) {
    checkOpen();
    sb.append('<').append(name).append('>').append(value).append("</").append(name).append('>');
    return this;
  }

  /**
   * Closes every open element, the root included, and returns the document in UTF-8. The writer is
   * finished afterwards: this method returns the same document again, and any other call throws
   * {@link IllegalStateException}.
   */
  public byte[] toBytes() {
    while (depth > 0) {
      close();
    }
    finished = true;
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether every character of {@code s} is allowed in XML 1.0, so that the writer renders it
   * without replacement: no C0 control but tab, line feed and carriage return, no unpaired
   * surrogate, no U+FFFE or U+FFFF.
   */
  public static boolean isXmlText(CharSequence s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20) {
        if (c != '\t' && c != '\n' && c != '\r') {
          return false;
        }
      } else if (c >= 0xD800) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c) || c >= 0xFFFE) {
          return false;
        }
      }
    }
    return true;
  }

  /** Appends {@code s} to {@code sb} escaped as XML text (see the class comment). */
  static void escape(StringBuilder sb, String s) {
    int n = s.length();
    int i = 0;
    // Fast path: find the first character that needs any treatment.
    while (i < n && plain(s.charAt(i))) {
      i++;
    }
    if (i == n) {
      sb.append(s);
      return;
    }
    sb.append(s, 0, i);
    int run = i; // start of the pending run of plain characters
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (plain(c)) {
        continue;
      }
      String rep;
      switch (c) {
        case '&' -> rep = "&amp;";
        case '<' -> rep = "&lt;";
        case '>' -> rep = "&gt;";
        case '"' -> rep = "&quot;";
        case '\'' -> rep = "&apos;";
        case '\r' -> rep = "&#13;";
        case '\t', '\n' -> {
          continue;
        }
        default -> {
          if (Character.isHighSurrogate(c)
              && i + 1 < n
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            i++; // a valid pair: keep both halves
            continue;
          }
          if (c >= 0xD800 && !Character.isSurrogate(c) && c < 0xFFFE) {
            continue; // ordinary BMP character above the surrogates
          }
          rep = null; // control, unpaired surrogate, U+FFFE, U+FFFF
        }
      }
      sb.append(s, run, i);
      if (rep == null) {
        sb.append(REPLACEMENT);
      } else {
        sb.append(rep);
      }
      run = i + 1;
    }
    sb.append(s, run, n);
  }

  /** True for characters written as they are with no further look: printable, not special. */
  private static boolean plain(char c) {
    return c >= 0x20 && c < 0xD800 && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
  }

  private void push(String name) {
    if (depth == open.length) {
      open = Arrays.copyOf(open, depth * 2);
    }
    open[depth++] = name;
  }

  private void close() {
    String name = open[--depth];
    open[depth] = null;
    sb.append("</").append(name).append('>');
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("the document is finished");
    }
  }
}
