package io.aquifer.deploy.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserStoreTest {
  @TempDir Path data;

  private UserStore open() throws Exception {
    RootCredentials root = RootCredentials.resolve(Map.of(), null, null, data, new SecureRandom());
    return UserStore.open(data, root, new SecureRandom(), Clock.systemUTC());
  }

  @Test
  void rootCredentialsAreGeneratedOnceIntoAnOwnerOnlyFile() throws Exception {
    RootCredentials first = RootCredentials.resolve(Map.of(), null, null, data, new SecureRandom());
    assertEquals("generated", first.source());
    Path f = data.resolve(RootCredentials.FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    RootCredentials again = RootCredentials.resolve(Map.of(), null, null, data, new SecureRandom());
    assertEquals("file", again.source());
    assertEquals(first.accessKey(), again.accessKey());
    assertEquals(first.secretKey(), again.secretKey());
    RootCredentials env =
        RootCredentials.resolve(
            Map.of(RootCredentials.ENV_ACCESS, "ENVKEY", RootCredentials.ENV_SECRET, "envsecret1"),
            null,
            null,
            data,
            new SecureRandom());
    assertEquals("env", env.source());
    assertEquals("ENVKEY", env.accessKey());
    IllegalArgumentException half =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RootCredentials.resolve(
                    Map.of(RootCredentials.ENV_ACCESS, "ENVKEY"),
                    null,
                    null,
                    data,
                    new SecureRandom()));
    assertTrue(half.getMessage().contains(RootCredentials.ENV_SECRET));
  }

  @Test
  void usersPersistWithSecretsSealed() throws Exception {
    UserStore s = open();
    User alice = s.add("alice", null, null);
    User bob = s.add("bob", "BOBKEY123", "bobsecret123");
    assertEquals(List.of("root", "alice", "bob"), s.list().stream().map(User::name).toList());
    assertEquals("bobsecret123", s.secretKey("BOBKEY123").orElseThrow());
    Path f = data.resolve(UserStore.FILE);
    String text = Files.readString(f);
    assertFalse(text.contains(alice.secretKey()), "secret stored in clear");
    assertFalse(text.contains("bobsecret123"), "secret stored in clear");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("node.key"))));

    UserStore reopened = open();
    assertEquals(alice.secretKey(), reopened.secretKey(alice.accessKey()).orElseThrow());
    assertEquals("bob", reopened.byAccessKey("BOBKEY123").orElseThrow().name());
  }

  @Test
  void rotateAndRemoveTakeEffectAtOnce() throws Exception {
    UserStore s = open();
    User a = s.add("alice", null, null);
    User r = s.rotate("alice");
    assertNotEquals(a.accessKey(), r.accessKey());
    assertTrue(s.secretKey(a.accessKey()).isEmpty());
    assertEquals(r.secretKey(), s.secretKey(r.accessKey()).orElseThrow());
    s.remove("alice");
    assertTrue(s.secretKey(r.accessKey()).isEmpty());
    assertTrue(open().byName("alice").isEmpty());
  }

  @Test
  void pfsLooksUpTheSameUsers() throws Exception {
    UserStore s = open();
    User a = s.add("alice", "ALICEKEY01", "alicesecret-01");
    assertEquals(
        new io.aquifer.pfs.PfsAuthenticator.Credential("alice", "alicesecret-01", false),
        s.lookup(a.accessKey()).orElseThrow());
    User root = s.byName(User.ROOT).orElseThrow();
    assertTrue(s.lookup(root.accessKey()).orElseThrow().root());
    assertTrue(s.lookup("NOSUCHKEY").isEmpty());
    User r = s.rotate("alice");
    assertTrue(s.lookup(a.accessKey()).isEmpty());
    assertEquals("alice", s.lookup(r.accessKey()).orElseThrow().user());
  }

  @Test
  void badRequestsAreRefusedWithAReason() throws Exception {
    UserStore s = open();
    s.add("alice", "ALICEKEY1", "alicesecret1");
    assertThrows(IllegalArgumentException.class, () -> s.add("alice", null, null));
    assertThrows(IllegalArgumentException.class, () -> s.add("root", null, null));
    assertThrows(IllegalArgumentException.class, () -> s.add("Bad Name", null, null));
    assertThrows(IllegalArgumentException.class, () -> s.add("carol", "ALICEKEY1", "othersecret1"));
    assertThrows(IllegalArgumentException.class, () -> s.add("carol", "CAROLKEY", null));
    assertThrows(IllegalArgumentException.class, () -> s.add("carol", "CAROLKEY", "short"));
    assertThrows(UserStore.NoSuchUserException.class, () -> s.remove("nobody"));
    assertThrows(IllegalArgumentException.class, () -> s.remove("root"));
    assertThrows(IllegalArgumentException.class, () -> s.rotate("root"));
  }

  @Test
  void anotherNodeKeyCannotOpenTheSecrets() throws Exception {
    open().add("alice", null, null);
    Files.delete(data.resolve("node.key"));
    IllegalStateException e = assertThrows(IllegalStateException.class, this::open);
    assertTrue(e.getMessage().contains("alice"), e.getMessage());
  }

  @Test
  void theDataDirectoryLockIsExclusive() throws Exception {
    try (DataDirLock held = DataDirLock.acquire(data)) {
      assertTrue(Files.exists(data.resolve(DataDirLock.FILE)), held.toString());
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> DataDirLock.acquire(data));
      assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
    }
    DataDirLock.acquire(data).close();
  }
}
