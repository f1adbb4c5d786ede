package io.aquifer.deploy.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts user secrets at rest with AES-256-GCM under the node key ({@code <data>/node.key}, 32
 * random bytes, mode 0600, created on first start). Each value is bound to a label (the user name)
 * so a sealed secret cannot be moved to another user.
 */
final class SecretBox {
  private static final int NONCE = 12;
  private final SecretKeySpec key;
  private final SecureRandom random;

  private SecretBox(byte[] key, SecureRandom random) {
    this.key = new SecretKeySpec(key, "AES");
    this.random = random;
  }

  /** Opens the node key at {@code file}, creating it when absent. */
  static SecretBox open(Path file, SecureRandom random) throws IOException {
    if (!Files.exists(file)) {
      byte[] k = new byte[32];
      random.nextBytes(k);
      Files2.writeAtomically(file, k, true);
    }
    byte[] k = Files.readAllBytes(file);
    if (k.length != 32) {
      throw new IOException(
          "node key " + file + " is damaged: " + k.length + " bytes, 32 expected");
    }
    return new SecretBox(k, random);
  }

  String seal(String label, String secret) {
    try {
      byte[] nonce = new byte[NONCE];
      random.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
      System.arraycopy(ct, 0, out, NONCE, ct.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable", e);
    }
  }

  String open(String label, String sealed) {
    try {
      byte[] in = Base64.getDecoder().decode(sealed);
      if (in.length <= NONCE) {
        throw new IllegalArgumentException("sealed secret too short");
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE));
      c.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "the secret of user '" + label + "' cannot be decrypted with this node key", e);
    }
  }
}
