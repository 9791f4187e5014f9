package org.connectome.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The alert rules: promtool's syntax check and unit tests, coverage of the tests, the
 * PrometheusRule copy.
 */
class AlertRulesTest {
  private static final Path ALERTS = Tools.dashboards().resolve("alerts");
  private static final Path RULES = ALERTS.resolve("connectome-alerts.yaml");
  private static final Path TESTS = ALERTS.resolve("connectome-alerts.test.yaml");

  static List<JsonNode> rules() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode g : Yaml.read(RULES).path("groups")) {
      g.path("rules").forEach(out::add);
    }
    return out;
  }

  static Set<String> alertNames() {
    Set<String> names = new LinkedHashSet<>();
    rules().forEach(r -> names.add(r.path("alert").asText()));
    return names;
  }

  @Test
  void promtoolChecksTheRules() {
    Path promtool = Tools.promtool();
    Tools.Result r =
        Tools.run(
            ALERTS, null, 60, List.of(promtool.toString(), "check", "rules", RULES.toString()));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS: " + rules().size() + " rules found"), r.output());
  }

  @Test
  void promtoolUnitTestsOfEveryAlertPass() {
    Path promtool = Tools.promtool();
    Tools.Result r =
        Tools.run(
            ALERTS, null, 120, List.of(promtool.toString(), "test", "rules", TESTS.toString()));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  @Test
  void everyAlertHasAFiringAndAQuietCaseAndSaysWhatAndWhere() {
    Set<String> firing = new LinkedHashSet<>();
    Set<String> quiet = new LinkedHashSet<>();
    JsonNode tests = Yaml.read(TESTS);
    assertEquals(RULES.getFileName().toString(), tests.path("rule_files").get(0).asText());
    for (JsonNode t : tests.path("tests")) {
      for (JsonNode a : t.path("alert_rule_test")) {
        (a.path("exp_alerts").isEmpty() ? quiet : firing).add(a.path("alertname").asText());
      }
    }
    assertEquals(alertNames(), firing, "alerts with a case where they fire");
    assertEquals(alertNames(), quiet, "alerts with a case where they do not fire");
    for (JsonNode r : rules()) {
      String name = r.path("alert").asText();
      assertTrue(name.matches("(Connectome|Temporal)[A-Za-z]+"), name);
      assertTrue(
          r.path("labels").path("severity").asText().matches("warning|critical"),
          name + ": severity");
      String text =
          r.path("annotations").path("summary").asText()
              + r.path("annotations").path("description").asText();
      assertFalse(r.path("annotations").path("summary").asText().isBlank(), name + ": summary");
      assertFalse(
          r.path("annotations").path("description").asText().isBlank(), name + ": description");
      String expr = r.path("expr").asText();
      if (expr.contains(
          "sample")) { // a per-sample rule names the sample, and the stage it is about
        assertTrue(text.contains("$labels.sample"), name + " names the sample");
        assertTrue(
            text.contains("$labels.stage")
                || r.path("labels").has("stage")
                || text.contains("ingest"),
            name + " names the stage");
      }
    }
  }

  @Test
  void thePrometheusRuleInK8sMonitoringHoldsTheSameRules() {
    JsonNode rule = Yaml.read(Tools.repo().resolve("k8s/monitoring/prometheusrule.yaml"));
    assertEquals("monitoring.coreos.com/v1", rule.path("apiVersion").asText());
    assertEquals("PrometheusRule", rule.path("kind").asText());
    assertEquals(
        Yaml.read(RULES),
        rule.path("spec"),
        "spec of k8s/monitoring/prometheusrule.yaml vs "
            + "dashboards/alerts/connectome-alerts.yaml: run python3 dashboards/generate.py");
  }
}
