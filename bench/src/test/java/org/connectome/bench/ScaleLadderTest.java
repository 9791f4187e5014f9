package org.connectome.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.connectome.files.OutputFile;
import org.connectome.layout.RunLayout;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskReport;
import org.connectome.task.TaskUsage;
import org.connectome.units.Grouping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ladder's report over run folders written with the platform's own writers (step definition,
 * task reports, completion markers), as a run leaves them.
 */
class ScaleLadderTest {
  private static final Instant T0 = Instant.parse("2026-12-07T05:00:00Z");

  @Test
  void unionCountsOverlappingTasksOnce() {
    assertEquals(
        7.0,
        ScaleLadder.unionSeconds(
            List.of(
                new Instant[] {T0, T0.plusSeconds(3)},
                new Instant[] {T0.plusSeconds(1), T0.plusSeconds(4)},
                new Instant[] {T0.plusSeconds(10), T0.plusSeconds(13)})),
        1e-9);
  }

  @Test
  void computeProportionalToVolumeHasExponentOne() {
    assertEquals(
        1.0, ScaleLadder.exponent(List.of(10L, 80L, 270L), List.of(2.0, 16.0, 54.0)), 1e-9);
    assertEquals(1.5, ScaleLadder.exponent(List.of(1L, 4L), List.of(1.0, 8.0)), 1e-9);
    assertTrue(Double.isNaN(ScaleLadder.exponent(List.of(5L), List.of(1.0))));
  }

  @Test
  void readsUnitsComputePeakRssFilesAndOrchestrationFromTheRunFolder(@TempDir Path dir)
      throws Exception {
    RunLayout run = RunLayout.of(dir.toString(), "s", "r");
    StepLayout stitch = run.step("stitch", "stitch");
    define(stitch, "stitch", "stitch", 3);
    // the chain is planned at T0; two tasks overlap from T0+1 to T0+5, the next runs T0+8..T0+10
    Files.setLastModifiedTime(stitch.definitionFile(), FileTime.from(T0));
    report(
        stitch,
        0,
        T0.plusSeconds(1),
        T0.plusSeconds(4),
        new TaskUsage(2.5, 300L << 20, T0.plusMillis(500)));
    report(
        stitch,
        1,
        T0.plusSeconds(2),
        T0.plusSeconds(5),
        new TaskUsage(1.5, 200L << 20, T0.plusMillis(1500)));
    marker(stitch, 0, 2);
    marker(stitch, 1, 1);
    marker(stitch, 2, 1);
    StepLayout mesh = run.step("mesh", "blocks");
    define(mesh, "mesh", "blocks", 1);
    Files.setLastModifiedTime(mesh.definitionFile(), FileTime.from(T0.plusSeconds(6)));
    report(
        mesh,
        0,
        T0.plusSeconds(8),
        T0.plusSeconds(10),
        new TaskUsage(4, 500L << 20, T0.plusSeconds(7)));
    marker(mesh, 0, 5);

    ScaleLadder.Rung r = ScaleLadder.read("1x", run.runDir(), 1000);

    assertEquals(
        List.of("stitch.stitch", "mesh.blocks"),
        r.steps().stream().map(ScaleLadder.StepFigures::step).toList());
    ScaleLadder.StepFigures s = r.steps().get(0);
    assertEquals(3, s.units());
    assertEquals(2, s.tasks());
    assertEquals(4.0, s.wallSeconds(), 1e-9);
    assertEquals(4.0, s.cpuSeconds(), 1e-9);
    assertEquals(300L << 20, s.peakRssBytes());
    assertEquals(4, s.files());
    assertEquals(10.0, r.wallSeconds(), 1e-9);
    assertEquals(6.0, r.busySeconds(), 1e-9);
    // the JVMs started at T0+0.5, T0+1.5 and T0+7: 4.5 s and 3 s of processes
    assertEquals(7.5, r.processSeconds(), 1e-9);
    assertEquals(0.25, r.orchestrationShare(), 1e-9);
    assertEquals(0.4, r.orchestrationAndJvmStartShare(), 1e-9);
    assertEquals(8.0, r.cpuSeconds(), 1e-9);
    assertEquals(500L << 20, r.peakRssBytes());
    assertEquals(9, r.files());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScaleLadder.print(List.of(r, r), new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("| stitch.stitch | 3 | 2 | 4.0 | 4.0 | 250 | 300 MB | 4 |"), text);
    assertTrue(
        text.contains("orchestration 25.0 % of wall (40.0 % with the task JVMs' starts)"), text);
  }

  private static void define(StepLayout layout, String stage, String step, long units)
      throws Exception {
    new TaskDefinition(
            "s/r",
            stage,
            step,
            "reference",
            Map.of(),
            "h",
            "test",
            new StepPlan(new UnitSpace("unit", units, null, "test"), new Grouping(units, 2, 10)),
            layout.runDir().toString(),
            null,
            null)
        .write(layout.definitionFile());
  }

  private static void report(StepLayout layout, long task, Instant from, Instant to, TaskUsage u)
      throws Exception {
    new TaskReport(task, 1, 1, 0, 0, List.of(), from, to, u).write(layout.reportFile(task));
  }

  private static void marker(StepLayout layout, long unit, int files) throws Exception {
    List<OutputFile> outputs =
        java.util.stream.IntStream.range(0, files)
            .mapToObj(i -> new OutputFile("out/" + unit + "-" + i, 1, "0"))
            .toList();
    new MarkerStore(layout.markersDir(), layout.runDir(), false)
        .write(
            new CompletionMarker(
                layout.dir().getFileName().toString(),
                "x",
                unit,
                "h",
                "test",
                1,
                0,
                "host",
                T0,
                T0,
                outputs));
  }
}
