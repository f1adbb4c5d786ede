package io.aquifer.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aquifer.deploy.config.ConfigLoader;
import io.aquifer.deploy.config.DataSize;
import io.aquifer.deploy.config.NodeConfig;
import io.aquifer.deploy.node.AdminClient;
import io.aquifer.deploy.node.DataDirLock;
import io.aquifer.deploy.node.Node;
import io.aquifer.deploy.node.RootCredentials;
import io.aquifer.storage.ObjectStores;
import io.aquifer.storage.RebuildReport;
import io.aquifer.storage.StorageConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code aquifer admin}: talks to a running node over its admin port, signed with the root
 * credentials; {@code rebuild-index} works offline on a stopped node's data directory.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description = {
      "Inspect and manage a running node over its admin endpoint.",
      "Credentials: AQUIFER_ROOT_ACCESS_KEY/AQUIFER_ROOT_SECRET_KEY, else <data>/root-credentials."
    },
    subcommands = {
      AdminCommand.Info.class,
      AdminCommand.Drives.class,
      AdminCommand.Heal.class,
      AdminCommand.Scrub.class,
      AdminCommand.RebuildIndex.class,
      AdminCommand.UserCmd.class,
      AdminCommand.BucketCmd.class
    })
final class AdminCommand extends GroupCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  final PrintStream out;
  final Map<String, String> env;

  @Option(
      names = "--admin-endpoint",
      paramLabel = "URL",
      description =
          "the node's admin URL (default: from <data>/node.json, else http://127.0.0.1:9001)")
  URI endpoint;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "the node's data directory, for node.json and root-credentials (default ./aquifer-data)")
  Path data;

  AdminCommand(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = env;
  }

  Path dataDir() {
    return data == null ? Path.of("aquifer-data") : data;
  }

  AdminClient client() throws IOException {
    URI url = endpoint;
    if (url == null) {
      Path nodeJson = dataDir().resolve(Node.NODE_JSON);
      if (Files.exists(nodeJson)) {
        url = URI.create("http://" + JSON.readTree(nodeJson.toFile()).path("admin").asText());
      } else if (data != null) {
        throw new IllegalStateException(
            "no node is running on " + data + " (" + nodeJson + " is missing)");
      } else {
        url = URI.create("http://127.0.0.1:9001");
      }
    }
    RootCredentials c = RootCredentials.find(env, null, null, dataDir());
    if (c == null) {
      throw new IllegalStateException(
          "no root credentials: set "
              + RootCredentials.ENV_ACCESS
              + " and "
              + RootCredentials.ENV_SECRET
              + ", or pass --data DIR of the node");
    }
    return new AdminClient(url, c, Clock.systemUTC());
  }

  void print(JsonNode j) throws IOException {
    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(j));
    out.flush();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** An admin call that prints the node's JSON answer, at any depth under {@code admin}. */
  abstract static class Call implements Callable<Integer> {
    /** The {@code admin} command above this one: its endpoint and credentials. */
    abstract AdminCommand admin();

    abstract JsonNode run(AdminClient c) throws IOException;

    @Override
    public Integer call() throws Exception {
      AdminCommand a = admin();
      a.print(run(a.client()));
      return 0;
    }
  }

  /** A call directly under {@code admin}. */
  abstract static class Sub extends Call {
    @ParentCommand AdminCommand admin;

    @Override
    AdminCommand admin() {
      return admin;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      description = "Version, uptime, codec, layout, counts.")
  static final class Info extends Sub {
    @Override
    JsonNode run(AdminClient c) {
      return c.call("GET", "info", null);
    }
  }

  @Command(
      name = "drives",
      mixinStandardHelpOptions = true,
      description = "State, capacity and errors of each drive.")
  static final class Drives implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() throws Exception {
      JsonNode drives = admin.client().call("GET", "drives", null);
      admin.out.printf(
          "%-5s %-8s %8s %12s %12s  %s%n", "DRIVE", "STATE", "ERRORS", "FREE", "TOTAL", "PATH");
      for (JsonNode d : drives) {
        admin.out.printf(
            "%-5d %-8s %8d %12s %12s  %s%s%n",
            d.path("index").asInt(),
            d.path("state").asText(),
            d.path("errors").asLong(),
            size(d.path("freeBytes").asLong()),
            size(d.path("totalBytes").asLong()),
            d.path("path").asText(),
            d.path("reason").asText().isEmpty() ? "" : "  (" + d.path("reason").asText() + ")");
      }
      admin.out.flush();
      return 0;
    }

    private static String size(long b) {
      if (b < 0) {
        return "?";
      }
      return String.format("%.1fGiB", b / (double) (1L << 30));
    }
  }

  @Command(
      name = "heal",
      mixinStandardHelpOptions = true,
      description = "Rewrite missing or corrupt shards, of everything or of bucket[/prefix].")
  static final class Heal extends Sub {
    @Parameters(arity = "0..1", paramLabel = "bucket[/prefix]")
    String target;

    @Override
    JsonNode run(AdminClient c) {
      if (target == null || target.isEmpty()) {
        return c.call("POST", "heal", null);
      }
      int slash = target.indexOf('/');
      String bucket = slash < 0 ? target : target.substring(0, slash);
      String q = "heal?bucket=" + enc(bucket);
      if (slash >= 0) {
        q += "&prefix=" + enc(target.substring(slash + 1));
      }
      return c.call("POST", q, null);
    }
  }

  @Command(
      name = "scrub",
      mixinStandardHelpOptions = true,
      description = "The background scrubber.",
      subcommands = Scrub.Status.class)
  static final class Scrub extends GroupCommand {
    @ParentCommand AdminCommand admin;

    @Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Scrub settings and progress.")
    static final class Status extends Call {
      @ParentCommand Scrub scrub;

      @Override
      AdminCommand admin() {
        return scrub.admin;
      }

      @Override
      JsonNode run(AdminClient c) {
        return c.call("GET", "scrub", null);
      }
    }
  }

  @Command(
      name = "rebuild-index",
      mixinStandardHelpOptions = true,
      description = {
        "Rebuild the metadata index from the drives alone (offline: the node must be stopped).",
        "An existing index is moved aside to <index>.old-<time> when --force is given."
      })
  static final class RebuildIndex implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "the node's config file (for its drives and index)")
    Path config;

    @Option(
        names = "--drive",
        paramLabel = "PATH",
        description = "a drive directory, if not from the config")
    java.util.List<String> drives;

    @Option(names = "--force", description = "move an existing index aside first")
    boolean force;

    @SuppressWarnings("try") // the lock is held by the try block, never used in it
    @Override
    public Integer call() throws Exception {
      NodeConfig c = config == null ? NodeConfig.defaults() : ConfigLoader.load(config);
      if (admin.data != null) {
        c = c.withData(admin.data.toString());
      }
      if (drives != null) {
        c = c.withDrives(drives);
      }
      StorageConfig sc = c.storageConfig();
      try (DataDirLock unused = DataDirLock.acquire(c.dataDir())) {
        Path index = sc.indexDir();
        if (Files.exists(index) && !isEmpty(index)) {
          if (!force) {
            throw new IllegalStateException(
                "the index "
                    + index
                    + " exists; pass --force to move it aside and rebuild it from the drives");
          }
          Path aside =
              index.resolveSibling(
                  index.getFileName() + ".old-" + Instant.now().toString().replace(':', '-'));
          Files.move(index, aside);
          admin.out.println("moved the old index to " + aside);
        }
        RebuildReport r = ObjectStores.rebuildIndex(sc);
        ObjectNode j = JSON.createObjectNode();
        j.put("buckets", r.buckets());
        j.put("objects", r.objects());
        j.put("uploads", r.uploads());
        j.put("discarded", r.discarded());
        admin.print(j);
      }
      return 0;
    }

    private static boolean isEmpty(Path dir) throws IOException {
      try (Stream<Path> s = Files.list(dir)) {
        return s.findAny().isEmpty();
      }
    }
  }

  @Command(
      name = "user",
      mixinStandardHelpOptions = true,
      description = "Users: each owns the buckets it creates.",
      subcommands = {
        UserCmd.Add.class,
        UserCmd.ListUsers.class,
        UserCmd.Remove.class,
        UserCmd.Rotate.class
      })
  static final class UserCmd extends GroupCommand {
    @ParentCommand AdminCommand admin;

    abstract static class UserSub extends Call {
      @ParentCommand UserCmd user;

      @Override
      AdminCommand admin() {
        return user.admin;
      }
    }

    @Command(
        name = "add",
        mixinStandardHelpOptions = true,
        description = "Add a user; keys are generated and printed when not given.")
    static final class Add extends UserSub {
      @Parameters(paramLabel = "NAME")
      String name;

      @Option(names = "--access-key", paramLabel = "K")
      String accessKey;

      @Option(names = "--secret-key", paramLabel = "S")
      String secretKey;

      @Override
      JsonNode run(AdminClient c) {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        if (accessKey != null) {
          body.put("accessKey", accessKey);
        }
        if (secretKey != null) {
          body.put("secretKey", secretKey);
        }
        return c.call("POST", "users", body);
      }
    }

    @Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List users (without secrets).")
    static final class ListUsers extends UserSub {
      @Override
      JsonNode run(AdminClient c) {
        return c.call("GET", "users", null);
      }
    }

    @Command(
        name = "remove",
        mixinStandardHelpOptions = true,
        description = "Remove a user; its keys stop working at once.")
    static final class Remove extends UserSub {
      @Parameters(paramLabel = "NAME")
      String name;

      @Override
      JsonNode run(AdminClient c) {
        return c.call("DELETE", "users/" + enc(name), null);
      }
    }

    @Command(
        name = "rotate",
        mixinStandardHelpOptions = true,
        description = "Give a user new keys; the old ones stop working at once.")
    static final class Rotate extends UserSub {
      @Parameters(paramLabel = "NAME")
      String name;

      @Override
      JsonNode run(AdminClient c) {
        return c.call("POST", "users/" + enc(name) + "/rotate", null);
      }
    }
  }

  @Command(
      name = "bucket",
      mixinStandardHelpOptions = true,
      description = "Bucket settings.",
      subcommands = BucketCmd.Quota.class)
  static final class BucketCmd extends GroupCommand {
    @ParentCommand AdminCommand admin;

    @Command(
        name = "quota",
        mixinStandardHelpOptions = true,
        description = "Bucket quotas (bytes and objects; 0 is no limit).",
        subcommands = {Quota.Set.class, Quota.Get.class})
    static final class Quota extends GroupCommand {
      @ParentCommand BucketCmd bucket;

      @Command(
          name = "set",
          mixinStandardHelpOptions = true,
          description = "Set a bucket's quota; an omitted limit becomes unlimited.")
      static final class Set extends Call {
        @ParentCommand Quota quota;

        @Parameters(paramLabel = "BUCKET")
        String name;

        @Option(
            names = "--max-bytes",
            paramLabel = "SIZE",
            description = "for example 10GiB; 0 for no limit")
        String maxBytes;

        @Option(names = "--max-objects", paramLabel = "N", description = "0 for no limit")
        Long maxObjects;

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        AdminCommand admin() {
          return quota.bucket.admin;
        }

        @Override
        JsonNode run(AdminClient c) {
          long bytes;
          try {
            bytes = maxBytes == null ? 0 : DataSize.parse(maxBytes).bytes();
          } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--max-bytes: " + e.getMessage());
          }
          if (maxObjects != null && maxObjects < 0) {
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--max-objects must not be negative");
          }
          ObjectNode body =
              JSON.createObjectNode()
                  .put("maxBytes", bytes)
                  .put("maxObjects", maxObjects == null ? 0 : maxObjects);
          return c.call("PUT", "buckets/" + enc(name) + "/quota", body);
        }
      }

      @Command(
          name = "get",
          mixinStandardHelpOptions = true,
          description = "A bucket's quota and usage.")
      static final class Get extends Call {
        @ParentCommand Quota quota;

        @Parameters(paramLabel = "BUCKET")
        String name;

        @Override
        AdminCommand admin() {
          return quota.bucket.admin;
        }

        @Override
        JsonNode run(AdminClient c) {
          return c.call("GET", "buckets/" + enc(name) + "/quota", null);
        }
      }
    }
  }
}
