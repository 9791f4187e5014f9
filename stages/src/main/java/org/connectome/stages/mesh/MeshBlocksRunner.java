package org.connectome.stages.mesh;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Planners;
import org.connectome.stages.precomputed.AtomicFiles;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.render.VoxelSize;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code mesh.blocks}: unit {@code i} is block {@code i} of {@code blockSize} (with {@code
 * blockOverlap}, at least one voxel) over {@code volumes/segmentation/}. It meshes every segment of
 * the block by marching cubes ({@link BlockMesher}), vertices in nm from the voxel size ({@code
 * params.voxelSize}, else the run spec's), simplifies them when {@code params.simplify} asks (seams
 * fixed), and writes {@code output/blocks/<unit / 1000>/ u<unit>.mesh} ({@link BlockMeshFile}),
 * then files the block under each mesh.merge unit it has segments for ({@link MergeShards}, {@code
 * params.mergeShards}: the touch index, so that a merge unit reads only its blocks) and writes
 * {@code output/stats/<unit / 1000>/u<unit>.json}, each atomically.
 */
public final class MeshBlocksRunner implements UnitRunner {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final double[] resolution;
  private final MeshParams params;
  private final long mergeShards;
  private PrecomputedVolume segmentation;
  private MergeShards merge;

  MeshBlocksRunner(
      Path runDir,
      StepLayout layout,
      BlockGrid grid,
      double[] resolution,
      MeshParams params,
      long mergeShards) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.resolution = resolution;
    this.params = params;
    this.mergeShards = mergeShards;
  }

  public static MeshBlocksRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid =
        def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
    if (grid == null) {
      throw new BadDefinitionException("mesh.blocks: the step definition has no block grid");
    }
    if (grid.overlap().x() < 1 || grid.overlap().y() < 1 || grid.overlap().z() < 1) {
      throw new BadDefinitionException(
          "mesh.blocks: params.blockOverlap must be at least [1, 1, 1] (a cube reads"
              + " the voxel past the block's high end, which makes neighbouring meshes meet), not "
              + grid.overlap());
    }
    try {
      return new MeshBlocksRunner(
          Path.of(def.runDir()),
          layout,
          grid,
          VoxelSize.resolve("mesh.blocks", def.params(), def),
          MeshParams.of("mesh.blocks", def.params()),
          Planners.MERGE_SHARDS.read(
              "mesh.blocks", def.params() == null ? Map.of() : def.params()));
    } catch (IllegalArgumentException | IOException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /**
   * What one unit did, {@code output/stats/<unit / 1000>/u<unit>.json}.
   *
   * @param unit unit index
   * @param block the block's core, {@code x0-x1_y0-y1_z0-z1}
   * @param segments segments with voxels in the core or surface in the block
   * @param meshes of which with triangles here
   * @param rawTriangles triangles before simplification
   * @param triangles triangles written
   * @param vertices vertices written
   * @param bytes size of the block file
   * @param seconds time taken
   */
  public record Stats(
      long unit,
      String block,
      int segments,
      int meshes,
      long rawTriangles,
      long triangles,
      long vertices,
      long bytes,
      double seconds) {}

  public static Path statsFile(Path stepOutputDir, long unit) {
    return stepOutputDir
        .resolve("stats")
        .resolve(String.format("%06d", unit / 1000))
        .resolve("u" + unit + ".json");
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    long t0 = System.nanoTime();
    Box core = grid.core(unit.unit());
    String what = "mesh.blocks block " + unit.unit() + " (" + core.chunkName() + ")";
    try {
      open();
      Map<Long, BlockMesher.Part> parts =
          BlockMesher.mesh(
              core,
              grid.volume(),
              box -> segmentation.readLabels(0, box),
              resolution,
              params.simplify());
      long bytes =
          BlockMeshFile.write(
              BlockMeshFile.file(layout.outputDir(), unit.unit()), unit.unit(), parts);
      // after the block file: a merge unit that finds its touch file finds the block
      Set<Long> units = new TreeSet<>();
      for (long id : parts.keySet()) {
        units.add(merge.unitOf(id));
      }
      // the partition's folder even for a block without segments: its absence marks blocks
      // written before the touch index
      Files.createDirectories(MergeShards.touchRoot(layout.outputDir()).resolve(merge.key()));
      for (long k : units) {
        AtomicFiles.writeIfChanged(
            merge.touchFile(layout.outputDir(), k, unit.unit()), new byte[0]);
      }
      int meshes = 0;
      long raw = 0;
      long tris = 0;
      long verts = 0;
      for (BlockMesher.Part p : parts.values()) {
        meshes += p.mesh().isEmpty() ? 0 : 1;
        raw += p.rawTriangles();
        tris += p.mesh().triangleCount();
        verts += p.mesh().vertexCount();
      }
      double seconds = Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
      AtomicFiles.write(
          statsFile(layout.outputDir(), unit.unit()),
          MAPPER.writeValueAsBytes(
              new Stats(
                  unit.unit(),
                  core.chunkName(),
                  parts.size(),
                  meshes,
                  raw,
                  tris,
                  verts,
                  bytes,
                  seconds)));
    } catch (NoSuchFileException e) {
      throw new UnitException(what + ": missing input " + e.getFile(), true, e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException(what + ": " + e, true, e);
    }
  }

  private void open() throws IOException, UnitException {
    if (segmentation != null) {
      return;
    }
    PrecomputedVolume in = PrecomputedVolume.open(RunVolumes.segmentation(runDir));
    VolumeInfo.Scale s0 = in.info().scale(0);
    long[] expected = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
    DataType t = in.info().dataType();
    if ((t != DataType.UINT64 && t != DataType.UINT32)
        || in.info().numChannels() != 1
        || !Arrays.equals(s0.size(), expected)) {
      throw new UnitException(
          "mesh.blocks: "
              + RunVolumes.SEGMENTATION
              + " is "
              + t.json()
              + " x"
              + in.info().numChannels()
              + " of "
              + Arrays.toString(s0.size())
              + "; expected uint64 or uint32, one channel,"
              + " of "
              + Arrays.toString(expected),
          false);
    }
    try {
      merge = MergeShards.of(params.output(), mergeShards, MergeShards.segments(runDir));
    } catch (IllegalArgumentException e) {
      throw new UnitException("mesh.blocks: " + e.getMessage(), false);
    }
    segmentation = in;
  }
}
