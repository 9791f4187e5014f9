package org.connectome.stages.align;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.connectome.acquisition.SectionFolder;
import org.connectome.layout.FactsStore;
import org.connectome.layout.QcFigures;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Json;
import org.connectome.spec.Param;
import org.connectome.spec.VoxelSize;
import org.connectome.stages.stitch.OutputFiles;
import org.connectome.stages.stitch.Stats;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * The reference {@code align.solve}: reads every pair of {@code align.pairs} ({@code p<kkkk>.json}
 * and, when present, {@code q<kkkk>.json}), solves all sections' rigid transforms together ({@link
 * RigidStackSolver}), places the aligned frame's origin at the top-left of the union of the
 * transformed montages, writes {@code output/transforms.json} and publishes the aligned volume's
 * size as the {@code volume} fact.
 *
 * <p>Parameters: {@link #PARAMS}.
 */
public final class AlignSolveRunner implements UnitRunner {
  /**
   * The {@code stackPrior} for isotropic stacks (FIB-SEM), where oblique structures bias every pair
   * alike; the default is 0, since a prior this strong already pulls the demo's real per-section
   * offsets (its alignment residual's p95 from 2.0 to 3.2 px).
   */
  public static final double ISOTROPIC_STACK_PRIOR = 0.03;

  /**
   * The {@code stackTrend} for isotropic stacks: the drift of oblique structures varies over tens
   * of sections and more, a section's own offset from one section to the next.
   */
  public static final double ISOTROPIC_STACK_TREND = 5;

  private final TaskDefinition def;
  private final StepLayout layout;
  private final double outlierPx;
  private final double outlierK;
  private final double skipWeight;
  private final double prior;
  private final double trend;

  static final Param<Double> PAIR_OUTLIER_PX =
      Param.number(
          "pairOutlierPx",
          5.0,
          0,
          true,
          1e6,
          "Floor of the threshold above which a pair disagreeing with the solve is dropped, px.");
  static final Param<Double> PAIR_OUTLIER_K =
      Param.number(
          "pairOutlierK",
          4.0,
          0,
          true,
          1000,
          "Pair outlier threshold as a multiple of the pairs' robust sigma.");
  static final Param<Double> SECOND_NEIGHBOUR_WEIGHT =
      Param.number(
          "secondNeighbourWeight",
          1.0,
          0,
          1000,
          "Weight of the pairs of sections k and k+2 beside those of neighbours.");

  static final Param<Double> STACK_PRIOR =
      Param.number(
          "stackPrior",
          0.0,
          0,
          10,
          "Pull of each section towards its montage's frame, which keeps a small registration bias"
              + " from adding up into a drift over the stack (0: off; "
              + ISOTROPIC_STACK_PRIOR
              + " for isotropic stacks).");

  static final Param<Double> STACK_TREND =
      Param.number(
          "stackTrend",
          null,
          0,
          1e6,
          "Sections (sigma of a local linear fit) over which a slow trend of the solved transforms"
              + " is taken as drift and removed, keeping each section's offset against its"
              + " neighbours (0: off; default "
              + ISOTROPIC_STACK_TREND
              + " for isotropic voxels, whose oblique structures bias every pair alike, i.e. a"
              + " section thickness at most 1.5 times the pixel size, else 0).");

  /** Every parameter of {@code align.solve}. */
  public static final List<Param<?>> PARAMS =
      List.of(PAIR_OUTLIER_PX, PAIR_OUTLIER_K, SECOND_NEIGHBOUR_WEIGHT, STACK_PRIOR, STACK_TREND);

  public AlignSolveRunner(TaskDefinition def, StepLayout layout) throws BadDefinitionException {
    this.def = def;
    this.layout = layout;
    try {
      this.outlierPx = PAIR_OUTLIER_PX.read("align.solve", def.params());
      this.outlierK = PAIR_OUTLIER_K.read("align.solve", def.params());
      this.skipWeight = SECOND_NEIGHBOUR_WEIGHT.read("align.solve", def.params());
      this.prior = STACK_PRIOR.read("align.solve", def.params());
      this.trend = trend(STACK_TREND.read("align.solve", def.params()), def.voxelSize());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /**
   * The {@code stackTrend} in force: the one given, else {@link #ISOTROPIC_STACK_TREND} for
   * isotropic voxels and 0 (off) for serial sections, whose slow per-section movements are real
   * (the demo's: 1.1 px median residual with it off, 4.4 px with 5).
   */
  static double trend(Double given, VoxelSize voxelSize) {
    if (given != null) {
      return given;
    }
    return voxelSize != null && voxelSize.isotropic() ? ISOTROPIC_STACK_TREND : 0;
  }

  /** The transforms file of a run. */
  public static Path transformsFile(Path runDir) {
    return runDir
        .resolve("stages")
        .resolve("align")
        .resolve("solve")
        .resolve("output")
        .resolve("transforms.json");
  }

  private int sections() throws UnitException {
    try {
      Optional<JsonNode> f =
          new FactsStore(Path.of(def.runDir()).resolve("facts")).read(FactsStore.SECTIONS);
      if (f.isPresent() && f.get().path("sections").asInt() > 0) {
        return f.get().path("sections").asInt();
      }
      if (def.acquisition() != null) {
        return SectionFolder.list(Path.of(def.acquisition())).size();
      }
    } catch (IOException e) {
      throw new UnitException("cannot count the sections: " + e.getMessage(), true, e);
    }
    throw new UnitException(
        "cannot count the sections: no sections fact and no acquisition", false);
  }

  @Override
  public void run(UnitContext ctx) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    Path runDir = Path.of(def.runDir());
    int n = sections();
    Path pairsDir = runDir.resolve("stages").resolve("align").resolve("pairs").resolve("output");
    List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
    int[][] sizes = new int[n][];
    try {
      for (int z = 0; z < n; z++) {
        SectionMontage m = SectionMontage.read(SectionMontage.dir(runDir, z));
        sizes[z] = new int[] {m.width(), m.height()};
      }
      for (int k = 0; k + 1 < n; k++) {
        Path p = AlignPairsRunner.pairFile(pairsDir, k);
        if (Files.exists(p)) {
          pairs.add(read(p, k, k + 1, 1));
        }
        Path q = AlignPairsRunner.skipFile(pairsDir, k);
        if (k + 2 < n && Files.exists(q) && skipWeight > 0) {
          pairs.add(read(q, k, k + 2, skipWeight));
        }
      }
    } catch (IOException e) {
      throw new UnitException(
          "cannot read the stitched sections or the pairs: " + e.getMessage(), false, e);
    }
    RigidStackSolver.Solution sol;
    try {
      sol = RigidStackSolver.solve(n, pairs, sizes, outlierPx, outlierK, prior).detrended(trend);
    } catch (IllegalArgumentException e) {
      throw new UnitException(
          "cannot align: " + e.getMessage() + " (pairs in " + pairsDir + ")", false, e);
    }
    // aligned frame: the union of the transformed montages, origin at its top-left
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (int z = 0; z < n; z++) {
      for (double[] c :
          new double[][] {
            {0, 0}, {sizes[z][0] - 1, 0}, {0, sizes[z][1] - 1}, {sizes[z][0] - 1, sizes[z][1] - 1}
          }) {
        double[] a = sol.transforms().get(z).apply(c[0], c[1]);
        minX = Math.min(minX, a[0]);
        minY = Math.min(minY, a[1]);
        maxX = Math.max(maxX, a[0]);
        maxY = Math.max(maxY, a[1]);
      }
    }
    double ox = Math.floor(minX);
    double oy = Math.floor(minY);
    long width = (long) Math.floor(maxX - ox) + 1;
    long height = (long) Math.floor(maxY - oy) + 1;
    List<Map<String, Object>> secs = new ArrayList<>();
    for (int z = 0; z < n; z++) {
      Rigid r = sol.transforms().get(z);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("section", z);
      s.put("thetaDeg", Math.round(r.thetaDeg() * 1e6) / 1e6);
      s.put("tx", Stats.r3(r.dx() - ox));
      s.put("ty", Stats.r3(r.dy() - oy));
      s.put("montageWidth", sizes[z][0]);
      s.put("montageHeight", sizes[z][1]);
      secs.add(s);
    }
    List<Double> kept = new ArrayList<>();
    List<Map<String, Object>> pairJson = new ArrayList<>();
    for (int e = 0; e < pairs.size(); e++) {
      RigidStackSolver.PairTransform p = pairs.get(e);
      if (sol.used()[e]) {
        kept.add(sol.residualPx()[e]);
      }
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("fixed", p.fixed());
      j.put("moving", p.moving());
      j.put("used", sol.used()[e]);
      j.put("residualPx", Stats.r3(sol.residualPx()[e]));
      pairJson.add(j);
    }
    double[] kr = kept.stream().mapToDouble(Double::doubleValue).toArray();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sections", secs);
    out.put("width", width);
    out.put("height", height);
    out.put("pairs", pairs.size());
    out.put("used", kr.length);
    out.put("outliers", sol.outliers());
    out.put("residualMedianPx", Stats.r3(Stats.median(kr)));
    out.put("residualMaxPx", Stats.r3(Stats.max(kr)));
    out.put("pairResiduals", pairJson);
    out.put("seconds", Stats.r3((System.nanoTime() - t0) / 1e9));
    try {
      OutputFiles.writeJson(layout.outputDir().resolve("transforms.json"), out);
      new FactsStore(runDir.resolve("facts"))
          .publish(FactsStore.VOLUME, Map.of("x", width, "y", height, "z", n));
      // the figures the run's QC gates may bound (qcGates: {stage: align, figure: ...})
      QcFigures.publish(
          runDir,
          "align",
          "solve",
          ctx.unit(),
          Map.of(
              "residualP95Px",
              kr.length == 0 ? 0.0 : Stats.r3(Stats.quantile(kr, 0.95)),
              "residualMedianPx",
              Stats.r3(Stats.median(kr)),
              "residualMaxPx",
              Stats.r3(Stats.max(kr)),
              "outlierPairs",
              (double) sol.outliers()));
    } catch (IOException e) {
      throw new UnitException("cannot write the transforms: " + e.getMessage(), true, e);
    }
  }

  @Override
  public void close() {}

  private static RigidStackSolver.PairTransform read(Path p, int fixed, int moving, double weight)
      throws IOException {
    JsonNode j = Json.mapper().readTree(p.toFile());
    return new RigidStackSolver.PairTransform(
        fixed,
        moving,
        new Rigid(j.path("thetaDeg").asDouble(), j.path("dx").asDouble(), j.path("dy").asDouble()),
        weight);
  }
}
