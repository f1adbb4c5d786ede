package io.aquifer.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard: every panel queries a node metric, and every node metric has a panel. */
class GrafanaDashboardTest {
  private static final Path DASHBOARD = Path.of("grafana/aquifer.json");
  private static final Pattern METRIC = Pattern.compile("\\b(?:aquifer|jvm|process)_[a-z0-9_]+");

  /** The metrics the node exports that an operator watches. */
  private static final List<String> EXPECTED =
      List.of(
          "aquifer_s3_requests_total",
          "aquifer_s3_errors_total",
          "aquifer_s3_malformed_requests_total",
          "aquifer_s3_request_seconds_bucket",
          "aquifer_s3_received_bytes_total",
          "aquifer_s3_sent_bytes_total",
          "aquifer_s3_inflight_requests",
          "aquifer_s3_connections",
          "aquifer_ec_encoded_bytes_total",
          "aquifer_ec_decoded_bytes_total",
          "aquifer_storage_degraded_reads_total",
          "aquifer_storage_blocks_rebuilt_total",
          "aquifer_storage_checksum_failures_total",
          "aquifer_storage_heal_queued_objects",
          "aquifer_storage_scrubbed_objects_total",
          "aquifer_drive_online",
          "aquifer_drive_errors_total",
          "aquifer_drive_free_bytes",
          "aquifer_drive_capacity_bytes",
          "aquifer_drive_reads_total",
          "aquifer_drive_read_bytes_total",
          "aquifer_drive_read_busy_seconds_total",
          "aquifer_drive_reads_inflight",
          "aquifer_kv_size_bytes",
          "aquifer_kv_pending_compaction_bytes",
          "aquifer_buffer_pool_used_direct_bytes",
          "aquifer_bucket_bytes",
          "aquifer_bucket_objects",
          "jvm_memory_used_bytes",
          "jvm_gc_pause_seconds_sum",
          "jvm_gc_pause_seconds_count",
          "jvm_threads_live_threads",
          "process_uptime_seconds");

  private static JsonNode dashboard;
  private static List<JsonNode> panels;

  @BeforeAll
  static void read() throws IOException {
    dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    panels = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      panels.add(p);
      p.path("panels").forEach(panels::add); // the panels of a collapsed row
    }
  }

  @Test
  void everyPanelQueriesANodeMetric() {
    List<JsonNode> graphs =
        panels.stream().filter(p -> !p.path("type").asText().equals("row")).toList();
    assertFalse(graphs.isEmpty());
    for (JsonNode p : graphs) {
      String title = p.path("title").asText();
      assertFalse(title.isBlank(), "a panel without a title");
      JsonNode targets = p.path("targets");
      assertTrue(targets.isArray() && !targets.isEmpty(), title + ": no targets");
      for (JsonNode t : targets) {
        String expr = t.path("expr").asText("");
        assertFalse(expr.isBlank(), title + ": empty expr");
        assertTrue(METRIC.matcher(expr).find(), title + ": no node metric in " + expr);
        assertEquals("${DS_PROMETHEUS}", t.path("datasource").path("uid").asText(), title);
        assertTrue(expr.contains("instance=~\"$instance\""), title + ": not filtered: " + expr);
      }
      assertEquals("${DS_PROMETHEUS}", p.path("datasource").path("uid").asText(), title);
    }
  }

  @Test
  void everyNodeMetricHasAPanel() {
    Set<String> used = new HashSet<>();
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        Matcher m = METRIC.matcher(t.path("expr").asText(""));
        while (m.find()) {
          used.add(m.group());
        }
      }
    }
    List<String> missing = EXPECTED.stream().filter(m -> !used.contains(m)).toList();
    assertTrue(missing.isEmpty(), "no panel for " + missing);
  }

  @Test
  void hasTheVariablesAndUniqueIds() {
    assertTrue(dashboard.path("schemaVersion").asInt() >= 39);
    Set<String> vars = new HashSet<>();
    for (JsonNode v : dashboard.path("templating").path("list")) {
      vars.add(v.path("name").asText() + ":" + v.path("type").asText());
    }
    assertTrue(vars.contains("DS_PROMETHEUS:datasource"), vars.toString());
    assertTrue(vars.contains("instance:query"), vars.toString());
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : panels) {
      assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id " + p.path("id"));
    }
  }
}
