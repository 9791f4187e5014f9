package org.connectome.stages.mesh;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.layout.StepLayout;
import org.connectome.stages.precomputed.AtomicFiles;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.ShardingSpec;
import org.connectome.stages.precomputed.Shards;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code mesh.merge}: unit {@code k} of {@code S} segment shards (the plan's unit count, {@code
 * params.mergeShards}) handles the segments with {@code id % S == k} (unsigned), or in shard {@code
 * k} of sharded meshes ({@link MergeShards}). It reads only the blocks mesh.blocks filed under
 * {@code k} in its touch index (a missing block file fails the unit for good), joins each segment's
 * block meshes at their seam vertices ({@link SeamMerge}) and writes, in {@code
 * neuroglancer/segmentation/<params.mesh, default mesh>/}, the fragment {@code <id>.frag} and then
 * the manifest {@code <id>:0} for every segment any block saw (an empty fragment list when it has
 * no triangles), and the folder's {@code info}; all atomically, fragments before manifests. Figures
 * go to {@code output/shards/<k / 1000>/s<k>.json} and, per segment, {@code s<k>.tsv}.
 */
public final class MeshMergeRunner implements UnitRunner {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path runDir;
  private final StepLayout layout;
  private final long shards;
  private final MeshParams params;
  private final double voxelSize;

  /** The partition of the segments into merge units, and the block count: read once per task. */
  private MergeShards partition;

  private long blocks;

  /** Blocks written before the touch index (runs hashed as a chain keep them): read them all. */
  private boolean legacyBlocks;

  MeshMergeRunner(
      Path runDir, StepLayout layout, long shards, MeshParams params, double voxelSize) {
    this.runDir = runDir;
    this.layout = layout;
    this.shards = shards;
    this.params = params;
    this.voxelSize = voxelSize;
  }

  public static MeshMergeRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    long shards =
        def.plan() == null || def.plan().units() == null ? 0 : def.plan().units().unitCount();
    if (shards < 1) {
      throw new BadDefinitionException(
          "mesh.merge: params.mergeShards must be at least 1 (the plan has "
              + shards
              + " segment shards)");
    }
    try {
      return new MeshMergeRunner(
          Path.of(def.runDir()),
          layout,
          shards,
          MeshParams.of("mesh.merge", def.params()),
          def.voxelSize() == null ? 8 : def.voxelSize().x());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /** The mesh folder of a run. */
  public static Path meshDir(Path runDir, String folder) {
    return RunVolumes.neuroglancerSegmentation(runDir).resolve(folder);
  }

  /**
   * One shard's figures, {@code output/shards/<k / 1000>/s<k>.json}.
   *
   * @param shard shard index
   * @param shards shard count
   * @param blocks block files read
   * @param segments segments of the shard (manifests written)
   * @param meshes of which with triangles
   * @param vertices vertices written
   * @param triangles triangles written
   * @param bytes fragment bytes written
   * @param seconds time taken
   */
  public record Stats(
      long shard,
      long shards,
      int blocks,
      int segments,
      int meshes,
      long vertices,
      long triangles,
      long bytes,
      double seconds) {}

  public static Path statsFile(Path stepOutputDir, long shard) {
    return stepOutputDir
        .resolve("shards")
        .resolve(String.format("%06d", shard / 1000))
        .resolve("s" + shard + ".json");
  }

  public static Path segmentsFile(Path stepOutputDir, long shard) {
    return stepOutputDir
        .resolve("shards")
        .resolve(String.format("%06d", shard / 1000))
        .resolve("s" + shard + ".tsv");
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    long shard = unit.unit();
    String what = "mesh.merge shard " + shard + " of " + shards;
    try {
      partition(what);
      ShardingSpec sharding = partition.sharding();
      // this shard's segments and their parts, in id order, from the blocks filed under it
      Path blocksOut = layout.dir().resolveSibling("blocks").resolve("output");
      List<Long> touched =
          legacyBlocks
              ? java.util.stream.LongStream.range(0, blocks).boxed().toList()
              : partition.blocksOf(blocksOut, shard, blocks);
      Map<Long, List<Part>> segments = new TreeMap<>(Long::compareUnsigned);
      for (long b : touched) {
        Path f = BlockMeshFile.file(blocksOut, b);
        if (!Files.isRegularFile(f)) {
          // a segment seen only by a missing block would get no manifest, others would have holes
          throw new UnitException(
              what + ": mesh.blocks output " + f + " is missing; rerun mesh.blocks", false);
        }
        for (BlockMeshFile.Entry en : BlockMeshFile.index(f)) {
          if (partition.unitOf(en.id()) == shard) {
            segments.computeIfAbsent(en.id(), k -> new ArrayList<>()).add(new Part(f, en));
          }
        }
      }
      Path dir = meshDir(runDir, params.folder());
      Files.createDirectories(dir);
      AtomicFiles.writeIfChanged(
          dir.resolve("info"),
          params.output().multires()
              ? MAPPER.writeValueAsBytes(MultiresMesh.info(sharding))
              : LegacyMesh.INFO_JSON.getBytes(StandardCharsets.UTF_8));
      Map<Long, byte[]> manifests = new TreeMap<>(Long::compareUnsigned);
      Map<Long, byte[]> fragmentData = new TreeMap<>(Long::compareUnsigned);
      StringBuilder tsv = new StringBuilder("# id\tvoxels\tvertices\ttriangles\tbytes\n");
      int meshes = 0;
      long vertices = 0;
      long triangles = 0;
      long bytes = 0;
      for (var s : segments.entrySet()) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        long id = s.getKey();
        List<TriangleMesh> parts = new ArrayList<>();
        long voxels = 0;
        for (Part p : s.getValue()) {
          voxels += p.entry().voxels();
          if (p.entry().triangles() > 0) {
            parts.add(BlockMeshFile.read(p.file(), p.entry()));
          }
        }
        TriangleMesh merged = SeamMerge.merge(parts);
        List<String> fragments = List.of();
        long size = 0;
        if (params.output().multires()) {
          MultiresMesh.Encoded enc = MultiresMesh.encode(lods(merged), lodScale());
          size = enc.fragments().length;
          if (sharding != null) {
            manifests.put(id, enc.manifest());
            fragmentData.put(id, enc.fragments());
          } else {
            AtomicFiles.write(dir.resolve(Long.toUnsignedString(id)), enc.fragments());
            AtomicFiles.write(dir.resolve(Long.toUnsignedString(id) + ".index"), enc.manifest());
          }
          if (!merged.isEmpty()) {
            meshes++;
            vertices += merged.vertexCount();
            triangles += merged.triangleCount();
            bytes += size;
          }
        } else if (!merged.isEmpty()) {
          byte[] frag = LegacyMesh.encode(merged);
          AtomicFiles.write(dir.resolve(LegacyMesh.fragmentName(id)), frag);
          fragments = List.of(LegacyMesh.fragmentName(id));
          size = frag.length;
          meshes++;
          vertices += merged.vertexCount();
          triangles += merged.triangleCount();
          bytes += size;
        }
        if (!params.output().multires()) {
          // the manifest last: whoever sees it finds its fragment whole
          AtomicFiles.write(
              dir.resolve(LegacyMesh.manifestName(id)), LegacyMesh.manifest(fragments));
        }
        tsv.append(Long.toUnsignedString(id))
            .append('\t')
            .append(voxels)
            .append('\t')
            .append(merged.vertexCount())
            .append('\t')
            .append(merged.triangleCount())
            .append('\t')
            .append(size)
            .append('\n');
      }
      if (sharding != null && !manifests.isEmpty()) {
        AtomicFiles.write(
            dir.resolve(sharding.fileName(shard)), Shards.write(sharding, manifests, fragmentData));
      }
      AtomicFiles.write(
          segmentsFile(layout.outputDir(), shard), tsv.toString().getBytes(StandardCharsets.UTF_8));
      double seconds = Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
      AtomicFiles.write(
          statsFile(layout.outputDir(), shard),
          MAPPER.writeValueAsBytes(
              new Stats(
                  shard,
                  shards,
                  touched.size(),
                  segments.size(),
                  meshes,
                  vertices,
                  triangles,
                  bytes,
                  seconds)));
    } catch (IOException | RuntimeException e) {
      throw new UnitException(what + ": " + e, true, e);
    }
  }

