package org.connectome.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboards as files: Grafana's JSON model, their queries' syntax, and the ways to provision
 * them.
 */
class DashboardFilesTest {
  static final Set<String> EXPORTERS = Set.of("kube-state-metrics", "NVIDIA DCGM exporter");

  /** Values for the template variables, as Grafana fills them in (All: ".*"). */
  static Map<String, String> variables(String sample, String range) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("sample", sample);
    v.put("stage", ".*");
    v.put("job", ".*");
    v.put("task_queue", ".*");
    v.put("namespace", "connectome");
    v.put("DS_PROMETHEUS", "prometheus");
    v.put("__rate_interval", "4s"); // Grafana: 4 x the 1 s scrape interval
    v.put("__interval", "1s");
    v.put("__range", range);
    return v;
  }

  @Test
  void everyDashboardIsAGrafanaDashboardTemplatedOnDataSourceSampleAndStage() {
    List<Dashboards.Dashboard> all = Dashboards.all();
    assertEquals(
        Set.of("connectome-overview", "connectome-run", "connectome-orchestrator"),
        Set.copyOf(all.stream().map(Dashboards.Dashboard::uid).toList()));
    for (Dashboards.Dashboard d : all) {
      JsonNode j = d.json();
      assertTrue(
          j.path("schemaVersion").asInt() >= 36 && j.path("schemaVersion").asInt() <= 41, d.uid());
      assertTrue(d.title().startsWith("Connectome / "), d.title());
      Map<String, JsonNode> vars = d.variables();
      assertEquals("datasource", vars.get("DS_PROMETHEUS").path("type").asText(), d.uid());
      assertEquals("prometheus", vars.get("DS_PROMETHEUS").path("query").asText(), d.uid());
      for (String v : List.of("sample", "stage")) {
        assertNotNull(vars.get(v), d.uid() + " has variable " + v);
        assertEquals(
            "${DS_PROMETHEUS}",
            vars.get(v).path("datasource").path("uid").asText(),
            d.uid() + " " + v);
      }
      Set<Integer> ids = new HashSet<>();
      boolean[][] grid = new boolean[400][24];
      for (JsonNode p : j.path("panels")) {
        assertTrue(
            ids.add(p.path("id").asInt()), d.uid() + ": panel id " + p.path("id") + " twice");
        JsonNode g = p.path("gridPos");
        for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
          for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
            assertTrue(x < 24, d.uid() + ": " + p.path("title") + " is wider than the dashboard");
            assertFalse(grid[y][x], d.uid() + ": " + p.path("title") + " overlaps another panel");
            grid[y][x] = true;
          }
        }
      }
      for (Dashboards.Panel p : d.panels()) {
        assertEquals(
            "${DS_PROMETHEUS}", p.json().path("datasource").path("uid").asText(), p.toString());
        assertFalse(p.targets().isEmpty(), p + " has queries");
        assertFalse(p.description().isBlank(), p + " says what it shows");
        Set<String> refs = new HashSet<>();
        for (JsonNode t : p.json().path("targets")) {
          assertEquals("${DS_PROMETHEUS}", t.path("datasource").path("uid").asText(), p.toString());
          assertTrue(refs.add(t.path("refId").asText()), p + ": refId twice");
          assertFalse(t.path("expr").asText().isBlank(), p.toString());
        }
      }
    }
  }

  @Test
  void optionalPanelsAreMarkedAndAreTheOnlyOnesUsingExternalExporters() {
    int optional = 0;
    for (Dashboards.Dashboard d : Dashboards.all()) {
      for (Dashboards.Panel p : d.panels()) {
        String exporter = p.optionalExporter();
        Set<String> names = new HashSet<>();
        p.targets()
            .forEach(
                t ->
                    names.addAll(
                        PromQl.metricNames(
                            Dashboards.substitute(t.expr(), variables("demo", "1h")))));
        boolean external = names.stream().anyMatch(DashboardFilesTest::external);
        if (exporter != null) {
          optional++;
          assertTrue(EXPORTERS.contains(exporter), p + ": unknown exporter " + exporter);
          assertTrue(
              names.stream().allMatch(DashboardFilesTest::external),
              p + " mixes in platform metrics " + names);
        } else {
          assertFalse(
              external,
              p
                  + " uses an external exporter's metrics "
                  + names
                  + " but is not marked "
                  + "[optional: ...]");
        }
      }
    }
    assertTrue(optional >= 6, "Kubernetes and GPU panels");
  }

  /** Families of kube-state-metrics and NVIDIA's DCGM exporter. */
  static boolean external(String metric) {
    return metric.startsWith("kube_") || metric.startsWith("DCGM_");
  }

  @Test
  void everyPanelQueryIsValidPromQl() throws IOException {
    Path promtool = Tools.promtool();
    // promtool checks the syntax of recording rules: one per panel query
    StringBuilder rules = new StringBuilder("groups:\n  - name: panels\n    rules:\n");
    int n = 0;
    for (Dashboards.Dashboard d : Dashboards.all()) {
      for (Dashboards.Panel p : d.panels()) {
        for (Dashboards.Target t : p.targets()) {
          String expr = Dashboards.substitute(t.expr(), variables("demo", "3600s"));
          assertFalse(expr.contains("$"), p + ": a variable is left in " + expr);
          rules
              .append("      - record: panel:")
              .append(d.uid().replace('-', '_'))
              .append(':')
              .append(p.id())
              .append(':')
              .append(t.refId())
              .append("\n        expr: ")
              .append(Dashboards.JSON.writeValueAsString(expr))
              .append('\n');
          n++;
        }
      }
    }
    Path file = Files.createTempFile("cx-panels-", ".yaml");
    try {
      Files.writeString(file, rules);
      Tools.Result r =
          Tools.run(
              file.getParent(),
              null,
              60,
              List.of(promtool.toString(), "check", "rules", file.toString()));
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains("SUCCESS: " + n + " rules found"), r.output());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void theConfigMapCopiesAndThePrometheusRuleAreUpToDate() throws IOException {
    Path k8s = Tools.repo().resolve("k8s/monitoring");
    JsonNode kustomization = Yaml.read(k8s.resolve("kustomization.yaml"));
    assertEquals(
        "1",
        kustomization.path("generatorOptions").path("labels").path("grafana_dashboard").asText());
    List<String> files = new ArrayList<>();
    kustomization
        .path("configMapGenerator")
        .forEach(g -> g.path("files").forEach(f -> files.add(f.asText())));
    List<String> expected = new ArrayList<>();
    for (Dashboards.Dashboard d : Dashboards.all()) {
      String name = d.file().getFileName().toString();
      expected.add("dashboards/" + name);
      assertEquals(
          Files.readString(d.file()),
          Files.readString(k8s.resolve("dashboards").resolve(name)),
          "k8s/monitoring/dashboards/"
              + name
              + " is a copy of dashboards/"
              + name
              + ": run python3 dashboards/generate.py");
    }
    assertEquals(expected.stream().sorted().toList(), files.stream().sorted().toList());
    Path python = Tools.find("python3");
    Assumptions.assumeTrue(
        python != null, "python3 is not installed: dashboards/generate.py --check skipped");
    Tools.Result r =
        Tools.run(
            Tools.repo(),
            null,
            60,
            List.of(python.toString(), "dashboards/generate.py", "--check"));
    assertEquals(
        0,
        r.exitCode(),
        "the committed dashboards are not what dashboards/generate.py writes:\n" + r.output());
  }

  @Test
  void kustomizeRendersADashboardConfigMapForTheSidecarAndThePrometheusRule() {
    Path kubectl =
        Tools.require("kubectl", "CX_REQUIRE_KUBECTL", "Debian: apt-get install kubectl");
    Tools.Result r =
        Tools.run(
            Tools.repo(), null, 120, List.of(kubectl.toString(), "kustomize", "k8s/monitoring"));
    assertEquals(0, r.exitCode(), r.output());
    Map<String, String> dashboards = new LinkedHashMap<>();
    int rules = 0;
    for (JsonNode doc : Yaml.readAll(r.output())) {
      String kind = doc.path("kind").asText();
      if (kind.equals("ConfigMap")) {
        assertEquals("1", doc.path("metadata").path("labels").path("grafana_dashboard").asText());
        assertEquals(
            "Connectome", doc.path("metadata").path("annotations").path("grafana_folder").asText());
        doc.path("data")
            .properties()
            .forEach(e -> dashboards.put(e.getKey(), e.getValue().asText()));
      } else if (kind.equals("PrometheusRule")) {
        rules++;
        assertEquals(
            Yaml.read(Tools.dashboards().resolve("alerts/connectome-alerts.yaml")),
            doc.path("spec"));
      }
    }
    assertEquals(1, rules);
    for (Dashboards.Dashboard d : Dashboards.all()) {
      String json = dashboards.get(d.file().getFileName().toString());
      assertNotNull(json, d.file().getFileName() + " in a ConfigMap");
      try {
        assertEquals(d.json(), Dashboards.JSON.readTree(json));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void grafanaFileProvisioningExamplesAndTheReadmePicture() throws IOException {
    Path prov = Tools.dashboards().resolve("provisioning");
    JsonNode providers = Yaml.read(prov.resolve("dashboards/connectome.yaml"));
    assertEquals(1, providers.path("apiVersion").asInt());
    assertEquals("file", providers.path("providers").get(0).path("type").asText());
    JsonNode ds = Yaml.read(prov.resolve("datasources/prometheus.yaml"));
    assertEquals("prometheus", ds.path("datasources").get(0).path("type").asText());
    String readme = Files.readString(Tools.dashboards().resolve("README.md"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("!\\[[^]]*]\\(([^)]+\\.png)\\)").matcher(readme);
    assertTrue(m.find(), "dashboards/README.md shows a picture");
    Path png = Tools.dashboards().resolve(m.group(1));
    assertTrue(Files.exists(png) && Files.size(png) > 20_000, png + " exists");
  }
}
