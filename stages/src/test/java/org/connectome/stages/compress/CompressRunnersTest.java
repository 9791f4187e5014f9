package org.connectome.stages.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Downsample;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.render.BlockSteps;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressRunnersTest {
  static final Vec3 VOLUME = new Vec3(200, 150, 20);

  static Box all(long[] size) {
    return new Box(new Vec3(0, 0, 0), new Vec3(size[0], size[1], size[2]));
  }

  static ByteVolume writeAligned(Path runDir) throws Exception {
    return CompressSteps.writeAligned(runDir);
  }

  static LabelVolume writeSegmentation(Path runDir) throws Exception {
    return CompressSteps.writeSegmentation(runDir);
  }

  @Test
  void imageScalesEqualTheWholeVolumeDownsampledAndStatsAddUp(@TempDir Path runDir)
      throws Exception {
    ByteVolume aligned = writeAligned(runDir);
    Map<String, Object> params =
        Map.of(
            "blockSize",
            List.of(64, 64, 16),
            "chunkSize",
            List.of(32, 32, 8),
            "encoding",
            "raw",
            "whenNoSegmentation",
            "skip");
    CompressSteps.image(runDir, VOLUME, params);
    PrecomputedVolume img = PrecomputedVolume.open(RunVolumes.neuroglancerImage(runDir));
    VolumeInfo info = img.info();
    assertEquals(VolumeInfo.IMAGE, info.type());
    assertEquals(
        List.of("8_8_33", "16_16_33", "32_32_33", "64_64_33"),
        info.scales().stream().map(VolumeInfo.Scale::key).toList(),
        "the info lists the whole pyramid, down to one 32 x 32 chunk in xy");
    CompressStats.Summary s =
        CompressStats.summarize(BlockSteps.layout(runDir, "compress", "image").outputDir());
    assertEquals(4 * 3 * 2, s.units());
    assertEquals(200L * 150 * 20, s.bytesIn());
    assertEquals(
        200L * 150 * 20 + 100L * 75 * 20,
        s.rawBytes(),
        "a block of 64 covers one 32-chunk at scale 1 and half a chunk at scale 2");
    assertEquals(s.rawBytes(), s.storedBytes(), "raw chunks store what they hold");
    CompressStats u0 =
        CompressStats.read(
            CompressStats.file(BlockSteps.layout(runDir, "compress", "image").outputDir(), 0));
    assertEquals("0-64_0-64_0-16", u0.block());
    assertEquals(2 * 2 * 2 + 1 * 1 * 2, u0.chunks());
    assertEquals(2, CompressSteps.pyramid(runDir, VOLUME, params), "scales 2 and 3, a step each");
    ByteVolume expected = aligned;
    for (int k = 0; k < info.scales().size(); k++) {
      if (k > 0) {
        expected = Downsample.average(expected, 2, 2, 1);
      }
      assertArrayEquals(
          new long[] {expected.sx(), expected.sy(), expected.sz()}, info.scale(k).size());
      assertArrayEquals(
          expected.data(), img.readImage(k, all(info.scale(k).size())).data(), "scale " + k);
    }
  }

  @Test
  void shardedScalesHoldTheSameVoxelsAsUnsharded(@TempDir Path runDir) throws Exception {
    ByteVolume aligned = writeAligned(runDir);
    LabelVolume labels = writeSegmentation(runDir);
    // shards of 4 chunks of 32 x 32 x 8: several shards per scale, several scales per step
    Map<String, Object> params =
        Map.of(
            "chunkSize",
            List.of(32, 32, 8),
            "encoding",
            "raw",
            "sharding",
            "always",
            "shardBytes",
            4 * 32 * 32 * 8 * 8);
    CompressSteps.image(runDir, VOLUME, params);
    CompressSteps.segmentation(
        runDir,
        VOLUME,
        Map.of(
            "chunkSize",
            List.of(32, 32, 8),
            "sharding",
            "always",
            "shardBytes",
            4 * 32 * 32 * 8 * 8));
    CompressSteps.pyramid(runDir, VOLUME, params);
    PrecomputedVolume img = PrecomputedVolume.open(RunVolumes.neuroglancerImage(runDir));
    PrecomputedVolume seg = PrecomputedVolume.open(RunVolumes.neuroglancerSegmentation(runDir));
    ByteVolume expected = aligned;
    LabelVolume expectedLabels = labels;
    for (int k = 0; k < img.info().scales().size(); k++) {
      assertTrue(img.info().scale(k).sharding() != null);
      if (k > 0) {
        expected = Downsample.average(expected, 2, 2, 1);
        expectedLabels = Downsample.mode(expectedLabels, 2, 2, 1);
      }
      assertArrayEquals(
          expected.data(), img.readImage(k, all(img.info().scale(k).size())).data(), "image " + k);
      assertArrayEquals(
          expectedLabels.data(),
          seg.readLabels(k, all(seg.info().scale(k).size())).data(),
          "segmentation " + k);
    }
    try (var files = Files.list(RunVolumes.neuroglancerImage(runDir).resolve("8_8_33"))) {
      assertTrue(files.allMatch(f -> f.toString().endsWith(".shard")));
    }
  }

  @Test
  void jpegScalesCompressAndStayCloseToTheInput(@TempDir Path runDir) throws Exception {
    ByteVolume aligned = writeAligned(runDir);
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "compress",
            "image",
            VOLUME,
            new Vec3(128, 128, 16),
            Map.of(
                "blockSize",
                List.of(128, 128, 16),
                "chunkSize",
                List.of(32, 32, 8),
                "jpegQuality",
                85,
                "scales",
                3));
    BlockSteps.runAll(CompressImageRunner::create, def);
    PrecomputedVolume img = PrecomputedVolume.open(RunVolumes.neuroglancerImage(runDir));
    assertEquals(3, img.info().scales().size());
    assertEquals(Encoding.JPEG, img.info().scale(2).encoding());
    ByteVolume back = img.readImage(0, all(img.info().scale(0).size()));
    double err = 0;
    for (int i = 0; i < back.data().length; i++) {
      err += Math.abs((back.data()[i] & 0xff) - (aligned.data()[i] & 0xff));
    }
    assertTrue(err / back.data().length < 3, "mean abs error " + err / back.data().length);
    CompressStats.Summary s =
        CompressStats.summarize(BlockSteps.layout(runDir, "compress", "image").outputDir());
    assertTrue(s.ratio() > 3, "compression ratio " + s.ratio());
    assertEquals(200L * 150 * 20 + 100L * 75 * 20 + 50L * 38 * 20, s.rawBytes());
  }

  @Test
  void blockSizeMustBeAMultipleOfTheChunkSizeAtEveryScale(@TempDir Path runDir) {
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "compress",
            "image",
            VOLUME,
            new Vec3(64, 64, 16),
            Map.of("blockSize", List.of(64, 64, 16), "chunkSize", List.of(48, 48, 16)));
    BadDefinitionException e =
        assertThrows(
            BadDefinitionException.class,
            () -> BlockSteps.create(CompressImageRunner::create, def));
    assertTrue(
        e.getMessage().contains("must be a multiple of the chunk size 48x48x16"), e.getMessage());
    TaskDefinition bad =
        BlockSteps.definition(
            runDir, "compress", "image", VOLUME, new Vec3(64, 64, 16), Map.of("encoding", "png"));
    e =
        assertThrows(
            BadDefinitionException.class,
            () -> BlockSteps.create(CompressImageRunner::create, bad));
    assertTrue(e.getMessage().contains("params.encoding must be one of jpeg, raw"), e.getMessage());
  }

  @Test
  void segmentationIsCompressedWithModeDownsampling(@TempDir Path runDir) throws Exception {
    LabelVolume labels = writeSegmentation(runDir);
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "compress",
            "segmentation",
            VOLUME,
            new Vec3(128, 128, 16),
            Map.of(
                "blockSize",
                List.of(128, 128, 16),
                "chunkSize",
                List.of(32, 32, 8),
                "mesh",
                "mesh",
                "segmentProperties",
                "segment_properties"));
    BlockSteps.runAll(CompressSegmentationRunner::create, def);
    PrecomputedVolume seg = PrecomputedVolume.open(RunVolumes.neuroglancerSegmentation(runDir));
    VolumeInfo info = seg.info();
    assertEquals(VolumeInfo.SEGMENTATION, info.type());
    assertEquals(DataType.UINT64, info.dataType());
    assertEquals("mesh", info.mesh());
    assertEquals("segment_properties", info.segmentProperties());
    assertEquals(4, info.scales().size(), "the whole pyramid, down to one 32 x 32 chunk");
    LabelVolume expected = labels;
    // a 128 block covers 16 voxels at scale 3: not a 32 chunk, so compress writes scales 0 to 2
    for (int k = 0; k < 3; k++) {
      assertEquals(Encoding.COMPRESSED_SEGMENTATION, info.scale(k).encoding());
      assertArrayEquals(new int[] {8, 8, 8}, info.scale(k).compressedSegmentationBlockSize());
      if (k > 0) {
        expected = Downsample.mode(expected, 2, 2, 1);
      }
      assertArrayEquals(
          expected.data(), seg.readLabels(k, all(info.scale(k).size())).data(), "scale " + k);
    }
    CompressStats.Summary s =
        CompressStats.summarize(BlockSteps.layout(runDir, "compress", "segmentation").outputDir());
    assertTrue(s.ratio() > 10, "compressed segmentation ratio " + s.ratio());
  }

  @Test
  void theTaskEntryPointFindsBothCompressSteps(@TempDir Path runDir) throws Exception {
    assertTrue(org.connectome.tasks.UnitRunners.isAvailable("reference", "compress"));
    TaskDefinition def =
        BlockSteps.definition(runDir, "compress", "image", VOLUME, new Vec3(64, 64, 16), Map.of());
    try (var r =
        org.connectome.tasks.UnitRunners.create(
            def, BlockSteps.layout(runDir, "compress", "image"))) {
      assertTrue(r instanceof CompressImageRunner);
    }
    TaskDefinition seg =
        BlockSteps.definition(
            runDir, "compress", "segmentation", VOLUME, new Vec3(64, 64, 16), Map.of());
    try (var r =
        org.connectome.tasks.UnitRunners.create(
            seg, BlockSteps.layout(runDir, "compress", "segmentation"))) {
      assertTrue(r instanceof CompressSegmentationRunner);
    }
  }

  @Test
  void segmentationWithoutItsInputFailsOrIsSkippedAsAsked(@TempDir Path runDir) throws Exception {
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "compress",
            "segmentation",
            VOLUME,
            new Vec3(64, 64, 16),
            Map.of("chunkSize", List.of(32, 32, 8)));
    Exception e =
        assertThrows(
            Exception.class, () -> BlockSteps.runAll(CompressSegmentationRunner::create, def));
    assertTrue(e.getMessage().contains("volumes/segmentation"), e.getMessage());
    TaskDefinition skip =
        BlockSteps.definition(
            runDir,
            "compress",
            "segmentation",
            VOLUME,
            new Vec3(64, 64, 16),
            Map.of("chunkSize", List.of(32, 32, 8), "whenNoSegmentation", "skip"));
    BlockSteps.runAll(CompressSegmentationRunner::create, skip);
    Path out = BlockSteps.layout(runDir, "compress", "segmentation").outputDir();
    assertTrue(
        CompressStats.read(CompressStats.file(out, 0)).skipped().contains("volumes/segmentation"));
    assertTrue(!Files.exists(RunVolumes.neuroglancerSegmentation(runDir)));
  }
}
