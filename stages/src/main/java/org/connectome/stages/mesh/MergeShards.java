package org.connectome.stages.mesh;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.segment.SegmentReconcileRunner;
import org.connectome.stages.segment.SegmentSteps;

/**
 * Which mesh.merge unit merges a segment, known to mesh.blocks before any merge runs: the {@code S}
 * segment shards ({@code params.mergeShards}, which both steps read from the mesh stage's params)
 * and, for sharded meshes, the sharding spec whose shard number is the unit. Both steps derive it
 * from the same facts (the output params, {@code S} and the segmentation's segment count from
 * segment.merge's summary), so mesh.blocks can file each block under the merge units its segments
 * go to (the touch index) and a merge unit reads only those blocks.
 *
 * <p>The touch index: {@code output/touch/<key>/<k / 1000>/s<k>/u<block>}, an empty file per block
 * and merge unit whose segments it has; {@link #key()} names the partition, so a merge unit whose
 * params make another partition than the blocks' finds no folder of its own and says so.
 *
 * @param shards merge units {@code S}
 * @param sharding the meshes' sharding spec (shard {@code k} is unit {@code k}), or null for
 *     unsharded meshes (unit {@code id % S})
 */
public record MergeShards(long shards, ShardingSpec sharding) {
  public MergeShards {
    if (shards < 1) {
      throw new IllegalArgumentException("params.mergeShards must be at least 1, not " + shards);
    }
  }

  /**
   * The partition of {@code segments} segments into {@code shards} units for meshes written per
   * {@code output}: sharded meshes hash the ids into one shard file per unit ({@code shards} a
   * power of two), minishards of about 64 segments.
   */
  public static MergeShards of(MeshParams.Output output, long shards, long segments) {
    if (!output.sharded(segments)) {
      return new MergeShards(shards, null);
    }
    if (Long.bitCount(shards) != 1) {
      throw new IllegalArgumentException(
          "sharded meshes need params.mergeShards to be a power of two, not " + shards);
    }
    int shardBits = Long.numberOfTrailingZeros(shards);
    long perShard = Math.max(1, segments / shards);
    int minishardBits = Math.min(9, Math.max(0, 64 - Long.numberOfLeadingZeros(perShard - 1) - 6));
    return new MergeShards(
        shards,
        new ShardingSpec(
            ShardingSpec.TYPE,
            0,
            ShardingSpec.MURMUR,
            minishardBits,
            shardBits,
            ShardingSpec.GZIP,
            ShardingSpec.RAW));
  }

  /**
   * The segmentation's segment count, from segment.merge's (or a one-unit reconcile's) summary:
   * what decides {@code sharding: auto} and the minishards.
   */
  public static long segments(Path runDir) throws IOException {
    Path dir = SegmentSteps.reconciled(runDir);
    if (!Files.isRegularFile(dir.resolve(SegmentReconcileRunner.SUMMARY))) {
      throw new NoSuchFileException(
          dir.resolve(SegmentReconcileRunner.SUMMARY).toString(),
          null,
          "the mesh steps read the segment count from the segmentation's summary");
    }
    return SegmentReconcileRunner.Summary.read(dir).segments();
  }

  /** The merge unit of segment {@code id}. */
  public long unitOf(long id) {
    return sharding != null ? sharding.shardOf(id) : Long.remainderUnsigned(id, shards);
  }

  /** The partition's name in the touch index: its unit count and, sharded, its minishard bits. */
  public String key() {
    return sharding == null ? "mod" + shards : "murmur" + shards + "-" + sharding.minishardBits();
  }

  /** The touch index's folder under mesh.blocks' output. */
  public static Path touchRoot(Path blocksOutput) {
    return blocksOutput.resolve("touch");
  }

  /** Where the blocks with segments of merge unit {@code unit} are filed. */
  public Path touchDir(Path blocksOutput, long unit) {
    return touchRoot(blocksOutput)
        .resolve(key())
        .resolve(String.format("%06d", unit / 1000))
        .resolve("s" + unit);
  }

  /** The touch file of {@code block} for merge unit {@code unit}. */
  public Path touchFile(Path blocksOutput, long unit, long block) {
    return touchDir(blocksOutput, unit).resolve("u" + block);
  }

  /**
   * The blocks filed under merge unit {@code unit}, below {@code blocks} (files of an earlier grid
   * with more blocks are left out), sorted; an empty list when none has its segments.
   */
  public List<Long> blocksOf(Path blocksOutput, long unit, long blocks) throws IOException {
    Path dir = touchDir(blocksOutput, unit);
    List<Long> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "u*")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        try {
          long b = Long.parseLong(name.substring(1));
          if (b >= 0 && b < blocks) {
            out.add(b);
          }
        } catch (NumberFormatException e) {
          // not a touch file (temp files start with a dot)
        }
      }
    }
    out.sort(null);
    return out;
  }
}
