package io.aquifer.deploy.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/**
 * Where the root user's keys come from: the environment ({@code AQUIFER_ROOT_ACCESS_KEY} and {@code
 * AQUIFER_ROOT_SECRET_KEY}), else the config, else {@code <data>/root-credentials} (mode 0600),
 * which is generated on first start.
 *
 * @param accessKey the access key id
 * @param secretKey the secret key
 * @param source env, config, file or generated
 */
public record RootCredentials(String accessKey, String secretKey, String source) {
  /** The environment variable with the access key. */
  public static final String ENV_ACCESS = "AQUIFER_ROOT_ACCESS_KEY";

  /** The environment variable with the secret key. */
  public static final String ENV_SECRET = "AQUIFER_ROOT_SECRET_KEY";

  /** The file name under the data directory. */
  public static final String FILE = "root-credentials";

  /**
   * Finds the root credentials without creating any.
   *
   * @return null when none are set anywhere
   */
  public static RootCredentials find(
      Map<String, String> env, String configAccess, String configSecret, Path dataDir)
      throws IOException {
    String ak = env.get(ENV_ACCESS);
    String sk = env.get(ENV_SECRET);
    if (ak != null || sk != null) {
      if (ak == null || sk == null) {
        throw new IllegalArgumentException(
            "set both " + ENV_ACCESS + " and " + ENV_SECRET + ", or neither");
      }
      return checked(ak, sk, "env");
    }
    if (configAccess != null) {
      return checked(configAccess, configSecret, "config");
    }
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
      }
      String fa = p.getProperty(ENV_ACCESS);
      String fs = p.getProperty(ENV_SECRET);
      if (fa == null || fs == null) {
        throw new IllegalArgumentException(
            file + " is damaged: it must hold " + ENV_ACCESS + " and " + ENV_SECRET);
      }
      return checked(fa, fs, "file");
    }
    return null;
  }

  /** Finds the root credentials, generating and storing new ones when none are set. */
  public static RootCredentials resolve(
      Map<String, String> env,
      String configAccess,
      String configSecret,
      Path dataDir,
      SecureRandom random)
      throws IOException {
    RootCredentials found = find(env, configAccess, configSecret, dataDir);
    if (found != null) {
      return found;
    }
    RootCredentials c =
        new RootCredentials(Keys.accessKey(random), Keys.secretKey(random), "generated");
    String text =
        "# Aquifer root credentials, generated "
            + Instant.now()
            + ". Keep this file secret.\n"
            + ENV_ACCESS
            + "="
            + c.accessKey
            + "\n"
            + ENV_SECRET
            + "="
            + c.secretKey
            + "\n";
    Files2.writeAtomically(dataDir.resolve(FILE), text.getBytes(StandardCharsets.UTF_8), true);
    return c;
  }

  private static RootCredentials checked(String ak, String sk, String source) {
    Keys.checkAccessKey(ak);
    Keys.checkSecretKey(sk);
    return new RootCredentials(ak, sk, source);
  }

  @Override
  public String toString() {
    return "RootCredentials[" + accessKey + ", source=" + source + "]";
  }
}
