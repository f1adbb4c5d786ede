package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code aquifer mount} finds its keys, in the aws command's order. */
class AwsKeysTest {
  @TempDir Path home;

  private Map<String, String> withFile() throws Exception {
    Path aws = Files.createDirectories(home.resolve(".aws"));
    Files.writeString(
        aws.resolve("credentials"),
        """
        # a comment
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = default-secret

        [train]
        aws_access_key_id=TRAINKEY
        ; another comment
        aws_secret_access_key=train/secret+x=
        [half]
        aws_access_key_id = HALF
        """);
    return Map.of("HOME", home.toString());
  }

  @Test
  void flagsThenProfileThenEnvironmentThenTheDefaultProfile() throws Exception {
    Map<String, String> file = withFile();
    Map<String, String> both =
        Map.of(
            "HOME",
            home.toString(),
            "AWS_ACCESS_KEY_ID",
            "ENVKEY",
            "AWS_SECRET_ACCESS_KEY",
            "env-s");
    assertEquals(
        new AwsKeys("FLAG", "flag-s", "--access-key"),
        AwsKeys.resolve("FLAG", "flag-s", "train", both));
    assertEquals("TRAINKEY", AwsKeys.resolve(null, null, "train", both).accessKey());
    assertEquals("train/secret+x=", AwsKeys.resolve(null, null, "train", both).secretKey());
    assertEquals("ENVKEY", AwsKeys.resolve(null, null, null, both).accessKey());
    assertEquals(
        new AwsKeys("DEFAULTKEY", "default-secret", "profile default"),
        AwsKeys.resolve(null, null, null, file));
    Map<String, String> named = Map.of("HOME", home.toString(), "AWS_PROFILE", "train");
    assertEquals("TRAINKEY", AwsKeys.resolve(null, null, null, named).accessKey());
  }

  @Test
  void missingOrHalfKeysAreOneClearLine() throws Exception {
    Map<String, String> nothing = Map.of("HOME", home.toString());
    String none =
        assertThrows(AwsKeys.MissingKeys.class, () -> AwsKeys.resolve(null, null, null, nothing))
            .getMessage();
    assertTrue(none.startsWith("no credentials") && none.contains("--profile"), none);
    assertTrue(
        assertThrows(AwsKeys.MissingKeys.class, () -> AwsKeys.resolve("K", null, null, nothing))
            .getMessage()
            .contains("both --access-key and --secret-key"));
    Map<String, String> file = withFile();
    String absent =
        assertThrows(AwsKeys.MissingKeys.class, () -> AwsKeys.resolve(null, null, "nope", file))
            .getMessage();
    assertTrue(absent.contains("profile 'nope' is not in"), absent);
    String half =
        assertThrows(AwsKeys.MissingKeys.class, () -> AwsKeys.resolve(null, null, "half", file))
            .getMessage();
    assertTrue(half.contains("needs both"), half);
    assertTrue(!new AwsKeys("K", "s3cr3t", "x").toString().contains("s3cr3t"));
  }
}
