package org.connectome.stages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.SectionFolder;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.simulator.GroundTruth;
import org.connectome.simulator.SimulatedMicroscope;
import org.connectome.simulator.SimulationParams;
import org.connectome.simulator.SimulationResult;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitRunner;
import org.connectome.tasks.UnitRunnerFactory;
import org.connectome.units.Grouping;

/**
 * A simulated acquisition with a run folder laid out as ingest leaves it (one manifest per section,
 * written from the ground truth's tile list), and helpers to run stage code on it unit by unit.
 */
public final class SimulatedRun {
  public final Path root;
  public final SimulationResult sim;
  public final GroundTruth truth;
  public final Path runDir;
  public final List<SectionFolder> sections;

  private SimulatedRun(Path root, SimulationResult sim, GroundTruth truth, Path runDir)
      throws IOException {
    this.root = root;
    this.sim = sim;
    this.truth = truth;
    this.runDir = runDir;
    this.sections = SectionFolder.list(sim.acquisition());
  }

  private SimulatedRun(Path root, SimulationResult sim) throws IOException {
    this(root, sim, GroundTruth.load(sim.groundTruth()), root.resolve("data/sample/r1"));
  }

  /** Another run folder on the same acquisition, with fresh manifests. */
  public static SimulatedRun withRunDir(SimulatedRun run, Path runDir) throws IOException {
    SimulatedRun r = new SimulatedRun(run.root, run.sim, run.truth, runDir);
    r.writeManifests();
    return r;
  }

  /**
   * Generates {@code preset} (no label volume, no section images) and writes the ingest manifests.
   */
  public static SimulatedRun create(Path root, String preset) throws IOException {
    return create(root, preset, SimulationParams.Faults.NONE);
  }

  /**
   * As {@link #create(Path, String)} with faults; ingest's quarantined tiles are left out of the
   * manifests.
   */
  public static SimulatedRun create(Path root, String preset, SimulationParams.Faults faults)
      throws IOException {
    SimulationParams p =
        SimulationParams.preset(preset).toBuilder()
            .labels(SimulationParams.LabelsFormat.NONE)
            .sectionImages(false)
            .faults(faults)
            .build();
    SimulationResult r = SimulatedMicroscope.generate(root.resolve("microscope"), p);
    SimulatedRun run = new SimulatedRun(root, r);
    run.writeManifests();
    return run;
  }

  /** Generates the acquisition of {@code p} and writes the ingest manifests. */
  public static SimulatedRun create(Path root, SimulationParams p) throws IOException {
    SimulationResult r = SimulatedMicroscope.generate(root.resolve("microscope"), p);
    SimulatedRun run = new SimulatedRun(root, r);
    run.writeManifests();
    return run;
  }

  /**
   * As {@link #create(Path, String)} with the label volume and the noise-free section images in the
   * truth.
   */
  public static SimulatedRun createWithLabels(Path root, String preset) throws IOException {
    SimulationParams p =
        SimulationParams.preset(preset).toBuilder()
            .labels(SimulationParams.LabelsFormat.RAW)
            .sectionImages(true)
            .build();
    SimulationResult r = SimulatedMicroscope.generate(root.resolve("microscope"), p);
    SimulatedRun run = new SimulatedRun(root, r);
    run.writeManifests();
    return run;
  }

  /**
   * The smoke preset with its label volume, stitched, aligned and rendered (256 x 256 blocks) with
   * the reference code: the ground for tests that score a run against the truth in the run's frame.
   */
  public static SimulatedRun alignedSmokeWithLabels(Path root) throws Exception {
    SimulatedRun run = createWithLabels(root, "smoke");
    int n = run.sections.size();
    run.runUnits(
        "stitch", "stitch", n, Map.of(), org.connectome.stages.stitch.StitchUnitRunner::new);
    run.runUnits(
        "align", "pairs", n - 1, Map.of(), org.connectome.stages.align.AlignPairsRunner::new);
    run.runUnits("align", "solve", 1, Map.of(), org.connectome.stages.align.AlignSolveRunner::new);
    com.fasterxml.jackson.databind.JsonNode v =
        org.connectome.pipeline.Json.mapper()
            .readTree(run.runDir.resolve("facts/volume.json").toFile());
    org.connectome.pipeline.Vec3 volume =
        new org.connectome.pipeline.Vec3(
            v.path("x").asLong(), v.path("y").asLong(), v.path("z").asLong());
    org.connectome.stages.render.BlockSteps.runAll(
        org.connectome.stages.render.AlignRenderRunner::create,
        org.connectome.stages.render.BlockSteps.definition(
            run.runDir,
            "align",
            "render",
            volume,
            new org.connectome.pipeline.Vec3(256, 256, volume.z()),
            Map.of("renderBlockSize", List.of(256, 256, (int) volume.z()))));
    return run;
  }

  /** What scorers read for this run. */
  public org.connectome.stages.report.ReportContext reportContext() {
    return new org.connectome.stages.report.ReportContext(
        runDir, sim.acquisition(), sim.groundTruth());
  }

  /** One manifest per section from the ground truth: the tiles ingest keeps (ok and re-imaged). */
  void writeManifests() throws IOException {
    for (SectionFolder f : sections) {
      List<String> lines = new ArrayList<>();
      lines.add("# mfov\tbeam\tpath\tstage_x\tstage_y\twidth\theight\tcrc32c");
      for (GroundTruth.TileTruth t : truth.tiles()) {
        if (t.file().startsWith(f.name() + "/")
            && (t.status().equals("ok") || t.status().equals("reimaged"))) {
          lines.add(
              t.mfov()
                  + "\t"
                  + t.beam()
                  + "\t"
                  + sim.acquisition().resolve(t.file())
                  + "\t"
                  + t.stageX()
                  + "\t"
                  + t.stageY()
                  + "\t"
                  + 0
                  + "\t"
                  + 0
                  + "\t00000000");
        }
      }
      Path m =
          runDir
              .resolve("stages/ingest/ingest/output/sections")
              .resolve(f.name())
              .resolve("manifest.tsv");
      Files.createDirectories(m.getParent());
      Files.write(m, lines);
    }
  }

  public StepLayout step(String stage, String step) {
    return new StepLayout(runDir.resolve("stages").resolve(stage).resolve(step));
  }

  public TaskDefinition definition(
      String stage, String step, long units, Map<String, Object> params) {
    return new TaskDefinition(
        "sample/r1",
        stage,
        step,
        "reference",
        params,
        "h" + stage + step,
        "test",
        new StepPlan(new UnitSpace("unit", units, null, "test"), new Grouping(units, 1, 100)),
        runDir.toString(),
        sim.acquisition().toString(),
        null);
  }

  /** Runs units {@code from..to-1} of a step with a runner from {@code factory}. */
  public void runUnits(
      String stage, String step, long units, Map<String, Object> params, UnitRunnerFactory factory)
      throws Exception {
    TaskDefinition def = definition(stage, step, units, params);
    StepLayout layout = step(stage, step);
    try (UnitRunner r = factory.create(def, layout)) {
      for (long u = 0; u < units; u++) {
        r.run(new UnitContext(def, layout, u, 0, 1));
      }
    }
  }
}
