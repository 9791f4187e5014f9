package org.connectome.stages.synapses;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Json;
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
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.units.Grouping;

/**
 * Measures the reference detector in the simulator's own frame (not a unit test: it needs a
 * simulated sample's ground truth with section images): the noise-free section images ({@code
 * images/}) as the aligned volume, the label volume ({@code labels/}) as the segmentation, scored
 * against {@code synapses.tsv} with the synapse score's matching (one to one, closest first, within
 * 5 voxels and 1 section; and twice that).
 *
 * <p>Usage: {@code TruthFrameSynapses <ground-truth dir> <scratch run dir> [blockXY] [name=number
 * params...]}.
 */
public final class TruthFrameSynapses {
  private TruthFrameSynapses() {}

  public static void main(String[] args) throws Exception {
    Path gt = Path.of(args[0]);
    Path run = Path.of(args[1]);
    int block = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    JsonNode v = Json.mapper().readTree(gt.resolve("volume.json").toFile()).path("volume");
    int w = v.path("width").asInt();
    int h = v.path("height").asInt();
    int d = v.path("sections").asInt();
    long[] size = {w, h, d};
    Box all = new Box(new Vec3(0, 0, 0), new Vec3(w, h, d));
    if (!Files.exists(RunVolumes.aligned(run).resolve("info"))) {
      ByteVolume img = new ByteVolume(w, h, d);
      LabelVolume lab = new LabelVolume(w, h, d);
      for (int z = 0; z < d; z++) {
        Image8 im = Bmp.read8(gt.resolve(String.format(Locale.ROOT, "images/z%04d.bmp", z)));
        System.arraycopy(im.pixels(), 0, img.data(), z * w * h, w * h);
        ByteBuffer b =
            ByteBuffer.wrap(
                    Files.readAllBytes(
                        gt.resolve(String.format(Locale.ROOT, "labels/z%04d.raw", z))))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w * h; i++) {
          lab.data()[z * w * h + i] = Integer.toUnsignedLong(b.getInt());
        }
      }
      int[] chunk = {512, 512, d};
      PrecomputedVolume.create(
              RunVolumes.aligned(run),
              VolumeInfo.of(
                  VolumeInfo.IMAGE,
                  DataType.UINT8,
                  1,
                  List.of(
                      VolumeInfo.Scale.of(
                          size, new double[] {8, 8, 33}, chunk, Encoding.RAW, null))))
          .writeImage(0, all, img);
      PrecomputedVolume.create(
              RunVolumes.segmentation(run),
              VolumeInfo.of(
                  VolumeInfo.SEGMENTATION,
                  DataType.UINT32,
                  1,
                  List.of(
                      VolumeInfo.Scale.of(
                          size, new double[] {8, 8, 33}, chunk, Encoding.RAW, null))))
          .writeLabels(0, all, lab);
    }
    BlockGrid grid =
        new BlockGrid(new Vec3(w, h, d), new Vec3(block, block, d), new Vec3(16, 16, 4));
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      params.put(kv[0], Double.valueOf(kv[1]));
    }
    TaskDefinition def =
        new TaskDefinition(
            "truth/frame",
            "synapses",
            "detect",
            "reference",
            params,
            Json.hash(params, 12),
            "test",
            new StepPlan(
                new UnitSpace("block", grid.blockCount(), grid, "truth"),
                new Grouping(grid.blockCount(), 8, 100)),
            run.toString(),
            null,
            null,
            new org.connectome.spec.VoxelSize(8, 8, 33));
    StepLayout layout = new StepLayout(run.resolve("stages/synapses/detect"));
    if (Files.isDirectory(layout.dir())) {
      try (var files = Files.walk(layout.dir())) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    long t0 = System.nanoTime();
    try (SynapseDetectRunner r = SynapseDetectRunner.create(def, layout)) {
      for (long u = 0; u < grid.blockCount(); u++) {
        r.run(new UnitContext(def, layout, u, 0, 1));
      }
    }
    System.out.printf(
        "detect: %.1f s for %d blocks%n", (System.nanoTime() - t0) / 1e9, grid.blockCount());
    List<SynapseIndex.Entry> found = SynapseIndex.readTables(layout.outputDir());
    List<double[]> truth = new ArrayList<>();
    for (String line : Files.readAllLines(gt.resolve("synapses.tsv"))) {
      if (!line.startsWith("id")) {
        String[] f = line.split("\t");
        truth.add(
            new double[] {
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]),
              Double.parseDouble(f[5])
            });
      }
    }
    for (int factor : new int[] {1, 2}) {
      List<double[]> cand = new ArrayList<>();
      for (int i = 0; i < truth.size(); i++) {
        for (int j = 0; j < found.size(); j++) {
          Site s = found.get(j).site();
          double dxy = Math.hypot(s.x() - truth.get(i)[0], s.y() - truth.get(i)[1]);
          int dz = (int) Math.abs(s.z() - truth.get(i)[2]);
          if (dxy <= 5 * factor && dz <= factor) {
            cand.add(new double[] {Math.hypot(8 * dxy, 33 * dz), i, j});
          }
        }
      }
      cand.sort(Comparator.comparingDouble(c -> c[0]));
      Set<Integer> ut = new HashSet<>();
      Set<Integer> ud = new HashSet<>();
      int prePost = 0;
      for (double[] c : cand) {
        int i = (int) c[1];
        int j = (int) c[2];
        if (ut.add(i)) {
          if (ud.add(j)) {
            Site s = found.get(j).site();
            prePost +=
                s.pre() == (long) truth.get(i)[3] && s.post() == (long) truth.get(i)[4] ? 1 : 0;
          } else {
            ut.remove(i);
          }
        }
      }
      int m = ut.size();
      double p = (double) m / found.size();
      double r = (double) m / truth.size();
      System.out.printf(
          Locale.ROOT,
          "within %d voxels, %d sections: %d of %d truth, %d detections: precision %.3f,"
              + " recall %.3f, F1 %.3f, pre/post right %.3f%n",
          5 * factor,
          factor,
          m,
          truth.size(),
          found.size(),
          p,
          r,
          2 * p * r / (p + r),
          (double) prePost / m);
    }
  }
}
