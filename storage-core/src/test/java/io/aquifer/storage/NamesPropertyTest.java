package io.aquifer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;

/** The hand-written IP-address check agrees with the pattern it replaced. */
class NamesPropertyTest {
  @Property(tries = 5000)
  void looksLikeIpv4AsThePatternSays(
      @ForAll @Chars({'0', '1', '9', '.', 'a'}) @StringLength(min = 0, max = 16) String s) {
    assertEquals(s.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), Names.looksLikeIpv4(s), s);
  }

  @Example
  void ipLikeBucketNamesAreRefused() {
    for (String ok : new String[] {"1.2.3", "1.2.3.4.5", "a1.2.3.4", "192.168.1.x"}) {
      Names.checkBucket(ok);
    }
    StorageException e =
        assertThrows(StorageException.class, () -> Names.checkBucket("192.168.10.255"));
    assertEquals(StatusCode.INVALID_BUCKET_NAME, e.status());
  }
}
