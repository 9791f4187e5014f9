package org.connectome.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.connectome.layout.RunLayout;
import org.connectome.layout.SampleFactsResolver;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.Planners;
import org.connectome.pipeline.SampleFacts;
import org.connectome.pipeline.StepConfig;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;

/**
 * An H01-shaped run spec: the sample's geometry, never typed-in unit counts. The real planners size
 * every step from it, as in a real run.
 *
 * <p>H01: about 5,300 sections of about 1 mm x 1 mm at 8 nm pixels (125,000 x 125,000 voxels), 8 x
 * 8 x 33 nm voxels, about 42,000 tiles per section from 61-beam mFoVs (so about 690 mFoVs per
 * section). Block sizes are typical: 1024 x 1024 x 64 voxels for rendered blocks, FFN subvolumes
 * (with 64 x 64 x 8 overlap), synapse blocks (with 32 x 32 x 4 overlap), precomputed chunks and
 * mesh blocks, which gives about 1.26 million blocks per block step; ingest and stitching have one
 * unit per section, alignment one per section pair.
 *
 * <p>A smaller {@code scale} shrinks the sample like a smaller cube of tissue: sections and both xy
 * extents by the cube root of the scale, so block steps (which hold almost all units) scale
 * linearly and section steps by the cube root.
 */
public final class H01Plan {
  public static final long H01_SECTIONS = 5_300;
  public static final long H01_EXTENT_VOXELS = 125_000;
  public static final int H01_MFOVS_PER_SECTION = 690;
  public static final int H01_MESH_SHARDS = 4_096;

  private H01Plan() {}

  /**
   * Grouping and tuning overrides written into the spec's {@code defaults}; nulls keep the built-in
   * defaults.
   */
  public record Overrides(
      Integer unitsPerTask,
      Integer tasksPerShard,
      Integer shardsInFlight,
      Integer parallelism,
      boolean previousGrouping) {
    public static Overrides none() {
      return new Overrides(null, null, null, null, false);
    }
  }

  /**
   * The built-in units per task before bench/ measured them (1 to 8 per step), written into the
   * spec so that the comparison can be rerun: {@code --grouping previous}.
   */
  private static final java.util.Map<String, String> PREVIOUS =
      java.util.Map.of(
          "align", "steps: {pairs: {unitsPerTask: 4}, render: {unitsPerTask: 4}}",
          "segment",
              "steps: {inference: {unitsPerTask: 1}, overlaps: {unitsPerTask: 4}, relabel: {unitsPerTask: 4}}",
          "synapses", "unitsPerTask: 4",
          "compress", "unitsPerTask: 8",
          "mesh", "steps: {blocks: {unitsPerTask: 4}, merge: {unitsPerTask: 1}}");

  private static String prev(Overrides o, String stage) {
    return o.previousGrouping() && PREVIOUS.containsKey(stage) ? ", " + PREVIOUS.get(stage) : "";
  }

  /** The spec's YAML for {@code scale} (1 = H01). */
  public static String yaml(double scale, String run, Path dataRoot, Overrides o) {
    double f = Math.cbrt(scale);
    long sections = Math.max(2, Math.round(H01_SECTIONS * f));
    long extent = Math.max(1024, Math.round(H01_EXTENT_VOXELS * f));
    long mfovs = Math.max(1, Math.round(H01_MFOVS_PER_SECTION * f * f));
    long meshShards = Math.max(16, Math.round(H01_MESH_SHARDS * scale));
    StringBuilder defaults = new StringBuilder();
    append(defaults, "unitsPerTask", o.unitsPerTask());
    append(defaults, "tasksPerShard", o.tasksPerShard());
    append(defaults, "shardsInFlight", o.shardsInFlight());
    append(defaults, "parallelism", o.parallelism());
    String block = "[1024, 1024, 64]";
    return String.format(
        Locale.ROOT,
        """
        # H01-shaped benchmark sample at scale %s: geometry only, the planners size every step
        sample: h01
        run: %s
        description: H01-shaped orchestration benchmark, scale %s
        dataRoot: %s
        voxelSize: {x: 8, y: 8, z: 33}
        volume: {sections: %d, width: %d, height: %d, mfovsPerSection: %d, beams: 61}
        executor: {type: local, local: {launcher: thread, maxConcurrentTasks: 64}}
        %s
        autoResume: {maxResumes: 3, backoff: 1s, maxBackoff: 5s}
        stages:
          - {stage: ingest, implementation: synthetic}
          - {stage: stitch, implementation: synthetic}
          - {stage: align, implementation: synthetic, params: {renderBlockSize: %s}%s}
          - {stage: segment, implementation: synthetic, params: {subvolumeSize: %s, subvolumeOverlap: [64, 64, 8], blockSize: %s}%s}
          - {stage: synapses, implementation: synthetic, params: {blockSize: %s, blockOverlap: [32, 32, 4]}%s}
          - {stage: compress, implementation: synthetic, params: {blockSize: %s}%s}
          - {stage: mesh, implementation: synthetic, params: {blockSize: %s, blockOverlap: [1, 1, 1], mergeShards: %d}%s}
        """,
        label(scale),
        run,
        label(scale),
        dataRoot.toAbsolutePath(),
        sections,
        extent,
        extent,
        mfovs,
        defaults.length() == 0 ? "" : "defaults: {" + defaults + "}",
        block,
        prev(o, "align"),
        block,
        block,
        prev(o, "segment"),
        block,
        prev(o, "synapses"),
        block,
        prev(o, "compress"),
        block,
        meshShards,
        prev(o, "mesh"));
  }

  private static void append(StringBuilder b, String key, Integer v) {
    if (v != null) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(key).append(": ").append(v);
    }
  }

  /** Loads the spec through the real loader (schema and semantic checks). */
  public static RunSpec spec(double scale, String run, Path dataRoot, Overrides o)
      throws Exception {
    String yaml = yaml(scale, run, dataRoot, o);
    return new RunSpecLoader().parse(yaml, "h01-" + label(scale) + ".yaml", dataRoot.getParent());
  }

  /** {@code 1}, {@code 0.1}, {@code 0.01}. */
  public static String label(double scale) {
    String s = String.format(Locale.ROOT, "%.6f", scale).replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** One step as the real planners size it. */
  public record PlannedStep(
      String name,
      String unitKind,
      long units,
      int unitsPerTask,
      int tasksPerShard,
      long tasks,
      long shards,
      String description) {
    public long unitsPerJob() {
      return (long) unitsPerTask * tasksPerShard;
    }
  }

  /**
   * Every step of {@code spec} planned by {@link Planners}, from the facts a first launch would
   * see.
   */
  public static List<PlannedStep> plan(RunSpec spec) throws Exception {
    SampleFacts facts =
        SampleFactsResolver.resolve(spec, RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()));
    List<PlannedStep> out = new ArrayList<>();
    for (StepConfig c : Pipeline.steps(spec)) {
      UnitSpace u = Planners.of(c.stage(), c.step()).plan(c, facts);
      StepPlan p = StepPlan.of(u, c);
      out.add(
          new PlannedStep(
              c.qualifiedName(),
              u.unitKind(),
              u.unitCount(),
              c.unitsPerTask(),
              c.tasksPerShard(),
              p.grouping().taskCount(),
              p.grouping().shardCount(),
              u.description()));
    }
    return out;
  }
}
