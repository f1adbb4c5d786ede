package io.aquifer.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aquifer.storage.DirectIo;
import io.aquifer.storage.StorageConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static NodeConfig parse(String yaml) {
    return ConfigLoader.parse("test.yaml", yaml.getBytes(StandardCharsets.UTF_8));
  }

  private static String error(String yaml) {
    return assertThrows(ConfigLoader.ConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void emptyFileMeansDefaults() {
    NodeConfig c = parse("# nothing set\n");
    assertEquals(NodeConfig.defaults(), c);
    assertEquals("aquifer-data", c.data());
    assertEquals(new HostPort("127.0.0.1", 9000), c.s3().listen());
    assertEquals(new HostPort("127.0.0.1", 9001), c.admin().listen());
    assertEquals(new HostPort("127.0.0.1", 9002), c.pfs().listen());
    assertTrue(c.pfs().enabled());
    assertEquals(10_000, c.pfs().maxRenameEntries());
    assertEquals((2 << 20) - 4096, c.pfs().maxReadBytes());
    StorageConfig sc = c.storageConfig();
    assertEquals(4, sc.drives().size());
    assertEquals(Path.of("aquifer-data", "drives", "drive3"), sc.drives().get(3));
    assertEquals(2, sc.dataShards());
    assertEquals(2, sc.parityShards());
    assertEquals(Path.of("aquifer-data", "index"), sc.indexDir());
    assertTrue(sc.durable());
    assertEquals(DirectIo.AUTO, sc.directIo());
    assertEquals(64L << 20, sc.smallCacheBytes());
  }

  @Test
  void smallCacheSizeMapsToTheStoreSetting() {
    assertEquals(
        8L << 20,
        parse("storage:\n  engine:\n    small-cache-size: 8MiB\n")
            .storageConfig()
            .smallCacheBytes());
    assertEquals(
        0,
        parse("storage:\n  engine:\n    small-cache-size: 0\n").storageConfig().smallCacheBytes());
  }

  @Test
  void directIoMapsToTheStoreSetting() {
    for (String v : new String[] {"auto", "on", "off", "ON", "\"off\""}) {
      NodeConfig c = parse("storage:\n  engine:\n    direct-io: " + v + "\n");
      String want = v.replace("\"", "").toUpperCase(java.util.Locale.ROOT);
      assertEquals(DirectIo.valueOf(want), c.storageConfig().directIo(), v);
    }
    String bad = error("storage:\n  engine:\n    direct-io: sometimes\n");
    assertTrue(bad.contains("storage.engine.direct-io") && bad.contains("sometimes"), bad);
  }

  @Test
  void readsEverySectionWithUnits() {
    NodeConfig c =
        parse(
            """
            data: /srv/aq
            storage:
              drives: [/d0, /d1, /d2, /d3, /d4, /d5]
              index: /srv/aq-index
              data-shards: 4
              parity-shards: 2
              engine:
                block-size: 512KiB
                codec: scalar
                max-inflight: 1GiB
                min-part-size: 8MiB
                scrub-interval: 12h
                scrub-rate: 10MB
            s3:
              listen: 0.0.0.0:0
              region: eu-west-1
              virtual-host-domains: [s3.example.com]
              idle-timeout: 90s
              header-timeout: 5s
              max-header-size: 32KiB
            admin:
              listen: "[::1]:9101"
            pfs:
              enabled: false
              listen: 0.0.0.0:9102
              max-rename-entries: 50
              max-connections: 8
              max-frame-size: 4MiB
              window-size: 32MiB
              max-read-inflight: 128MiB
              drain-timeout: 5s
              md5-etag-max-size: 0
            log:
              format: json
              level: debug
              access-log: true
            """);
    StorageConfig sc = c.storageConfig();
    assertEquals(6, sc.drives().size());
    assertEquals(4, sc.dataShards());
    assertEquals(2, sc.parityShards());
    assertEquals(512 * 1024, sc.blockSize());
    assertEquals(1L << 30, sc.maxInflightBytes());
    assertEquals(8L << 20, sc.minPartSize());
    assertEquals(Duration.ofHours(12), sc.scrubInterval());
    assertEquals(10_000_000L, sc.scrubBytesPerSecond());
    assertEquals(new HostPort("0.0.0.0", 0), c.s3().listen());
    assertEquals(new HostPort("::1", 9101), c.admin().listen());
    assertEquals("eu-west-1", c.gatewayConfig().region());
    assertEquals(32 * 1024, c.gatewayConfig().maxHeaderBytes());
    assertEquals(Duration.ofSeconds(90), c.gatewayConfig().idleTimeout());
    assertTrue(c.log().accessLog());
    assertEquals(
        new NodeConfig.PfsSection(
            false,
            new HostPort("0.0.0.0", 9102),
            50,
            8,
            DataSize.ofMiB(4),
            DataSize.ofMiB(32),
            DataSize.ofMiB(128),
            Duration.ofSeconds(5),
            DataSize.ofBytes(0)),
        c.pfs());
  }

  @Test
  void unknownKeyIsNamedWithItsLine() {
    String m = error("s3:\n  region: us-east-1\n  listn: 1.2.3.4:9000\n");
    assertTrue(m.contains("test.yaml line 3"), m);
    assertTrue(m.contains("unknown key 's3.listn'"), m);
    assertTrue(m.contains("listen"), m); // the known keys are offered
    String top = error("storag:\n  drives: []\n");
    assertTrue(top.contains("line 1") && top.contains("'storag'"), top);
  }

  @Test
  void badValuesNameTheKeyAndTheReason() {
    String size = error("storage:\n  engine:\n    block-size: 12 apples\n");
    assertTrue(size.contains("line 3") && size.contains("storage.engine.block-size"), size);
    assertTrue(size.contains("not a size"), size);
    String dur = error("s3:\n  idle-timeout: soon\n");
    assertTrue(dur.contains("s3.idle-timeout") && dur.contains("not a duration"), dur);
    String listen = error("admin:\n  listen: localhost\n");
    assertTrue(listen.contains("admin.listen") && listen.contains("HOST:PORT"), listen);
    String port = error("s3:\n  listen: 127.0.0.1:70000\n");
    assertTrue(port.contains("s3.listen") && port.contains("70000"), port);
    String codec = error("storage:\n  engine:\n    codec: fastest\n");
    assertTrue(codec.contains("storage.engine.codec") && codec.contains("fastest"), codec);
    String format = error("log:\n  format: xml\n");
    assertTrue(format.contains("log.format"), format);
    String type = error("s3:\n  max-connections: many\n");
    assertTrue(type.contains("s3.max-connections"), type);
    String shards = error("storage:\n  data-shards: 0\n");
    assertTrue(shards.contains("storage.data-shards"), shards);
    String frame = error("pfs:\n  max-frame-size: 1KiB\n");
    assertTrue(frame.contains("pfs.max-frame-size"), frame);
    String window = error("pfs:\n  max-frame-size: 8MiB\n  window-size: 4MiB\n");
    assertTrue(window.contains("pfs.window-size"), window);
    String renames = error("pfs:\n  max-rename-entries: -1\n");
    assertTrue(renames.contains("pfs.max-rename-entries"), renames);
    String tls = error("s3:\n  tls:\n    certificate: /c.pem\n");
    assertTrue(tls.contains("s3.tls") && tls.contains("key"), tls);
  }

  @Test
  void layoutThatDoesNotFitTheDrivesFailsNamingIt() {
    NodeConfig c = parse("storage:\n  drives: [/a, /b]\n  data-shards: 2\n  parity-shards: 2\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::storageConfig);
    assertFalse(e.getMessage().isBlank());
  }

  @Test
  void duplicateKeysAndBrokenYamlAreRejected() {
    String dup = error("data: /a\ndata: /b\n");
    assertTrue(dup.contains("line 2") && dup.contains("data"), dup);
    String broken = error("s3:\n  listen: [unclosed\n");
    assertTrue(broken.startsWith("config test.yaml"), broken);
  }

  @Test
  void missingFileIsAClearError(@TempDir Path dir) {
    String m =
        assertThrows(
                ConfigLoader.ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("nope.yaml")))
            .getMessage();
    assertTrue(m.contains("nope.yaml") && m.contains("does not exist"), m);
  }

  @Test
  void printedConfigMasksTheSecretAndReadsBack(@TempDir Path dir) throws Exception {
    NodeConfig c =
        parse(
            "auth:\n  root-access-key: ROOTKEY\n  root-secret-key: supersecret123\n"
                + "storage:\n  engine:\n    block-size: 2MiB\n");
    String yaml = ConfigLoader.toYaml(c);
    assertFalse(yaml.contains("supersecret123"), yaml);
    assertTrue(yaml.contains("ROOTKEY") && yaml.contains("2MiB") && yaml.contains("24h"), yaml);
    Path f = dir.resolve("printed.yaml");
    Files.writeString(f, yaml);
    NodeConfig back = ConfigLoader.load(f);
    assertEquals(c.storage(), back.storage());
    assertEquals(c.s3(), back.s3());
    assertEquals(c.pfs(), back.pfs());
    assertEquals("********", back.auth().rootSecretKey());
  }

  @Test
  void shippedExampleConfigIsValidAndMatchesTheDefaults() {
    Path example = Path.of("conf", "aquifer.yaml");
    NodeConfig c = ConfigLoader.load(example);
    assertEquals(NodeConfig.defaults().storage(), c.storage());
    assertEquals(NodeConfig.defaults().s3(), c.s3());
    assertEquals(NodeConfig.defaults().admin(), c.admin());
    assertEquals(NodeConfig.defaults().log(), c.log());
    assertEquals(NodeConfig.defaults().pfs(), c.pfs());
    assertEquals(NodeConfig.defaults(), c);
  }

  @Test
  void sizesAndDurationsParseAndPrint() {
    assertEquals(64L << 20, DataSize.parse("64MiB").bytes());
    assertEquals(64L << 20, DataSize.parse("64mib").bytes());
    assertEquals(4096, DataSize.parse("4096").bytes());
    assertEquals(10_000_000_000L, DataSize.parse("10GB").bytes());
    assertEquals("1536KiB", DataSize.ofBytes(1536 * 1024).toString());
    assertEquals("100B", DataSize.ofBytes(100).toString());
    assertThrows(IllegalArgumentException.class, () -> DataSize.parse("-1MiB"));
    assertThrows(IllegalArgumentException.class, () -> DataSize.parse("99999999999PiB"));
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofDays(7), Durations.parse("7d"));
    assertEquals(Duration.ofSeconds(30), Durations.parse("PT30S"));
    assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("2h", Durations.format(Duration.ofHours(2)));
  }
}
