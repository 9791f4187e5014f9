package org.connectome.stages.compress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.pipeline.PyramidPlan;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.render.BlockSteps;
import org.connectome.task.TaskDefinition;
import org.connectome.units.Grouping;

/**
 * Test helper: the compress stage's steps as the planners cut them ({@link CompressPlanners}), run
 * unit after unit: scale 0 of the image and the segmentation, then every pyramid step.
 */
public final class CompressSteps {
  private CompressSteps() {}

  /** Runs compress.image over an aligned volume of {@code volume} with {@code params}. */
  public static void image(Path runDir, Vec3 volume, Map<String, Object> params) throws Exception {
    BlockGrid g = PyramidPlan.of(volume, params, CompressPlanners.IMAGE_BYTES).units(0);
    BlockSteps.runAll(
        CompressImageRunner::create,
        BlockSteps.definition(runDir, "compress", "image", volume, g.blockSize(), params));
  }

  /** Runs compress.segmentation. */
  public static void segmentation(Path runDir, Vec3 volume, Map<String, Object> params)
      throws Exception {
    BlockGrid g = PyramidPlan.of(volume, params, CompressPlanners.SEGMENTATION_BYTES).units(0);
    BlockSteps.runAll(
        CompressSegmentationRunner::create,
        BlockSteps.definition(runDir, "compress", "segmentation", volume, g.blockSize(), params));
  }

  /** Runs the pyramid steps, as many as the pipeline makes for this volume, in order. */
  public static int pyramid(Path runDir, Vec3 volume, Map<String, Object> params) throws Exception {
    int n = 1;
    for (int bytes :
        new int[] {CompressPlanners.IMAGE_BYTES, CompressPlanners.SEGMENTATION_BYTES}) {
      n = Math.max(n, PyramidPlan.of(volume, params, bytes).pyramidLevels());
    }
    for (int k = 1; k <= n; k++) {
      Map<String, Object> p = CompressPlanners.pyramidParams(params, k, n);
      long count = 0;
      for (CompressPlanners.Part part : CompressPlanners.units(p, volume)) {
        count += part.units().blockCount();
      }
      BlockGrid carrier = new BlockGrid(volume, volume, new Vec3(0, 0, 0));
      TaskDefinition def =
          new TaskDefinition(
              "sample/r1",
              "compress",
              CompressPlanners.PYRAMID + k,
              "reference",
              p,
              "h" + k,
              "test",
              new StepPlan(
                  new UnitSpace("shard", count, carrier, "test"), new Grouping(count, 4, 100)),
              runDir.toString(),
              null,
              null,
              new org.connectome.spec.VoxelSize(8, 8, 33));
      BlockSteps.runAll(CompressPyramidRunner::create, def);
    }
    return n;
  }

  /** {@code params} with {@code key} set. */
  public static Map<String, Object> with(Map<String, Object> params, String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(params);
    m.put(key, value);
    return m;
  }

  static List<Integer> vec(long x, long y, long z) {
    return List.of((int) x, (int) y, (int) z);
  }
}
