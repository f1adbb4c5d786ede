package io.aquifer.storage;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads, straight from an array, the big-endian values a {@link java.io.DataOutputStream} wrote,
 * and the composite values {@link MetaFormat} writes (strings of any length, maps, data and packed
 * references). The one reader of every index record, shard header and trailer, segment record
 * header, manifest and name record. A record that ends early or holds an impossible length is an
 * {@link IOException}; callers turn it into their own error.
 */
final class RecordReader {
  /** Most bytes of one string or byte array, and most entries of one map. */
  private static final int MAX_LENGTH = 64 << 20;

  private static final int MAX_ENTRIES = 100_000;

  private final byte[] b;
  private final int start;
  private final int end;
  private int pos;

  RecordReader(byte[] b) {
    this(b, 0, b.length);
  }

  /** Reads {@code length} bytes of {@code b} from {@code offset}. */
  RecordReader(byte[] b, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, b.length);
    this.b = b;
    this.start = offset;
    this.end = offset + length;
    this.pos = offset;
  }

  /** Bytes read so far. */
  int position() {
    return pos - start;
  }

  private int need(int n) throws IOException {
    if (n > end - pos) {
      throw new EOFException("truncated record");
    }
    int at = pos;
    pos += n;
    return at;
  }

  int u8() throws IOException {
    return b[need(1)] & 0xff;
  }

  boolean bool() throws IOException {
    return u8() != 0;
  }

  int i32() throws IOException {
    int at = need(4);
    return (b[at] & 0xff) << 24
        | (b[at + 1] & 0xff) << 16
        | (b[at + 2] & 0xff) << 8
        | (b[at + 3] & 0xff);
  }

  long i64() throws IOException {
    return (long) i32() << 32 | (i32() & 0xffffffffL);
  }

  byte[] fixed(int n) throws IOException {
    int at = need(n);
    return Arrays.copyOfRange(b, at, at + n);
  }

  /** {@link DataInputStream#readUTF}: a 2-byte length, then modified UTF-8. */
  String utf() throws IOException {
    int at = need(2);
    int n = (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    int from = need(n);
    for (int i = from; i < from + n; i++) {
      if (b[i] <= 0) {
        // not plain ASCII: the JDK's decoder, for its exact rules and errors
        return new DataInputStream(new ByteArrayInputStream(b, at, n + 2)).readUTF();
      }
    }
    return new String(b, from, n, StandardCharsets.ISO_8859_1);
  }

  /** A byte array of {@link MetaFormat#writeBytes}: a length (-1 for null), then the bytes. */
  byte[] bytes() throws IOException {
    int n = i32();
    if (n == -1) {
      return null;
    }
    return fixed(length(n));
  }

  /** A string of {@link MetaFormat#writeString}: a length, then UTF-8. */
  String string() throws IOException {
    int n = length(i32());
    int at = need(n);
    return new String(b, at, n, StandardCharsets.UTF_8);
  }

  private static int length(int n) throws IOException {
    if (n < 0 || n > MAX_LENGTH) {
      throw new IOException("bad length " + n);
    }
    return n;
  }

  /** A map of {@link MetaFormat#writeMap}, in the order written. */
  Map<String, String> map() throws IOException {
    int n = i32();
    if (n < 0 || n > MAX_ENTRIES) {
      throw new IOException("bad map size " + n);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(string(), string());
    }
    return m;
  }

  /** A data reference of {@link MetaFormat#writeRef}. */
  DataRef ref() throws IOException {
    byte[] id = fixed(16);
    long size = i64();
    int k = u8();
    int m = u8();
    int bs = i32();
    int hl = i32();
    int[] drives = new int[k + m];
    for (int i = 0; i < drives.length; i++) {
      drives[i] = u8();
    }
    return new DataRef(id, size, k, m, bs, hl, drives);
  }

  /** A packed reference of {@link MetaFormat#writePacked}. */
  PackedRef packed() throws IOException {
    byte[] id = fixed(16);
    long size = i64();
    int len = i32();
    int n = u8();
    List<PackedRef.Copy> copies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      copies.add(new PackedRef.Copy(u8(), i64(), i64()));
    }
    return new PackedRef(id, size, len, copies);
  }
}
