package org.connectome.monitoring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Temporal SDK metric names the orchestrator dashboard and the alert rules use, as the SDK
 * really writes them (a demo run shows most of them; the failure counters appear only once
 * something fails, which the probe makes happen).
 */
class TemporalSdkMetricNamesTest {
  @Test
  void theSdkWritesTheNamesTheDashboardsUse() {
    String scrape = TemporalSdkProbe.scrape();
    for (String name :
        List.of(
            "temporal_activity_execution_failed_total{",
            "temporal_workflow_task_execution_failed_total{",
            "temporal_worker_task_slots_available{",
            "temporal_worker_task_slots_used{",
            "temporal_num_pollers{",
            "temporal_activity_schedule_to_start_latency_seconds_bucket{",
            "temporal_workflow_task_schedule_to_start_latency_seconds_bucket{",
            "temporal_activity_execution_latency_seconds_bucket{",
            "temporal_workflow_task_execution_latency_seconds_bucket{",
            "temporal_workflow_completed_total{",
            "temporal_request_failure_total{",
            "temporal_sticky_cache_size{",
            "temporal_workflow_active_thread_count{")) {
      assertTrue(
          scrape.contains("\n" + name),
          name + " is not in the SDK's metrics:\n" + families(scrape));
    }
    // the labels the dashboards group by
    assertTrue(
        scrape.matches(
            "(?s).*temporal_activity_execution_failed_total\\{[^}]*activity_type=\"Work"
                + "\"[^}]*task_queue=\"probe\".*"),
        families(scrape));
    assertTrue(
        scrape.matches(
            "(?s).*temporal_workflow_task_execution_failed_total\\{[^}]*workflow_type="
                + "\"ProbeWorkflow\".*"),
        families(scrape));
    assertTrue(
        scrape.matches(
            "(?s).*temporal_request_failure_total\\{[^}]*operation=\"DescribeWorkflowExecution"
                + "\"[^}]*status_code=\"NOT_FOUND\".*"),
        families(scrape));
  }

  static String families(String scrape) {
    StringBuilder b = new StringBuilder();
    scrape
        .lines()
        .filter(l -> l.startsWith("# TYPE "))
        .forEach(l -> b.append(l.substring(7)).append('\n'));
    return b.toString();
  }
}
