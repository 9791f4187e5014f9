package org.connectome.stages.synapses;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Json;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.SynapseScorer;
import org.connectome.stages.report.truth.TruthVolume;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.units.Grouping;

/**
 * Measures the reference detector on a finished demo run (not a unit test: it needs the demo's
 * data). It builds a scratch run that links the demo run's aligned image, stitching and alignment
 * outputs and holds, as the segmentation, the ground-truth labels mapped into the run's frame
 * ({@link TruthVolume#truthLabels}); runs {@code synapses.detect} over all blocks and prints the
 * synapse score.
 *
 * <p>Usage: {@code DemoSynapses <demo run dir> <ground-truth dir> <scratch dir> [blockXY]
 * [key=value params...]}.
 */
public final class DemoSynapses {
  private DemoSynapses() {}

  public static void main(String[] args) throws Exception {
    Path demo = Path.of(args[0]);
    Path gt = Path.of(args[1]);
    Path run = Path.of(args[2]);
    int block = args.length > 3 ? Integer.parseInt(args[3]) : 512;
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    for (int i = 4; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      params.put(kv[0], kv[1].matches("-?[0-9.]+") ? (Object) Double.valueOf(kv[1]) : kv[1]);
    }
    if (params.containsKey("minVoxels")) {
      params.put("minVoxels", ((Double) params.get("minVoxels")).intValue());
    }
    Files.createDirectories(run.resolve("volumes"));
    Files.createDirectories(run.resolve("stages"));
    for (String link : List.of("volumes/aligned", "facts", "stages/stitch", "stages/align")) {
      Path l = run.resolve(link);
      if (!Files.exists(l)) {
        Files.createSymbolicLink(l, demo.resolve(link).toAbsolutePath());
      }
    }
    ReportContext ctx = new ReportContext(run, null, gt);
    TruthVolume tv = TruthVolume.load(ctx).orElseThrow();
    long t0 = System.nanoTime();
    Path segDir = RunVolumes.segmentation(run);
    if (!Files.exists(segDir.resolve("info"))) {
      long[] size = {tv.width(), tv.height(), tv.depth()};
      PrecomputedVolume seg =
          PrecomputedVolume.create(
              segDir,
              VolumeInfo.of(
                  VolumeInfo.SEGMENTATION,
                  DataType.UINT32,
                  1,
                  List.of(
                      VolumeInfo.Scale.of(
                          size,
                          new double[] {8, 8, 33},
                          new int[] {tv.width(), tv.height(), 1},
                          Encoding.RAW,
                          null))));
      for (int z = 0; z < tv.depth(); z++) {
        int[] t = tv.truthLabels(z);
        LabelVolume l = new LabelVolume(tv.width(), tv.height(), 1);
        for (int i = 0; i < t.length; i++) {
          l.data()[i] = t[i];
        }
        seg.writeLabels(0, new Box(new Vec3(0, 0, z), new Vec3(tv.width(), tv.height(), z + 1)), l);
      }
      System.out.printf("segmentation from truth labels: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
    Vec3 volume = new Vec3(tv.width(), tv.height(), tv.depth());
    BlockGrid grid = new BlockGrid(volume, new Vec3(block, block, 16), new Vec3(16, 16, 4));
    UnitSpace units = new UnitSpace("block", grid.blockCount(), grid, "demo");
    TaskDefinition def =
        new TaskDefinition(
            "demo/syn",
            "synapses",
            "detect",
            "reference",
            params,
            Json.hash(params, 12),
            "test",
            new StepPlan(units, new Grouping(grid.blockCount(), 4, 100)),
            run.toString(),
            null,
            null,
            new org.connectome.spec.VoxelSize(8, 8, 33));
    StepLayout layout = new StepLayout(run.resolve("stages/synapses/detect"));
    long t1 = System.nanoTime();
    try (SynapseDetectRunner r = SynapseDetectRunner.create(def, layout)) {
      for (long u = 0; u < grid.blockCount(); u++) {
        long t = System.nanoTime();
        r.run(new UnitContext(def, layout, u, 0, 1));
        System.out.printf("block %d: %.2f s%n", u, (System.nanoTime() - t) / 1e9);
      }
    }
    System.out.printf(
        "detect: %.1f s for %d blocks%n", (System.nanoTime() - t1) / 1e9, grid.blockCount());
    Map<String, Object> score = new SynapseScorer().score(ctx).orElseThrow();
    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(score));
  }
}
