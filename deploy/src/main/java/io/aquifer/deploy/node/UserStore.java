package io.aquifer.deploy.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aquifer.gateway.auth.CredentialStore;
import io.aquifer.gateway.auth.UserDirectory;
import io.aquifer.pfs.PfsAuthenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's users: the root user (from {@link RootCredentials}) and the users added with {@code
 * aquifer admin user add}, kept in {@code <data>/users.json} (mode 0600) with each secret sealed by
 * the node key. Lookups by access key read an immutable snapshot, so the gateway's network threads
 * never block; changes rewrite the file atomically and then publish a new snapshot. The same users
 * authenticate the pfs file service ({@link PfsAuthenticator}).
 */
public final class UserStore implements CredentialStore, UserDirectory, PfsAuthenticator {
  /** The file name under the data directory. */
  public static final String FILE = "users.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final SecretBox box;
  private final SecureRandom random;
  private final Clock clock;
  private final User root;
  private volatile Map<String, User> byAccessKey;
  private volatile Map<String, User> byName;

  private UserStore(Path file, SecretBox box, SecureRandom random, Clock clock, User root) {
    this.file = file;
    this.box = box;
    this.random = random;
    this.clock = clock;
    this.root = root;
  }

  /** Opens the users of the node in {@code dataDir}, creating the node key on first use. */
  public static UserStore open(
      Path dataDir, RootCredentials rootCredentials, SecureRandom random, Clock clock)
      throws IOException {
    SecretBox box = SecretBox.open(dataDir.resolve("node.key"), random);
    User root =
        new User(
            User.ROOT, rootCredentials.accessKey(), rootCredentials.secretKey(), Instant.EPOCH);
    UserStore s = new UserStore(dataDir.resolve(FILE), box, random, clock, root);
    s.publish(s.read());
    return s;
  }

  @Override
  public Optional<String> secretKey(String accessKey) {
    User u = byAccessKey.get(accessKey);
    return u == null ? Optional.empty() : Optional.of(u.secretKey());
  }

  @Override
  public String userOf(String accessKey) {
    User u = byAccessKey.get(accessKey);
    // removed or rotated between authentication and now: a nobody, who owns nothing
    return u == null ? "" : u.name();
  }

  @Override
  public boolean isAdmin(String user) {
    return User.ROOT.equals(user);
  }

  /** The pfs view of the user holding {@code accessKey}: its name, secret and whether root. */
  @Override
  public Optional<Credential> lookup(String accessKey) {
    User u = byAccessKey.get(accessKey);
    return u == null
        ? Optional.empty()
        : Optional.of(new Credential(u.name(), u.secretKey(), u.root()));
  }

  /** The user holding {@code accessKey}. */
  public Optional<User> byAccessKey(String accessKey) {
    return Optional.ofNullable(byAccessKey.get(accessKey));
  }

  /** The user named {@code name}. */
  public Optional<User> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Every user, root first, then by name. */
  public List<User> list() {
    List<User> out = new ArrayList<>(byName.values());
    out.sort(Comparator.comparing((User u) -> !u.root()).thenComparing(User::name));
    return out;
  }

  /**
   * Adds a user; keys are generated when null.
   *
   * @throws IllegalArgumentException when the name or keys are invalid or taken
   */
  public synchronized User add(String name, String accessKey, String secretKey) {
    Keys.checkUserName(name);
    if (byName.containsKey(name)) {
      throw new IllegalArgumentException("user '" + name + "' already exists");
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException("give both --access-key and --secret-key, or neither");
    }
    String ak = accessKey == null ? Keys.accessKey(random) : accessKey;
    String sk = secretKey == null ? Keys.secretKey(random) : secretKey;
    Keys.checkAccessKey(ak);
    Keys.checkSecretKey(sk);
    if (byAccessKey.containsKey(ak)) {
      throw new IllegalArgumentException("access key " + ak + " is already in use");
    }
    User u = new User(name, ak, sk, clock.instant());
    Map<String, User> next = new HashMap<>(byName);
    next.put(name, u);
    save(next);
    return u;
  }

  /** Removes a user; its buckets stay, owned by nobody but root. */
  public synchronized void remove(String name) {
    User u = require(name);
    if (u.root()) {
      throw new IllegalArgumentException("the root user cannot be removed");
    }
    Map<String, User> next = new HashMap<>(byName);
    next.remove(name);
    save(next);
  }

  /** Gives a user a new access key and secret; the old ones stop working at once. */
  public synchronized User rotate(String name) {
    User u = require(name);
    if (u.root()) {
      throw new IllegalArgumentException(
          "the root user's keys come from "
              + RootCredentials.ENV_ACCESS
              + "/"
              + RootCredentials.ENV_SECRET
              + " or <data>/"
              + RootCredentials.FILE
              + "; change them there and restart");
    }
    User r = new User(name, Keys.accessKey(random), Keys.secretKey(random), clock.instant());
    Map<String, User> next = new HashMap<>(byName);
    next.put(name, r);
    save(next);
    return r;
  }

  private User require(String name) {
    User u = byName.get(name);
    if (u == null) {
      throw new NoSuchUserException("no user named '" + name + "'");
    }
    return u;
  }

  /** A user that does not exist. */
  public static final class NoSuchUserException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NoSuchUserException(String message) {
      super(message);
    }
  }

  private Map<String, User> read() throws IOException {
    Map<String, User> users = new HashMap<>();
    users.put(root.name(), root);
    if (!Files.exists(file)) {
      return users;
    }
    JsonNode doc = JSON.readTree(file.toFile());
    if (doc == null || doc.path("version").asInt() != 1 || !doc.path("users").isArray()) {
      throw new IOException(file + " is not an Aquifer users file (version 1)");
    }
    for (JsonNode n : doc.path("users")) {
      String name = n.path("name").asText();
      User u =
          new User(
              name,
              n.path("accessKey").asText(),
              box.open(name, n.path("secret").asText()),
              Instant.parse(n.path("created").asText()));
      if (u.root() || users.containsKey(name)) {
        throw new IOException(file + " lists user '" + name + "' twice or as root");
      }
      users.put(name, u);
    }
    return users;
  }

  private void save(Map<String, User> users) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("version", 1);
    ArrayNode arr = doc.putArray("users");
    users.values().stream()
        .filter(u -> !u.root())
        .sorted(Comparator.comparing(User::name))
        .forEach(
            u ->
                arr.addObject()
                    .put("name", u.name())
                    .put("accessKey", u.accessKey())
                    .put("secret", box.seal(u.name(), u.secretKey()))
                    .put("created", u.created().toString()));
    try {
      Files2.writeAtomically(
          file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    publish(users);
  }

  private void publish(Map<String, User> users) {
    Map<String, User> ak = new HashMap<>();
    for (User u : users.values()) {
      if (ak.put(u.accessKey(), u) != null) {
        throw new IllegalStateException("access key " + u.accessKey() + " is held by two users");
      }
    }
    this.byName = Map.copyOf(users);
    this.byAccessKey = Map.copyOf(ak);
  }
}
