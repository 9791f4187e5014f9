package org.connectome.stages.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.compress.CompressSteps;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.StaticFileServer;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.render.BlockSteps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Neuroglancer (viewer/, from npm) opens what compress writes: a small run's image (JPEG, 3 scales)
 * and segmentation (compressed_segmentation, uint64) served with CORS by {@link StaticFileServer},
 * in headless Chromium via viewer/check.mjs, which waits for {@code viewer.isReady()} and fails on
 * data-source errors, failed chunk requests and "Error retrieving chunk". A volume with a corrupt
 * chunk must fail the same check.
 */
class ViewerCheckTest {
  static final Vec3 SIZE = new Vec3(320, 240, 16);

  /**
   * Cell-like labels (3D Voronoi of drifting seeds) and an EM-like image with dark membranes
   * between them.
   */
  static void writeRun(Path runDir) throws Exception {
    writeRun(runDir, Map.of(), Map.of());
  }

  /** Shards of 16 image chunks (2 of the segmentation's): several shards per scale. */
  static final Map<String, Object> SHARDED =
      Map.of("sharding", "always", "shardBytes", 16 * 64 * 64 * 8);

  /**
   * The run's image and segmentation written by compress.image, compress.segmentation and the
   * pyramid steps (the whole pyramid), with {@code volumeParams} for both and {@code
   * segmentationParams} for the segmentation.
   */
  static LabelVolume writeRun(
      Path runDir, Map<String, Object> segmentationParams, Map<String, Object> volumeParams)
      throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    int n = 45;
    double[][] seeds = new double[n][4];
    for (double[] s : seeds) {
      s[0] = r.nextDouble() * 320;
      s[1] = r.nextDouble() * 240;
      s[2] = r.nextDouble() * 2 - 1;
      s[3] = r.nextDouble() * 2 - 1;
    }
    int sx = (int) SIZE.x();
    int sy = (int) SIZE.y();
    int sz = (int) SIZE.z();
    LabelVolume labels = new LabelVolume(sx, sy, sz);
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          int best = 0;
          double bd = Double.MAX_VALUE;
          for (int i = 0; i < n; i++) {
            double dx = x - seeds[i][0] - z * seeds[i][2];
            double dy = y - seeds[i][1] - z * seeds[i][3];
            double d = dx * dx + dy * dy;
            if (d < bd) {
              bd = d;
              best = i;
            }
          }
          labels.set(x, y, z, (1L << 33) + 1000L * best + 7);
        }
      }
    }
    ByteVolume image = new ByteVolume(sx, sy, sz);
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          long l = labels.get(x, y, z);
          boolean edge =
              (x > 0 && labels.get(x - 1, y, z) != l)
                  || (y > 0 && labels.get(x, y - 1, z) != l)
                  || (x + 1 < sx && labels.get(x + 1, y, z) != l)
                  || (y + 1 < sy && labels.get(x, y + 1, z) != l);
          int v = edge ? 45 : 170 + (int) ((l / 1000) % 5) * 12;
          image.set(x, y, z, Math.max(0, Math.min(255, v + (int) (r.nextGaussian() * 10))));
        }
      }
    }
    Box all = new Box(new Vec3(0, 0, 0), SIZE);
    double[] res = {8, 8, 33};
    PrecomputedVolume.create(
            RunVolumes.aligned(runDir),
            VolumeInfo.of(
                VolumeInfo.IMAGE,
                DataType.UINT8,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        new long[] {sx, sy, sz},
                        res,
                        new int[] {128, 128, 16},
                        Encoding.RAW,
                        null))))
        .writeImage(0, all, image);
    PrecomputedVolume.create(
            RunVolumes.segmentation(runDir),
            VolumeInfo.of(
                VolumeInfo.SEGMENTATION,
                DataType.UINT64,
                1,
                List.of(
                    VolumeInfo.Scale.of(
                        new long[] {sx, sy, sz},
                        res,
                        new int[] {128, 128, 16},
                        Encoding.RAW,
                        null))))
        .writeLabels(0, all, labels);
    Map<String, Object> params =
        new java.util.HashMap<>(
            Map.of("chunkSize", List.of(64, 64, 8), "blockSize", List.of(256, 256, 16)));
    params.putAll(volumeParams);
    Map<String, Object> segParams = new java.util.HashMap<>(params);
    segParams.putAll(segmentationParams);
    CompressSteps.image(runDir, SIZE, params);
    CompressSteps.segmentation(runDir, SIZE, segParams);
    CompressSteps.pyramid(runDir, SIZE, params, segParams);
    return labels;
  }

  record Check(int exit, JsonNode result, String output) {}

  static Check check(Path viewer, String base, Path png, String... extra)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ViewerEnvironment.node(),
                "check.mjs",
                "--base",
                base,
                "--out",
                png.toString(),
                "--timeout",
                "60",
                "--chromium",
                ViewerEnvironment.CHROMIUM));
    cmd.addAll(List.of(extra));
    Process p =
        new ProcessBuilder(cmd).directory(viewer.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("check.mjs did not finish in 180 s: " + out);
    }
    String last = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
    return new Check(p.exitValue(), new ObjectMapper().readTree(last), out);
  }

  @Test
  void neuroglancerLoadsTheImageAndSegmentationAndFailsOnABadChunk(@TempDir Path runDir)
      throws Exception {
    Path viewer = ViewerEnvironment.requireBrowser();
    writeRun(runDir);
    try (StaticFileServer server =
        StaticFileServer.start("127.0.0.1", 0, RunVolumes.neuroglancer(runDir))) {
      Path png = runDir.resolve("shot.png");
      long t0 = System.nanoTime();
      Check ok = check(viewer, server.baseUrl(), png);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println(
          "viewer check: "
              + ms
              + " ms, "
              + ok.result().path("timings")
              + ", "
              + server.requests()
              + " requests");
      assertEquals(0, ok.exit(), ok.output());
      assertTrue(ok.result().path("ok").asBoolean(), ok.output());
      assertEquals(2, ok.result().path("layers").size(), ok.output());
      assertTrue(ok.result().path("status").path("ready").asBoolean(), ok.output());
      assertTrue(Files.size(png) > 10_000, "screenshot " + png);
      assertTrue(ok.result().path("pixels").path("std").asDouble() > 10, ok.output());
      String keep = System.getenv("CX_VIEWER_SCREENSHOT");
      if (keep != null && !keep.isBlank()) {
        Files.copy(png, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }

      // a truncated JPEG chunk of scale 0 in the middle plane: Neuroglancer reports it, the check
      // fails
      Path bad = RunVolumes.neuroglancerImage(runDir).resolve("8_8_33/128-192_64-128_8-16");
      byte[] b = Files.readAllBytes(bad);
      Files.write(bad, java.util.Arrays.copyOf(b, b.length / 3));
      Check broken = check(viewer, server.baseUrl(), runDir.resolve("broken.png"));
      assertEquals(1, broken.exit(), broken.output());
      assertFalse(broken.result().path("ok").asBoolean(true), broken.output());
      assertTrue(
          broken.result().path("errors").toString().contains("Error retrieving chunk"),
          broken.output());
    }
  }

  /**
   * What the segmentation path writes, opened together: the image, the segmentation with its
   * segment properties and the meshes of three selected segments (mesh.blocks and mesh.merge on the
   * volume), and synapse point annotations (the synapses stage's schema) whose pre/post
   * relationships link to the segmentation. A selected segment whose mesh manifest is gone must
   * fail the check.
   */
  @Test
  void neuroglancerShowsSelectedSegmentsWithMeshesAndSynapses(@TempDir Path runDir)
      throws Exception {
    Path viewer = ViewerEnvironment.requireBrowser();
    LabelVolume labels =
        writeRun(
            runDir, Map.of("mesh", "mesh", "segmentProperties", "segment_properties"), SHARDED);
    Map<Long, Double> voxels = new java.util.HashMap<>();
    for (int z = 0; z < SIZE.z(); z++) {
      for (int y = 0; y < SIZE.y(); y++) {
        for (int x = 0; x < SIZE.x(); x++) {
          voxels.merge(labels.get(x, y, z), 1.0, Double::sum);
        }
      }
    }
    Map<Long, String> names = new java.util.HashMap<>();
    voxels.keySet().forEach(id -> names.put(id, "cell " + Long.toUnsignedString(id)));
    org.connectome.stages.precomputed.SegmentProperties.write(
        RunVolumes.neuroglancerSegmentation(runDir),
        "segment_properties",
        names,
        Map.of("voxels", voxels));
    // the mesh steps as the planners define them: blocks with a one-voxel overlap, then two segment
    // shards
    org.connectome.pipeline.BlockGrid grid =
        new org.connectome.pipeline.BlockGrid(SIZE, new Vec3(128, 128, 16), new Vec3(1, 1, 1));
    var spec = new org.connectome.spec.VoxelSize(8, 8, 33);
    var blocks =
        new org.connectome.task.TaskDefinition(
            "sample/r1",
            "mesh",
            "blocks",
            "reference",
            // the mesh stage's params, which both steps read (the merge units' partition)
            Map.of(
                "simplify",
                Map.of("ratio", 0.2, "maxError", 8),
                "format",
                "multires",
                "sharding",
                "always",
                "mergeShards",
                2),
            "hb",
            "test",
            new org.connectome.pipeline.StepPlan(
                new org.connectome.pipeline.UnitSpace("block", grid.blockCount(), grid, "test"),
                new org.connectome.units.Grouping(grid.blockCount(), 4, 100)),
            runDir.toString(),
            null,
            null,
            spec);
    // the mesh steps read the segment count from the segmentation's summary
    org.connectome.stages.mesh.MeshSteps.writeSummary(runDir, names.size());
    BlockSteps.runAll(org.connectome.stages.mesh.MeshBlocksRunner::create, blocks);
    var merge =
        new org.connectome.task.TaskDefinition(
            "sample/r1",
            "mesh",
            "merge",
            "reference",
            Map.of("format", "multires", "sharding", "always", "mergeShards", 2),
            "hm",
            "test",
            new org.connectome.pipeline.StepPlan(
                new org.connectome.pipeline.UnitSpace("segment-shard", 2, null, "test"),
                new org.connectome.units.Grouping(2, 1, 100)),
            runDir.toString(),
            null,
            null,
            spec);
    blocks.write(BlockSteps.layout(runDir, "mesh", "blocks").definitionFile());
    BlockSteps.runAll(org.connectome.stages.mesh.MeshMergeRunner::create, merge);
    // synapses at contacts of two cells, pre on the left, post on the right
    List<org.connectome.stages.precomputed.Annotations.Point> points = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(11);
    while (points.size() < 40) {
      int x = 1 + r.nextInt((int) SIZE.x() - 3);
      int y = r.nextInt((int) SIZE.y());
      int z = r.nextInt((int) SIZE.z());
      long pre = labels.get(x, y, z);
      long post = labels.get(x + 1, y, z);
      if (pre != post) {
        points.add(
            new org.connectome.stages.precomputed.Annotations.Point(
                points.size() + 1,
                new double[] {x + 1, y + 0.5, z + 0.5},
                new double[] {0.9, 40, 30, 12},
                new long[][] {{pre}, {post}}));
      }
    }
    // as synapses.index writes them: ranges of two of 2 x 2 x 2 detect blocks, ids from the blocks
    org.connectome.stages.synapses.PartitionedIndexes.write(
        points,
        new org.connectome.pipeline.BlockGrid(
            SIZE,
            new Vec3((SIZE.x() + 1) / 2, (SIZE.y() + 1) / 2, (SIZE.z() + 1) / 2),
            new Vec3(0, 0, 0)),
        2,
        runDir.resolve("stages/synapses/detect/output"),
        RunVolumes.neuroglancer(runDir).resolve("synapses"),
        16);

    try (StaticFileServer server =
        StaticFileServer.start("127.0.0.1", 0, RunVolumes.neuroglancer(runDir))) {
      Check ok =
          check(
              viewer,
              server.baseUrl(),
              runDir.resolve("segments.png"),
              "--segments",
              "3",
              "--overview");
      System.out.println(
          "viewer check with meshes and synapses: "
              + ok.result().path("timings")
              + ", "
              + server.requests()
              + " requests");
      assertEquals(0, ok.exit(), ok.output());
      assertTrue(ok.result().path("ok").asBoolean(), ok.output());
      JsonNode layers = ok.result().path("layers");
      assertEquals(3, layers.size(), ok.output());
      assertEquals("annotation", layers.get(2).path("type").asText(), ok.output());
      assertEquals(3, layers.get(1).path("segments").size(), ok.output());
      String url = ok.result().path("url").asText();
      assertTrue(url.contains("linkedSegmentationLayer"), url);
      // sharded layers, the top scale of each volume read, multi-resolution sharded meshes
      for (String layer : List.of("image", "segmentation")) {
        JsonNode top = ok.result().path("topScales").path(layer);
        assertTrue(top.path("sharded").asBoolean(), ok.output());
        assertTrue(top.path("requests").asInt() > 0, ok.output());
        // one 64 x 64 chunk in x and y ([2, 2, 1] downsampling keeps z)
        assertTrue(top.path("size").get(0).asInt() <= 64, ok.output());
        assertTrue(top.path("size").get(1).asInt() <= 64, ok.output());
      }
      assertEquals(
          "neuroglancer_multilod_draco",
          ok.result().path("meshFormats").path("segmentation").path("type").asText(),
          ok.output());
      assertTrue(
          ok.result().path("meshFormats").path("segmentation").path("sharded").asBoolean(),
          ok.output());
      // the three largest segments were selected: their mesh manifests were fetched
      long biggest =
          voxels.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      assertEquals(
          Long.toUnsignedString(biggest),
          layers.get(1).path("segments").get(0).asText(),
          ok.output());
      String keep = System.getenv("CX_VIEWER_SEGMENTS_SCREENSHOT");
      if (keep != null && !keep.isBlank()) {
        Files.copy(
            runDir.resolve("segments.png"),
            Path.of(keep),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }

      // a selected segment whose mesh shard is gone: the 3D view cannot load it, the check fails
      // naming the shard
      Path meshDir = RunVolumes.neuroglancerSegmentation(runDir).resolve("mesh");
      var sharding =
          new ObjectMapper()
              .treeToValue(
                  new ObjectMapper().readTree(meshDir.resolve("info").toFile()).get("sharding"),
                  org.connectome.stages.precomputed.ShardingSpec.class);
      String shard = sharding.fileName(sharding.shardOf(biggest));
      Files.delete(meshDir.resolve(shard));
      Check broken =
          check(viewer, server.baseUrl(), runDir.resolve("broken.png"), "--segments", "3");
      assertEquals(1, broken.exit(), broken.output());
      assertTrue(broken.result().path("errors").toString().contains(shard), broken.output());
    }
  }
}
