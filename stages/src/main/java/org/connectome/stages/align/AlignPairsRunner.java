package org.connectome.stages.align;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.spec.Param;
import org.connectome.stages.stitch.OutputFiles;
import org.connectome.stages.stitch.Stats;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * The reference {@code align.pairs}: unit {@code k} registers section {@code k+1}'s montage to
 * section {@code k}'s ({@link MontageRegistration}) and writes {@code output/p<kkkk>.json}; with
 * {@code params.secondNeighbours} (true) it also registers section {@code k+2} to {@code k} into
 * {@code output/q<kkkk>.json}, which lets the solve average out registration errors instead of
 * chaining them. A pair with fewer than {@code minMatches} patch matches fails its unit for good.
 *
 * <p>Montages are read by window ({@link MontageFile}): the coarse level band by band, the fine
 * patches one at a time, so a task's memory is set by {@code coarseMaxMpx} and the patch size, not
 * by the sections'.
 *
 * <p>Parameters: {@link #PARAMS}. Patch size and spacing and the coarse downsampling shrink for
 * small montages ({@link MontageRegistration.Params#scaledTo}), so a section of a few hundred
 * pixels still gives enough patch matches.
 */
public final class AlignPairsRunner implements UnitRunner {
  public static final String METHOD =
      "rigid: coarse rotation search with phase correlation, then patch phase"
          + " correlation at full resolution and a robust least-squares fit";

  private final TaskDefinition def;
  private final StepLayout layout;
  private final MontageRegistration.Params params;
  private final boolean secondNeighbours;
  private final long sections;
  private final long coarseMaxPixels;
  private final Map<Integer, MontageFile> open = new LinkedHashMap<>(4, 0.75f, true);

  public AlignPairsRunner(TaskDefinition def, StepLayout layout) throws BadDefinitionException {
    this.def = def;
    this.layout = layout;
    try {
      this.params = params(def.params());
      this.secondNeighbours = SECOND_NEIGHBOURS.read("align.pairs", def.params());
      this.coarseMaxPixels = (long) COARSE_MAX_MPX.read("align.pairs", def.params()) * 1_000_000L;
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
    this.sections = def.plan().units().unitCount() + 1;
  }

  private static final MontageRegistration.Params D = MontageRegistration.Params.DEFAULT;
  static final Param<Integer> COARSE_SCALE =
      Param.integer(
          "coarseScale", D.coarseScale(), 1, 256, "Downscaling of the coarse rotation search.");
  static final Param<Double> MAX_ROTATION =
      Param.number(
          "maxRotationDeg",
          D.maxRotationDeg(),
          0,
          180,
          "Largest rotation between neighbouring sections searched, degrees.");
  static final Param<Double> ROTATION_STEP =
      Param.number(
          "rotationStepDeg",
          D.rotationStepDeg(),
          0,
          true,
          180,
          "Step of the coarse rotation search, degrees.");
  static final Param<Double> MAX_SHIFT =
      Param.number(
          "maxShiftPx",
          D.maxShiftPx(),
          0,
          1e6,
          "Largest shift between neighbouring sections searched, px.");
  static final Param<Integer> PATCH_SIZE =
      Param.integer("patchSize", D.patchSize(), 8, 1 << 16, "Side of a matched patch, px.");
  static final Param<Integer> PATCH_STEP =
      Param.integer("patchStep", D.patchStep(), 1, 1 << 16, "Distance between patches, px.");
  static final Param<Double> MIN_PATCH_NCC =
      Param.number("minPatchNcc", D.minPatchNcc(), -1, 1, "Least NCC of a kept patch match.");
  static final Param<Double> MATCH_OUTLIER_PX =
      Param.number(
          "matchOutlierPx",
          D.outlierPx(),
          0,
          true,
          1e6,
          "Floor of the threshold above which a patch match is an outlier of the rigid fit, px.");
  static final Param<Double> MATCH_OUTLIER_K =
      Param.number(
          "matchOutlierK",
          D.outlierK(),
          0,
          true,
          1000,
          "Outlier threshold as a multiple of the matches' robust sigma.");
  static final Param<Integer> MIN_MATCHES =
      Param.integer(
          "minMatches",
          D.minMatches(),
          1,
          Integer.MAX_VALUE,
          "Fewest kept patch matches of a pair; a pair with fewer fails its unit for good.");
  static final Param<Boolean> SECOND_NEIGHBOURS =
      Param.flag(
          "secondNeighbours",
          true,
          "Also register each section to the one after next, so the solve averages out errors.");

  static final Param<Integer> COARSE_MAX_MPX =
      Param.integer(
          "coarseMaxMpx",
          2,
          1,
          4096,
          "Largest coarse level, megapixels: a larger montage is downsampled further than"
              + " coarseScale for the coarse search, so its memory does not grow with the section.");

  /** Every parameter of {@code align.pairs}. */
  public static final List<Param<?>> PARAMS =
      List.of(
          COARSE_SCALE,
          MAX_ROTATION,
          ROTATION_STEP,
          MAX_SHIFT,
          PATCH_SIZE,
          PATCH_STEP,
          MIN_PATCH_NCC,
          MATCH_OUTLIER_PX,
          MATCH_OUTLIER_K,
          MIN_MATCHES,
          SECOND_NEIGHBOURS,
          COARSE_MAX_MPX);

  static MontageRegistration.Params params(Map<String, Object> p) {
    String step = "align.pairs";
    return new MontageRegistration.Params(
        COARSE_SCALE.read(step, p),
        MAX_ROTATION.read(step, p),
        ROTATION_STEP.read(step, p),
        MAX_SHIFT.read(step, p),
        PATCH_SIZE.read(step, p),
        PATCH_STEP.read(step, p),
        MIN_PATCH_NCC.read(step, p),
        MATCH_OUTLIER_PX.read(step, p),
        MATCH_OUTLIER_K.read(step, p),
        MIN_MATCHES.read(step, p));
  }

  /** The pair file of unit {@code k}: sections k and k+1. */
  public static Path pairFile(Path output, int k) {
    return output.resolve(String.format("p%04d.json", k));
  }

  /** The second-neighbour pair file of unit {@code k}: sections k and k+2. */
  public static Path skipFile(Path output, int k) {
    return output.resolve(String.format("q%04d.json", k));
  }

  private MontageFile montage(int z) throws UnitException {
    MontageFile m = open.get(z);
    if (m == null) {
      Path dir = SectionMontage.dir(Path.of(def.runDir()), z);
      if (!Files.exists(dir.resolve("montage.json"))) {
        throw new UnitException(
            "section " + z + ": no stitched montage in " + dir + " (did it stitch?)",
            false,
            new java.nio.file.NoSuchFileException(dir.resolve("montage.json").toString()));
      }
      try {
        m = MontageFile.open(dir);
      } catch (IOException e) {
        throw new UnitException(
            "section " + z + ": cannot read its montage: " + e.getMessage(), true, e);
      }
      open.put(z, m);
      if (open.size() > 3) {
        var eldest = open.entrySet().iterator();
        closeQuietly(eldest.next().getValue());
        eldest.remove();
      }
    }
    return m;
  }

  private static void closeQuietly(MontageFile m) {
    try {
      m.close();
    } catch (IOException e) {
      // read-only: nothing is lost
    }
  }

  /**
   * The coarse scale for montages of {@code pixels}: at least the parameter's, more when the coarse
   * level would exceed {@code coarseMaxMpx}.
   */
  static int coarseScale(int given, long pixels, long maxPixels) {
    int f = Math.max(1, given);
    while (pixels / ((long) f * f) > maxPixels) {
      f++;
    }
    return f;
  }

  private MontageRegistration.Result register(
      MontageFile a, MontageFile b, MontageRegistration.Params p) throws UnitException {
    try {
      return MontageRegistration.register(a, b, p);
    } catch (IOException e) {
      throw new UnitException("cannot read a montage: " + e.getMessage(), true, e);
    }
  }

  @Override
  public void run(UnitContext ctx) throws UnitException, InterruptedException {
    int k = (int) ctx.unit();
    Path out = layout.outputDir();
    long t0 = System.nanoTime();
    MontageFile a = montage(k);
    MontageFile b = montage(k + 1);
    MontageRegistration.Params s =
        params.scaledTo(Math.min(Math.min(a.width(), a.height()), Math.min(b.width(), b.height())));
    long pixels = Math.max((long) a.width() * a.height(), (long) b.width() * b.height());
    MontageRegistration.Params scaled =
        new MontageRegistration.Params(
            coarseScale(s.coarseScale(), pixels, coarseMaxPixels),
            s.maxRotationDeg(),
            s.rotationStepDeg(),
            s.maxShiftPx(),
            s.patchSize(),
            s.patchStep(),
            s.minPatchNcc(),
            s.outlierPx(),
            s.outlierK(),
            s.minMatches());
    MontageRegistration.Result r = register(a, b, scaled);
    if (r.inliers() < params.minMatches()) {
      throw new UnitException(
          String.format(
              "sections %d and %d do not register: %d of %d patch matches kept (need"
                  + " %d), coarse NCC %.3f",
              k, k + 1, r.inliers(), r.matches().size(), params.minMatches(), r.coarseNcc()),
          false);
    }
    try {
      OutputFiles.writeJson(pairFile(out, k), json(k, k + 1, r, t0));
      Path skip = skipFile(out, k);
      if (secondNeighbours && k + 2 < sections) {
        long t1 = System.nanoTime();
        MontageFile c = montage(k + 2);
        MontageRegistration.Result r2 = register(a, c, scaled);
        if (r2.inliers() >= params.minMatches()) {
          OutputFiles.writeJson(skip, json(k, k + 2, r2, t1));
        } else {
          Files.deleteIfExists(skip);
        }
      } else {
        Files.deleteIfExists(skip);
      }
    } catch (IOException e) {
      throw new UnitException("cannot write " + out + ": " + e.getMessage(), true, e);
    }
  }

  @Override
  public void close() {
    open.values().forEach(AlignPairsRunner::closeQuietly);
    open.clear();
  }

  static Map<String, Object> json(int from, int to, MontageRegistration.Result r, long t0) {
    Map<String, Object> m = new LinkedHashMap<>();
    Rigid t = r.transform();
    m.put("dx", Stats.r3(t.dx()));
    m.put("dy", Stats.r3(t.dy()));
    m.put("thetaDeg", Math.round(t.thetaDeg() * 1e6) / 1e6);
    m.put("score", Stats.r3(r.score()));
    m.put("method", METHOD);
    m.put("fixed", from);
    m.put("moving", to);
    m.put("coarseNcc", Stats.r3(r.coarseNcc()));
    m.put("matches", r.matches().size());
    m.put("inliers", r.inliers());
    m.put("residualRmsPx", Stats.r3(r.residualRmsPx()));
    m.put("residualMaxPx", Stats.r3(r.residualMaxPx()));
    List<Map<String, Object>> mesh = new ArrayList<>();
    for (MontageRegistration.Match x : r.matches()) {
      if (x.inlier()) {
        double[] q = t.apply(x.bx(), x.by());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("x", Stats.r3(x.bx()));
        p.put("y", Stats.r3(x.by()));
        p.put("dx", Stats.r3(x.ax() - q[0]));
        p.put("dy", Stats.r3(x.ay() - q[1]));
        mesh.add(p);
      }
    }
    m.put("mesh", mesh);
    m.put("seconds", Stats.r3((System.nanoTime() - t0) / 1e9));
    return m;
  }
}
