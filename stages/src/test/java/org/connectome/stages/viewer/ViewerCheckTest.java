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
import org.connectome.stages.compress.CompressImageRunner;
import org.connectome.stages.compress.CompressSegmentationRunner;
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
 * Neuroglancer (viewer/, from npm) opens what compress writes: a small run's image (JPEG, 3 scales) and
 * segmentation (compressed_segmentation, uint64) served with CORS by {@link StaticFileServer}, in headless
 * Chromium via viewer/check.mjs, which waits for {@code viewer.isReady()} and fails on data-source errors, failed
 * chunk requests and "Error retrieving chunk". A volume with a corrupt chunk must fail the same check.
 */
class ViewerCheckTest {
  static final Vec3 SIZE = new Vec3(320, 240, 16);

  /** Cell-like labels (3D Voronoi of drifting seeds) and an EM-like image with dark membranes between them. */
  static void writeRun(Path runDir) throws Exception {
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
          boolean edge = (x > 0 && labels.get(x - 1, y, z) != l) || (y > 0 && labels.get(x, y - 1, z) != l)
              || (x + 1 < sx && labels.get(x + 1, y, z) != l) || (y + 1 < sy && labels.get(x, y + 1, z) != l);
          int v = edge ? 45 : 170 + (int) ((l / 1000) % 5) * 12;
          image.set(x, y, z, Math.max(0, Math.min(255, v + (int) (r.nextGaussian() * 10))));
        }
      }
    }
    Box all = new Box(new Vec3(0, 0, 0), SIZE);
    double[] res = {8, 8, 33};
    PrecomputedVolume.create(RunVolumes.aligned(runDir), VolumeInfo.of(VolumeInfo.IMAGE, DataType.UINT8, 1,
        List.of(VolumeInfo.Scale.of(new long[] {sx, sy, sz}, res, new int[] {128, 128, 16}, Encoding.RAW, null))))
        .writeImage(0, all, image);
    PrecomputedVolume.create(RunVolumes.segmentation(runDir), VolumeInfo.of(VolumeInfo.SEGMENTATION,
        DataType.UINT64, 1, List.of(VolumeInfo.Scale.of(new long[] {sx, sy, sz}, res, new int[] {128, 128, 16},
            Encoding.RAW, null)))).writeLabels(0, all, labels);
    Map<String, Object> params = Map.of("chunkSize", List.of(64, 64, 8), "blockSize", List.of(256, 256, 16));
    BlockSteps.runAll(CompressImageRunner::create, BlockSteps.definition(runDir, "compress", "image", SIZE,
        new Vec3(256, 256, 16), params));
    BlockSteps.runAll(CompressSegmentationRunner::create, BlockSteps.definition(runDir, "compress", "segmentation",
        SIZE, new Vec3(256, 256, 16), params));
  }

  record Check(int exit, JsonNode result, String output) {}

  static Check check(Path viewer, String base, Path png) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(ViewerEnvironment.node(), "check.mjs", "--base", base, "--out",
        png.toString(), "--timeout", "60", "--chromium", ViewerEnvironment.CHROMIUM));
    Process p = new ProcessBuilder(cmd).directory(viewer.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("check.mjs did not finish in 180 s: " + out);
    }
    String last = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
    return new Check(p.exitValue(), new ObjectMapper().readTree(last), out);
  }

  @Test
  void neuroglancerLoadsTheImageAndSegmentationAndFailsOnABadChunk(@TempDir Path runDir) throws Exception {
    Path viewer = ViewerEnvironment.requireBrowser();
    writeRun(runDir);
    try (StaticFileServer server = StaticFileServer.start("127.0.0.1", 0, RunVolumes.neuroglancer(runDir))) {
      Path png = runDir.resolve("shot.png");
      long t0 = System.nanoTime();
      Check ok = check(viewer, server.baseUrl(), png);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("viewer check: " + ms + " ms, " + ok.result().path("timings") + ", " + server.requests()
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

      // a truncated JPEG chunk of scale 0 in the middle plane: Neuroglancer reports it, the check fails
      Path bad = RunVolumes.neuroglancerImage(runDir).resolve("8_8_33/128-192_64-128_8-16");
      byte[] b = Files.readAllBytes(bad);
      Files.write(bad, java.util.Arrays.copyOf(b, b.length / 3));
      Check broken = check(viewer, server.baseUrl(), runDir.resolve("broken.png"));
      assertEquals(1, broken.exit(), broken.output());
      assertFalse(broken.result().path("ok").asBoolean(true), broken.output());
      assertTrue(broken.result().path("errors").toString().contains("Error retrieving chunk"), broken.output());
    }
  }
}
