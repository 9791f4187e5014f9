package org.connectome.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark at 1 % of H01 (about 95,000 units planned from the geometry) through the real
 * workflows, with transient task failures: asserts the structural bounds only, never times (the
 * machine is shared).
 */
class OrchestrationBenchTest {
  /**
   * Events a step execution may add after reaching its cap: the shards in flight finish before it
   * rolls over.
   */
  static final int SLACK_PER_SHARD_IN_FLIGHT = 12;

  @TempDir Path dir;

  @Test
  void onePercentOfH01StaysWithinTheStructuralBounds() throws Exception {
    BenchOptions o =
        BenchOptions.parse("--scale", "0.01", "--failure-rate", "0.01", "--out", dir.toString());
    ScaleReport r = run(o);

    assertEquals("DONE", r.state(), r.error());
    assertTrue(
        r.unitsTotal() > 90_000,
        "the planners size about 95,000 units from the geometry: " + r.unitsTotal());
    assertEquals(r.unitsTotal(), r.unitsDone(), "every unit done");
    assertEquals(r.unitsTotal(), r.unitsMarked(), "every unit marked exactly once per step");
    assertFalse(r.failuresByKind().isEmpty(), "typed task failures happened and were retried");
    assertTrue(
        r.workflows().largestEvents() < ScaleBench.EVENT_TARGET,
        "largest history " + r.workflows().largestEvents());
    int cap = org.connectome.workflows.WorkflowTuning.DEFAULT_HISTORY_EVENT_CAP;
    for (ScaleReport.Step s : r.steps()) {
      assertEquals(s.units(), s.unitsDone(), s.name());
      assertTrue(
          s.maxPendingActivities() <= 4, s.name() + ": at most shardsInFlight shards pending");
      if (s.units() >= 10_000) {
        // the block steps, which hold almost all units: Jobs of at least 1,000 units in the default
        // grouping
        assertTrue(
            s.unitsPerJob() >= ScaleBench.UNITS_PER_JOB_TARGET,
            s.name() + ": " + s.unitsPerJob() + " units per Job");
      }
      assertCapRespected(s, cap);
    }
    assertTrue(
        r.actions().activitiesScheduled() < r.unitsTotal() / 100,
        "far fewer activities than units");
    assertTrue(Files.exists(dir.resolve("bench-0.01.json")));
    assertTrue(Files.exists(dir.resolve("bench-0.01.md")));
  }

  @Test
  void stepsWhoseShardsPassTheCapContinueAsNew() throws Exception {
    // a small cap stands in for a step with many shards: the same 1 % plan (block steps of about 8
    // shards, 60 to 70
    // events) must roll over and still finish
    int cap = 30;
    BenchOptions o =
        BenchOptions.parse(
            "--scale", "0.01", "--event-cap", Integer.toString(cap), "--out", dir.toString());
    ScaleReport r = run(o);
    assertEquals("DONE", r.state(), r.error());
    assertEquals(r.unitsTotal(), r.unitsDone());
    int rolled = 0;
    for (ScaleReport.Step s : r.steps()) {
      assertEquals(s.units(), s.unitsDone(), s.name());
      assertCapRespected(s, cap);
      rolled += s.continuedAsNew();
    }
    assertTrue(rolled > 0, "some step continued as new");
    assertEquals(rolled, r.workflows().continuedAsNew());
  }

  @Test
  void theNaiveDesignHasOneActivityAndAtLeastThreeEventsPerUnit() throws Exception {
    BenchOptions o =
        BenchOptions.parse(
            "--naive", "--naive-units", "300", "--naive-window", "100", "--out", dir.toString());
    NaiveBench.NaiveReport r = new NaiveBench(o, quiet()).run();
    NaiveBench.Point p = r.points().get(0);
    assertEquals("DONE", p.state());
    assertEquals(300, p.activitiesScheduled());
    assertTrue(
        p.eventsPerUnit() >= 3, "scheduled, started, completed per unit: " + p.eventsPerUnit());
    assertTrue(p.maxPendingActivities() <= 100);
    assertTrue(p.limitsBroken().isEmpty());
  }

  /**
   * A step's executions stay near the cap, and a step whose events pass it has continued as new.
   */
  private static void assertCapRespected(ScaleReport.Step s, int cap) {
    int slack = 4 * SLACK_PER_SHARD_IN_FLIGHT + 20;
    assertTrue(
        s.largestEvents() <= cap + slack,
        s.name() + ": an execution of " + s.largestEvents() + " events, cap " + cap);
    if (s.events() > cap + slack) {
      assertTrue(
          s.continuedAsNew() > 0,
          s.name() + ": " + s.events() + " events in one step, no continue-as-new");
      assertEquals(s.workflowExecutions() - 1, s.continuedAsNew(), s.name());
    }
  }

  private static ScaleReport run(BenchOptions o) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      ScaleReport r = new ScaleBench(o, ps).run(0.01);
      System.out.print(buf.toString(StandardCharsets.UTF_8));
      return r;
    }
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
