package io.aquifer.deploy.node;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Generation and checks of access keys and secrets. */
final class Keys {
  private static final String AK_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String SK_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final Pattern ACCESS_KEY = Pattern.compile("[A-Za-z0-9]{3,128}");
  private static final Pattern SECRET_KEY = Pattern.compile("[\\x21-\\x7e]{8,128}");
  private static final Pattern USER_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private Keys() {}

  static String accessKey(SecureRandom r) {
    return "AQ" + random(r, AK_CHARS, 18);
  }

  static String secretKey(SecureRandom r) {
    return random(r, SK_CHARS, 40);
  }

  private static String random(SecureRandom r, String alphabet, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  static void checkAccessKey(String k) {
    if (k == null || !ACCESS_KEY.matcher(k).matches()) {
      throw new IllegalArgumentException("an access key is 3 to 128 letters and digits");
    }
  }

  static void checkSecretKey(String k) {
    if (k == null || !SECRET_KEY.matcher(k).matches()) {
      throw new IllegalArgumentException(
          "a secret key is 8 to 128 printable ASCII characters without spaces");
    }
  }

  static void checkUserName(String n) {
    if (n == null || !USER_NAME.matcher(n).matches()) {
      throw new IllegalArgumentException(
          "a user name is 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit");
    }
  }
}