  private record Part(Path file, BlockMeshFile.Entry entry) {}

  /** Level 0 and its simplifications, a quarter of the triangles each. */
  private List<TriangleMesh> lods(TriangleMesh merged) {
    List<TriangleMesh> out = new ArrayList<>();
    out.add(merged);
    TriangleMesh m = merged;
    for (int k = 1; k < params.output().lods(); k++) {
      m = m.isEmpty() ? m : QuadricSimplifier.simplify(m, 0.25, Double.POSITIVE_INFINITY);
      out.add(m);
    }
    return out;
  }

  /** The detail of level 0 in nm: the segmentation's voxel size across. */
  private double lodScale() {
    return 2 * voxelSize;
  }

  /**
   * The partition mesh.blocks filed its blocks by ({@link MergeShards}, from the same params and
   * segment count), and the block count from mesh.blocks' definition; once per task.
   */
  private void partition(String what) throws IOException, UnitException {
    if (partition != null) {
      return;
    }
    Path blocksStep = layout.dir().resolveSibling("blocks");
    Path def = blocksStep.resolve("step.json");
    if (!Files.isRegularFile(def)) {
      throw new UnitException(what + ": no " + def + ": mesh.blocks has not run", false);
    }
    TaskDefinition b = TaskDefinition.read(def);
    long count = b.plan() == null || b.plan().units() == null ? -1 : b.plan().units().unitCount();
    if (count < 0) {
      throw new UnitException(what + ": " + def + " has no unit count", false);
    }
    MergeShards p;
    try {
      p = MergeShards.of(params.output(), shards, MergeShards.segments(runDir));
    } catch (IllegalArgumentException e) {
      throw new UnitException(what + ": " + e.getMessage(), false);
    }
    Path root = MergeShards.touchRoot(blocksStep.resolve("output"));
    if (Files.isDirectory(root) && !Files.isDirectory(root.resolve(p.key()))) {
      List<String> keys = new ArrayList<>();
      try (var dirs = Files.list(root)) {
        dirs.forEach(d -> keys.add(d.getFileName().toString()));
      }
      throw new UnitException(
          what
              + ": mesh.blocks filed its blocks for merge units "
              + keys
              + ", this step's params make "
              + p.key()
              + ": set mergeShards, format, sharding and shardedAbove in the mesh stage's params,"
              + " which both steps read",
          false);
    }
    blocks = count;
    legacyBlocks = !Files.isDirectory(root);
    partition = p;
  }
}
