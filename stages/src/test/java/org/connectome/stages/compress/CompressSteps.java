package org.connectome.stages.compress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.pipeline.PyramidPlan;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
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

  /** Runs the pyramid steps over volumes both compressed with {@code params}. */
  public static int pyramid(Path runDir, Vec3 volume, Map<String, Object> params) throws Exception {
    return pyramid(runDir, volume, params, params);
  }

  /** Runs the pyramid steps, as many as the pipeline makes for this volume, in order. */
  public static int pyramid(
      Path runDir, Vec3 volume, Map<String, Object> image, Map<String, Object> segmentation)
      throws Exception {
    int n =
        Math.max(
            1,
            Math.max(
                PyramidPlan.of(volume, image, CompressPlanners.IMAGE_BYTES).pyramidLevels(),
                PyramidPlan.of(volume, segmentation, CompressPlanners.SEGMENTATION_BYTES)
                    .pyramidLevels()));
    for (int k = 1; k <= n; k++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("image", image);
      p.put("segmentation", segmentation);
      p.put(CompressPlanners.STEP_PARAM, k);
      p.put(CompressPlanners.STEPS_PARAM, n);
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

  /**
   * An aligned volume as align.render writes it (raw, chunk = render block 64x64x8), with a smooth
   * pattern.
   */
  public static ByteVolume writeAligned(Path runDir) throws Exception {
    ByteVolume v = new ByteVolume(200, 150, 20);
    for (int z = 0; z < 20; z++) {
      for (int y = 0; y < 150; y++) {
        for (int x = 0; x < 200; x++) {
          v.set(x, y, z, (int) (120 + 80 * Math.sin(x / 9.0 + z / 3.0) * Math.cos(y / 11.0)));
        }
      }
    }
    PrecomputedVolume a =
        PrecomputedVolume.create(
            RunVolumes.aligned(runDir),
            VolumeInfo.of(
                VolumeInfo.IMAGE,
                DataType.UINT8,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        new long[] {200, 150, 20},
                        new double[] {8, 8, 33},
                        new int[] {64, 64, 8},
                        Encoding.RAW,
                        null))));
    a.writeImage(0, new org.connectome.pipeline.Box(new Vec3(0, 0, 0), new Vec3(200, 150, 20)), v);
    return v;
  }

  /**
   * A global segmentation as segment.relabel writes it: uint64 labels above 2^32, raw, one scale.
   */
  public static LabelVolume writeSegmentation(Path runDir) throws Exception {
    LabelVolume l = new LabelVolume(200, 150, 20);
    SplittableRandom r = new SplittableRandom(3);
    long[] ids = new long[12];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (1L << 40) + r.nextInt(1_000_000);
    }
    for (int z = 0; z < 20; z++) {
      for (int y = 0; y < 150; y++) {
        for (int x = 0; x < 200; x++) {
          int cell =
              (int)
                  (Math.floor((x + 3 * z) / 37.0)
                      + 4 * Math.floor((y + Math.sin(x / 10.0) * 5) / 45.0));
          l.set(x, y, z, (x + y) % 23 == 0 ? 0 : ids[Math.floorMod(cell, ids.length)]);
        }
      }
    }
    PrecomputedVolume s =
        PrecomputedVolume.create(
            RunVolumes.segmentation(runDir),
            VolumeInfo.of(
                VolumeInfo.SEGMENTATION,
                DataType.UINT64,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        new long[] {200, 150, 20},
                        new double[] {8, 8, 33},
                        new int[] {64, 64, 8},
                        Encoding.RAW,
                        null))));
    s.writeLabels(0, new org.connectome.pipeline.Box(new Vec3(0, 0, 0), new Vec3(200, 150, 20)), l);
    return l;
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
