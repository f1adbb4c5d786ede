package io.aquifer.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An access key and secret key found as the aws command finds them: flags first, then a named
 * profile ({@code --profile}), then {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, then
 * the profile {@code AWS_PROFILE} names (or {@code default}) in {@code ~/.aws/credentials} ({@code
 * AWS_SHARED_CREDENTIALS_FILE} moves the file).
 *
 * @param accessKey the access key id
 * @param secretKey the secret access key
 * @param source where they came from, for messages (never the secret)
 */
record AwsKeys(String accessKey, String secretKey, String source) {

  /** Keys that cannot be found, or were given by halves; the message is one line. */
  static final class MissingKeys extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MissingKeys(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return "AwsKeys[accessKey=" + accessKey + ", source=" + source + "]";
  }

  /**
   * The keys to use.
   *
   * @param accessKey {@code --access-key}, or null
   * @param secretKey {@code --secret-key}, or null
   * @param profile {@code --profile}, or null
   * @param env the process environment ({@code HOME} locates {@code ~/.aws})
   * @throws MissingKeys when none are found or only half is given
   */
  static AwsKeys resolve(
      String accessKey, String secretKey, String profile, Map<String, String> env) {
    if ((accessKey == null) != (secretKey == null)) {
      throw new MissingKeys("give both --access-key and --secret-key, or neither");
    }
    if (accessKey != null) {
      return new AwsKeys(accessKey, secretKey, "--access-key");
    }
    Path file = credentialsFile(env);
    if (profile != null) {
      return fromProfile(file, profile, true);
    }
    String envKey = env.get("AWS_ACCESS_KEY_ID");
    String envSecret = env.get("AWS_SECRET_ACCESS_KEY");
    if (envKey != null && !envKey.isEmpty() && envSecret != null && !envSecret.isEmpty()) {
      return new AwsKeys(envKey, envSecret, "AWS_ACCESS_KEY_ID");
    }
    String named = env.get("AWS_PROFILE");
    AwsKeys fromFile =
        file == null
            ? null
            : fromProfile(file, named == null || named.isEmpty() ? "default" : named, false);
    if (fromFile != null) {
      return fromFile;
    }
    throw new MissingKeys(
        "no credentials: give --access-key and --secret-key, set AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY, or name a profile of ~/.aws/credentials with --profile");
  }

  private static Path credentialsFile(Map<String, String> env) {
    String f = env.get("AWS_SHARED_CREDENTIALS_FILE");
    if (f != null && !f.isEmpty()) {
      return Path.of(f);
    }
    String home = env.get("HOME");
    return home == null || home.isEmpty() ? null : Path.of(home, ".aws", "credentials");
  }

  /**
   * The keys of {@code profile} in {@code file}; null when absent and not {@code required}.
   *
   * @throws MissingKeys when required and absent, or when the profile lacks a key
   */
  private static AwsKeys fromProfile(Path file, String profile, boolean required) {
    Map<String, Map<String, String>> ini;
    try {
      ini = file == null ? Map.of() : parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      ini = Map.of();
    } catch (IOException e) {
      throw new MissingKeys("cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> p = ini.get(profile);
    if (p == null) {
      if (required) {
        throw new MissingKeys(
            "profile '" + profile + "' is not in " + (file == null ? "~/.aws/credentials" : file));
      }
      return null;
    }
    String ak = p.get("aws_access_key_id");
    String sk = p.get("aws_secret_access_key");
    if (ak == null || sk == null || ak.isEmpty() || sk.isEmpty()) {
      throw new MissingKeys(
          "profile '"
              + profile
              + "' in "
              + file
              + " needs both aws_access_key_id and aws_secret_access_key");
    }
    return new AwsKeys(ak, sk, "profile " + profile);
  }

  /** The sections of an INI file: {@code [name]}, {@code key = value}, {@code #}/{@code ;}. */
  static Map<String, Map<String, String>> parse(List<String> lines) {
    Map<String, Map<String, String>> out = new HashMap<>();
    Map<String, String> section = null;
    for (String raw : lines) {
      String l = raw.strip();
      if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
        continue;
      }
      if (l.startsWith("[") && l.endsWith("]")) {
        String name = l.substring(1, l.length() - 1).strip();
        if (name.startsWith("profile ")) {
          name = name.substring("profile ".length()).strip();
        }
        section = out.computeIfAbsent(name, k -> new HashMap<>());
        continue;
      }
      int eq = l.indexOf('=');
      if (section != null && eq > 0) {
        section.put(
            l.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT),
            l.substring(eq + 1).strip());
      }
    }
    return out;
  }
}
