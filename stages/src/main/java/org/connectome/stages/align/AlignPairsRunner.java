package org.connectome.stages.align;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.stages.stitch.OutputFiles;
import org.connectome.stages.stitch.Stats;
import org.connectome.stages.stitch.StepParams;
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
 * <p>Parameters: {@code coarseScale} (8), {@code maxRotationDeg} (3), {@code rotationStepDeg}
 * (0.5), {@code maxShiftPx} (200), {@code patchSize} (128), {@code patchStep} (64), {@code
 * minPatchNcc} (0.2), {@code matchOutlierPx} (2), {@code matchOutlierK} (3), {@code minMatches}
 * (6), {@code secondNeighbours} (true). Patch size and spacing and the coarse downsampling shrink
 * for small montages ({@link MontageRegistration.Params#scaledTo}), so a section of a few hundred
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
  private final Map<Integer, SectionMontage> cache =
      new LinkedHashMap<>(4, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, SectionMontage> e) {
          return size() > 3;
        }
      };

  public AlignPairsRunner(TaskDefinition def, StepLayout layout) throws BadDefinitionException {
    this.def = def;
    this.layout = layout;
    this.params = params(new StepParams(def.params(), "align.pairs"));
    this.secondNeighbours =
        new StepParams(def.params(), "align.pairs").flag("secondNeighbours", true);
    this.sections = def.plan().units().unitCount() + 1;
  }

  static MontageRegistration.Params params(StepParams p) throws BadDefinitionException {
    MontageRegistration.Params d = MontageRegistration.Params.DEFAULT;
    return new MontageRegistration.Params(
        p.integer("coarseScale", d.coarseScale()),
        p.number("maxRotationDeg", d.maxRotationDeg()),
        p.number("rotationStepDeg", d.rotationStepDeg()),
        p.number("maxShiftPx", d.maxShiftPx()),
        p.integer("patchSize", d.patchSize()),
        p.integer("patchStep", d.patchStep()),
        p.number("minPatchNcc", d.minPatchNcc()),
        p.number("matchOutlierPx", d.outlierPx()),
        p.number("matchOutlierK", d.outlierK()),
        p.integer("minMatches", d.minMatches()));
  }

  /** The pair file of unit {@code k}: sections k and k+1. */
  public static Path pairFile(Path output, int k) {
    return output.resolve(String.format("p%04d.json", k));
  }

  /** The second-neighbour pair file of unit {@code k}: sections k and k+2. */
  public static Path skipFile(Path output, int k) {
    return output.resolve(String.format("q%04d.json", k));
  }

  private SectionMontage montage(int z) throws UnitException {
    SectionMontage m = cache.get(z);
    if (m == null) {
      Path dir = SectionMontage.dir(Path.of(def.runDir()), z);
      if (!Files.exists(dir.resolve("montage.json"))) {
        throw new UnitException(
            "section " + z + ": no stitched montage in " + dir + " (did it stitch?)", false);
      }
      try {
        m = SectionMontage.read(dir, true);
      } catch (IOException e) {
        throw new UnitException(
            "section " + z + ": cannot read its montage: " + e.getMessage(), true, e);
      }
      cache.put(z, m);
    }
    return m;
  }

  @Override
  public void run(UnitContext ctx) throws UnitException, InterruptedException {
    int k = (int) ctx.unit();
    Path out = layout.outputDir();
    long t0 = System.nanoTime();
    SectionMontage a = montage(k);
    SectionMontage b = montage(k + 1);
    MontageRegistration.Params scaled =
        params.scaledTo(
            Math.min(
                Math.min(a.image().width(), a.image().height()),
                Math.min(b.image().width(), b.image().height())));
    MontageRegistration.Result r = MontageRegistration.register(a.image(), b.image(), scaled);
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
        SectionMontage c = montage(k + 2);
        MontageRegistration.Result r2 = MontageRegistration.register(a.image(), c.image(), scaled);
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
  public void close() {}

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
