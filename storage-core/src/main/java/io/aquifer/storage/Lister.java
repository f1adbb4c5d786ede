package io.aquifer.storage;

import io.aquifer.kv.KvCursor;
import io.aquifer.kv.KvKeys;
import io.aquifer.kv.KvSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Listing as an ordered scan over one bucket's keys in a snapshot. With a delimiter, a run of keys
 * sharing a common prefix is reported once and skipped with a single seek past the prefix, so
 * listing a directory with millions of descendants costs one seek per child.
 *
 * <p>Keys under {@link ObjectStore#STAGED_KEY_PREFIX} (a mount's files while they stream) are left
 * out with one seek past them, unless the query's prefix is itself under it (the file service's
 * sweep lists them that way). They are contiguous in key order, so pages and tokens stay exact.
 *
 * <p>Continuation tokens are opaque: "K" + the last key, or "P" + the last common prefix (so the
 * next page seeks past the whole prefix), in URL-safe base64.
 */
final class Lister {
  private static final byte[] STAGED =
      ObjectStore.STAGED_KEY_PREFIX.getBytes(StandardCharsets.UTF_8);

  private Lister() {}

  static ListPage list(StoreCore core, KvSnapshot snap, String bucket, long bucketId, ListQuery q) {
    if (q.maxKeys() == 0) {
      return new ListPage(List.of(), List.of(), false, null);
    }
    byte[] base = Names.bucketPrefix(bucketId);
    byte[] prefix = q.prefix().getBytes(StandardCharsets.UTF_8);
    byte[] delim = q.delimiter() == null ? null : q.delimiter().getBytes(StandardCharsets.UTF_8);
    byte[] lower = KvKeys.concat(base, prefix);
    byte[] upper = KvKeys.prefixEnd(lower);
    if (q.startAfter() != null && !q.startAfter().isEmpty()) {
      lower =
          max(lower, after(KvKeys.concat(base, q.startAfter().getBytes(StandardCharsets.UTF_8))));
    }
    if (q.continuationToken() != null) {
      byte[] t = decodeToken(q.continuationToken());
      byte[] rest = Arrays.copyOfRange(t, 1, t.length);
      if (t[0] == 'K') {
        lower = max(lower, after(KvKeys.concat(base, rest)));
      } else {
        byte[] end = KvKeys.prefixEnd(KvKeys.concat(base, rest));
        if (end == null) {
          return new ListPage(List.of(), List.of(), false, null);
        }
        lower = max(lower, end);
      }
    }
    byte[] hiddenLower = null;
    byte[] hiddenUpper = null;
    if (!q.prefix().startsWith(ObjectStore.STAGED_KEY_PREFIX)) {
      hiddenLower = KvKeys.concat(base, STAGED);
      hiddenUpper = KvKeys.prefixEnd(hiddenLower);
    }
    List<ObjectInfo> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    byte[] last = null;
    boolean truncated = false;
    int count = 0;
    try (KvCursor c = snap.scan(core.objects, lower, upper)) {
      while (c.valid()) {
        byte[] full = c.key();
        if (hiddenLower != null
            && KvKeys.compare(full, hiddenLower) >= 0
            && KvKeys.compare(full, hiddenUpper) < 0) {
          c.seek(hiddenUpper);
          continue;
        }
        byte[] key = Arrays.copyOfRange(full, 8, full.length);
        int idx = delim == null ? -1 : indexOf(key, delim, prefix.length);
        if (count == q.maxKeys()) {
          truncated = true;
          break;
        }
        count++;
        if (idx >= 0) {
          byte[] cp = Arrays.copyOf(key, idx + delim.length);
          prefixes.add(new String(cp, StandardCharsets.UTF_8));
          last = KvKeys.concat(new byte[] {'P'}, cp);
          byte[] end = KvKeys.prefixEnd(KvKeys.concat(base, cp));
          if (end == null) {
            break;
          }
          c.seek(end);
          continue;
        }
        objects.add(
            MetaFormat.decodeObject(c.value())
                .info(bucket, new String(key, StandardCharsets.UTF_8)));
        last = KvKeys.concat(new byte[] {'K'}, key);
        c.next();
      }
    }
    String token = truncated ? Base64.getUrlEncoder().withoutPadding().encodeToString(last) : null;
    return new ListPage(objects, prefixes, truncated, token);
  }

  private static byte[] decodeToken(String token) {
    try {
      byte[] t = Base64.getUrlDecoder().decode(token);
      if (t.length < 2 || (t[0] != 'K' && t[0] != 'P')) {
        throw new IllegalArgumentException("bad kind");
      }
      return t;
    } catch (IllegalArgumentException e) {
      throw new StorageException(StatusCode.INVALID_ARGUMENT, "invalid continuation token");
    }
  }

  /** The smallest key after {@code k}. */
  private static byte[] after(byte[] k) {
    return Arrays.copyOf(k, k.length + 1);
  }

  private static byte[] max(byte[] a, byte[] b) {
    return KvKeys.compare(a, b) >= 0 ? a : b;
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
