package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code synapses.detect} (reference): unit {@code i} is block {@code i} of {@code blockSize}. It
 * reads the block with context (the plan's {@code blockOverlap}, at least {@code params.context})
 * from {@code volumes/aligned/} and {@code volumes/segmentation/}, detects synaptic sites ({@link
 * SynapseDetector}), keeps those whose position lies in the block's core, so that every site is
 * reported by exactly one block, and writes them atomically to its block file ({@link BlockSites}).
 * The step after it, {@code synapses.index} ({@link SynapseIndexRunner}), builds {@code
 * output/synapses.tsv} and the annotations in {@code neuroglancer/synapses/} once from all block
 * files ({@code index: step}, the default). With {@code index: last-block} a unit that finds every
 * block file present builds them instead (the last block to finish, whatever the order; concurrent
 * builders write identical files): for small runs driven without the index step, since every unit
 * then checks all block files.
 */
public final class SynapseDetectRunner implements UnitRunner {
  /**
   * Fewest voxels with data for a grey level tile to count (a tile mostly outside the sections has
   * none).
   */
  static final int MIN_TILE_VOXELS = 4096;

  private final Path runDir;
  private final StepLayout layout;
  private final BlockGrid grid;
  private final DetectParams params;
  private final String paramsHash;
  private final SynapseIndex.Sharding sharding;
  private final SynapseDetector detector;

  /** Grey levels of the tiles this task has measured: its blocks share tiles. */
  private final GreyLevels.Cache levelCache = new GreyLevels.Cache();

  private PrecomputedVolume aligned;
  private PrecomputedVolume segmentation;
  private boolean noSegmentation;

  SynapseDetectRunner(
      Path runDir,
      StepLayout layout,
      BlockGrid grid,
      DetectParams params,
      String paramsHash,
      SynapseIndex.Sharding sharding) {
    this.runDir = runDir;
    this.layout = layout;
    this.grid = grid;
    this.params = params;
    this.paramsHash = paramsHash;
    this.sharding = sharding;
    this.detector = new SynapseDetector(params);
  }

  public static SynapseDetectRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid =
        def.plan() == null || def.plan().units() == null ? null : def.plan().units().grid();
    if (grid == null) {
      throw new BadDefinitionException("synapses.detect: the step definition has no block grid");
    }
    try {
      return new SynapseDetectRunner(
          Path.of(def.runDir()),
          layout,
          grid,
          DetectParams.parse(def.params()),
          def.paramsHash() == null ? "none" : def.paramsHash(),
          SynapseIndexRunner.sharding(def.params()));
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  /**
   * The region a block reads: its core grown by the plan's overlap, at least by {@code context},
   * clipped.
   */
  Box region(long unit) {
    Box core = grid.core(unit);
    Vec3 v = grid.volume();
    int[] c = params.context();
    long ox = Math.max(grid.overlap().x(), c[0]);
    long oy = Math.max(grid.overlap().y(), c[1]);
    long oz = Math.max(grid.overlap().z(), c[2]);
    return new Box(
        new Vec3(
            Math.max(0, core.start().x() - ox),
            Math.max(0, core.start().y() - oy),
            Math.max(0, core.start().z() - oz)),
        new Vec3(
            Math.min(v.x(), core.end().x() + ox),
            Math.min(v.y(), core.end().y() + oy),
            Math.min(v.z(), core.end().z() + oz)));
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Box core = grid.core(unit.unit());
    Box region = region(unit.unit());
    String what = "synapses.detect block " + unit.unit() + " (" + core.chunkName() + ")";
    try {
      open();
      // grey levels come from whole tiles of a fixed grid, the same from every block
      GreyLevels levels =
          GreyLevels.measure(
              aligned,
              GreyLevels.tilesCovering(region, grid.volume(), params.levelTile()),
              GreyLevels.Settings.of(params, MIN_TILE_VOXELS),
              levelCache);
      ByteVolume image = aligned.readImage(0, region);
      LabelVolume labels = segmentation == null ? null : segmentation.readLabels(0, region);
      List<Site> all = detector.detect(region, image, labels, grid.volume().z(), levels);
      List<Site> mine = all.stream().filter(s -> inside(core, s)).toList();
      new BlockSites(
              unit.unit(),
              core.chunkName(),
              region.chunkName(),
              paramsHash,
              mine,
              labels == null ? new long[0] : segmentsIn(labels, region, core))
          .write(layout.outputDir());
      if (params.indexAtLastBlock()
          && SynapseIndex.complete(layout.outputDir(), grid.blockCount(), paramsHash)) {
        SynapseIndex.build(
            runDir,
            layout.outputDir(),
            grid.blockCount(),
            paramsHash,
            grid.volume(),
            params.spatialLimit(),
            sharding);
      }
    } catch (NoSuchFileException e) {
      throw new UnitException(
          what
              + ": missing input "
              + e.getFile()
              + (e.getReason() == null ? "" : " (" + e.getReason() + ")"),
          true,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException(what + ": " + e, true, e);
    }
  }

  /** The distinct non-zero segment ids of the core part of a region's labels, sorted unsigned. */
  static long[] segmentsIn(LabelVolume labels, Box region, Box core) {
    java.util.TreeSet<Long> ids = new java.util.TreeSet<>(Long::compareUnsigned);
    long[] d = labels.data();
    int nx = labels.sx();
    int ny = labels.sy();
    long last = 0;
    for (long z = core.start().z(); z < core.end().z(); z++) {
      for (long y = core.start().y(); y < core.end().y(); y++) {
        int row =
            (int)
                (((z - region.start().z()) * ny + (y - region.start().y())) * nx
                    - region.start().x());
        for (long x = core.start().x(); x < core.end().x(); x++) {
          long l = d[(int) (row + x)];
          // runs of one label are the rule: skip the set for them
          if (l != 0 && l != last) {
            ids.add(l);
            last = l;
          }
        }
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  /** Whether a site's voxel lies in the core (each voxel has exactly one block). */
  static boolean inside(Box core, Site s) {
    long x = s.voxelX();
    long y = s.voxelY();
    return x >= core.start().x()
        && x < core.end().x()
        && y >= core.start().y()
        && y < core.end().y()
        && s.z() >= core.start().z()
        && s.z() < core.end().z();
  }

  private void open() throws IOException, UnitException {
    long[] expected = {grid.volume().x(), grid.volume().y(), grid.volume().z()};
    if (aligned == null) {
      PrecomputedVolume a = PrecomputedVolume.open(RunVolumes.aligned(runDir));
      if (a.info().dataType() != DataType.UINT8
          || a.info().numChannels() != 1
          || !Arrays.equals(a.info().scale(0).size(), expected)) {
        throw new UnitException(
            "synapses.detect: volumes/aligned is "
                + a.info().dataType().json()
                + " x"
                + a.info().numChannels()
                + " of "
                + Arrays.toString(a.info().scale(0).size())
                + "; expected uint8, one"
                + " channel, of "
                + Arrays.toString(expected),
            false);
      }
      aligned = a;
    }
    if (segmentation == null && !noSegmentation) {
      Path seg = RunVolumes.segmentation(runDir);
      if (!Files.isRegularFile(seg.resolve("info"))) {
        if (params.requireSegmentation()) {
          throw new NoSuchFileException(
              seg.resolve("info").toString(),
              null,
              "no global segmentation (segment.relabel writes it; params.whenNoSegmentation: ignore detects without"
                  + " pre and post)");
        }
        noSegmentation = true;
        return;
      }
      PrecomputedVolume s = PrecomputedVolume.open(seg);
      DataType t = s.info().dataType();
      if ((t != DataType.UINT64 && t != DataType.UINT32)
          || s.info().numChannels() != 1
          || !Arrays.equals(s.info().scale(0).size(), expected)) {
        throw new UnitException(
            "synapses.detect: volumes/segmentation is "
                + t.json()
                + " x"
                + s.info().numChannels()
                + " of "
                + Arrays.toString(s.info().scale(0).size())
                + "; expected uint64 or"
                + " uint32, one channel, of "
                + Arrays.toString(expected),
            false);
      }
      segmentation = s;
    }
  }
}
