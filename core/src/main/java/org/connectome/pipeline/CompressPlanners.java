package org.connectome.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.spec.RunSpec;
import org.connectome.spec.StageSpec;
import org.connectome.spec.VolumeSpec;

/**
 * The planners of the compress stage ({@link PyramidPlan}): {@code compress.image} and {@code
 * compress.segmentation} write scale 0 (and, unsharded, the scales within a block) from their
 * input, one unit per shard when sharded, else per block; then one pyramid step per further scale
 * ({@code compress.pyramid1}, {@code pyramid2}, ...), each reading the scale below it by unit and
 * writing the next scale of the image and of the segmentation.
 *
 * <p>The number of pyramid steps comes from the spec's {@code volume} (the chain is fixed before
 * alignment measures the volume): the last pyramid step writes every scale left, so a measured
 * volume larger than declared still gets its whole pyramid, and steps beyond a smaller one have no
 * units.
 */
public final class CompressPlanners {
  /** Name prefix of the pyramid steps: {@code pyramid1} writes the first scale above compress. */
  public static final String PYRAMID = "pyramid";

  /** Parameter the pipeline gives each pyramid step: its number, from 1. */
  public static final String STEP_PARAM = "pyramidStep";

  /** Parameter the pipeline gives each pyramid step: how many pyramid steps there are. */
  public static final String STEPS_PARAM = "pyramidSteps";

  /** Names of the volumes, and of the compress steps that write their scale 0. */
  public static final List<String> VOLUMES = List.of("image", "segmentation");

  /** Bytes per voxel the planners assume: the image is uint8, the segmentation uint64. */
  public static final int IMAGE_BYTES = 1;

  public static final int SEGMENTATION_BYTES = 8;

  private CompressPlanners() {}

  public static final Param<int[]> BLOCK_SIZE =
      Param.int3(
          "blockSize",
          ints(PyramidPlan.DEFAULT_BLOCK),
          1,
          "Size of a block in voxels (x, y, z): the unit of an unsharded volume, and how far a"
              + " block's own pyramid goes.");
  public static final Param<int[]> CHUNK_SIZE =
      Param.int3(
          "chunkSize",
          ints(PyramidPlan.DEFAULT_CHUNK),
          1,
          "Chunk size of every scale, voxels (x, y, z).");
  public static final Param<Integer> SCALES =
      Param.integer(
          "scales",
          null,
          1,
          32,
          "Number of scales (default: until the coarsest fits one chunk in x and y).");
  public static final Param<int[]> DOWNSAMPLE =
      Param.int3(
          "downsample",
          ints(PyramidPlan.DEFAULT_DOWNSAMPLE),
          1,
          "Factor between scales: [2, 2, 1] or [2, 2, 2].");
  public static final Param<String> SHARDING =
      Param.choice(
          "sharding",
          "auto",
          List.of("auto", "always", "never"),
          "Neuroglancer sharded output: auto (above shardedAbove), always, or never (a file per"
              + " chunk).");
  public static final Param<Long> SHARDED_ABOVE =
      Param.bytes(
          "shardedAbove",
          PyramidPlan.DEFAULT_SHARDED_ABOVE,
          "With sharding auto: a volume larger than this at scale 0 (uncompressed) is sharded.");
  public static final Param<Long> SHARD_BYTES =
      Param.bytes(
          "shardBytes",
          PyramidPlan.DEFAULT_SHARD_BYTES,
          "Largest shard file, uncompressed: a shard holds the largest power of two of chunks"
              + " that fits.");

  /** What the compress planners read (the units and the pyramid depend on all of them). */
  public static final List<Param<?>> PARAMS =
      List.of(BLOCK_SIZE, CHUNK_SIZE, SCALES, DOWNSAMPLE, SHARDING, SHARDED_ABOVE, SHARD_BYTES);

  private static int[] ints(Vec3 v) {
    return new int[] {(int) v.x(), (int) v.y(), (int) v.z()};
  }

  /** Whether {@code step} of the compress stage is a pyramid step. */
  public static boolean isPyramidStep(String step) {
    return step.startsWith(PYRAMID) && step.length() > PYRAMID.length();
  }

  /**
   * Pyramid steps the chain gets for {@code stage} (the compress stage of {@code spec}): the most
   * scales above the compress steps of the image or the segmentation for the declared volume, at
   * least one.
   */
  public static int pyramidSteps(RunSpec spec, StageSpec stage) {
    VolumeSpec v = spec.volume();
    if (v == null || v.width() == null || v.height() == null || v.sections() == null) {
      return 1;
    }
    Vec3 size = new Vec3(v.width(), v.height(), v.sections());
    int n = 1;
    Map<String, Object> p = pyramidParams(stage, 1, 1);
    for (int i = 0; i < 2; i++) {
      try {
        n =
            Math.max(
                n, PyramidPlan.of(size, volumeParams(p, VOLUMES.get(i)), BYTES[i]).pyramidLevels());
      } catch (IllegalArgumentException e) {
        // bad parameters are reported by the spec check; plan one step meanwhile
      }
    }
    return n;
  }

  private static final int[] BYTES = {IMAGE_BYTES, SEGMENTATION_BYTES};

  /**
   * The parameters of pyramid step {@code k} of {@code n}: the stage's, with each volume's own (its
   * compress step's parameters over the stage's) under {@code image} and {@code segmentation},
   * since a scale must be cut like the scale 0 that its volume's step wrote.
   */
  public static Map<String, Object> pyramidParams(StageSpec stage, int k, int n) {
    Map<String, Object> p = new LinkedHashMap<>(stage.params());
    for (String volume : VOLUMES) {
      Map<String, Object> own = new LinkedHashMap<>(stage.params());
      var step = stage.steps().get(volume);
      if (step != null) {
        own.putAll(step.params());
      }
      p.put(volume, own);
    }
    p.put(STEP_PARAM, k);
    p.put(STEPS_PARAM, n);
    return p;
  }

  /** A volume's own parameters within a pyramid step's. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> volumeParams(Map<String, Object> pyramidParams, String volume) {
    return pyramidParams.get(volume) instanceof Map<?, ?> m
        ? (Map<String, Object>) m
        : pyramidParams;
  }

  /** The planner of {@code compress.<step>}, or null when it is none of these. */
  static StepPlanner of(String step) {
    return switch (step) {
      case "image" -> new Scale0Planner(IMAGE_BYTES);
      case "segmentation" -> new Scale0Planner(SEGMENTATION_BYTES);
      default -> isPyramidStep(step) ? new PyramidPlanner() : null;
    };
  }

  private static Vec3 volume(StepConfig step, SampleFacts facts) throws PlanningException {
    if (facts.volume().volume() == 0) {
      throw new PlanningException(
          "step "
              + step.qualifiedName()
              + ": the volume size is unknown; set volume.width,"
              + " volume.height and volume.sections in the spec or run the alignment that measures it");
    }
    return facts.volume();
  }

  private static PyramidPlan pyramid(StepConfig step, Vec3 size, int bytes)
      throws PlanningException {
    try {
      return PyramidPlan.of(size, step.params(), bytes);
    } catch (IllegalArgumentException e) {
      throw new PlanningException("step " + step.qualifiedName() + ": " + e.getMessage());
    }
  }

  /** compress.image and compress.segmentation: scale 0 by shard or by block. */
  record Scale0Planner(int bytesPerVoxel) implements StepPlanner {
    @Override
    public List<Param<?>> params() {
      return PARAMS;
    }

    /** A shard of up to 1 GiB is a few minutes of work; a few blocks are too. */
    @Override
    public int defaultUnitsPerTask() {
      return 4;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      Vec3 size = volume(step, facts);
      PyramidPlan p = pyramid(step, size, bytesPerVoxel);
      BlockGrid grid = p.units(0);
      String what =
          p.sharded()
              ? "shards of scale 0: " + p.shardLayout(0).describe()
              : "blocks of " + grid.blockSize() + " writing scales 0 to " + p.compressTop();
      return new UnitSpace(
          p.sharded() ? "shard" : "block",
          grid.blockCount(),
          grid,
          grid.blockCount() + " " + what + " over " + size + shardingReason(p, size));
    }
  }

  static String shardingReason(PyramidPlan p, Vec3 size) {
    double bytes = (double) size.volume() * p.bytesPerVoxel();
    return p.sharded()
        ? "; sharded ("
            + human(bytes)
            + " at scale 0; shards of at most "
            + human(p.shardBytes())
            + " uncompressed)"
        : "; unsharded (" + human(bytes) + " at scale 0)";
  }

  /** {@code 18.2 MiB}, {@code 1.0 GiB}, {@code 75.3 TiB}. */
  static String human(double bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < units.length - 1) {
      bytes /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", bytes, units[u]);
  }

  /**
   * Pyramid step {@code k}: scale {@code compressTop + k} of the image and of the segmentation (the
   * last step: every scale from there up), one unit per shard or block of each scale, image first.
   * Unit {@code i} maps to a (volume, scale, box) by {@link #units}.
   */
  record PyramidPlanner() implements StepPlanner {
    @Override
    public List<Param<?>> params() {
      return PARAMS;
    }

    @Override
    public int defaultUnitsPerTask() {
      return 4;
    }

    @Override
    public UnitSpace plan(StepConfig step, SampleFacts facts) throws PlanningException {
      Vec3 size = volume(step, facts);
      List<Part> parts = units(step.params(), size);
      long n = 0;
      List<String> what = new ArrayList<>();
      for (Part part : parts) {
        n += part.units().blockCount();
        what.add(
            part.volume()
                + " scale "
                + part.level()
                + " from "
                + (part.level() - 1)
                + ": "
                + part.units().blockCount()
                + " "
                + (part.plan().sharded() ? "shards" : "blocks"));
      }
      return new UnitSpace(
          parts.isEmpty() || parts.get(0).plan().sharded() ? "shard" : "block",
          n,
          new BlockGrid(size, size, new Vec3(0, 0, 0)),
          n == 0 ? "the pyramid is complete below this step" : String.join("; ", what));
    }
  }

  /**
   * The units of a pyramid step, in unit order: per volume ({@code image}, then {@code
   * segmentation}), per scale, the shards or blocks of that scale.
   *
   * @param volume {@code image} or {@code segmentation}
   * @param plan that volume's pyramid
   * @param level the scale written
   * @param units its units (a grid of shards or blocks)
   * @param first the step's unit index of {@code units}' block 0
   */
  public record Part(String volume, PyramidPlan plan, int level, BlockGrid units, long first) {}

  /**
   * The parts of the pyramid step whose params are {@code params}, over a volume of {@code size}.
   */
  public static List<Part> units(Map<String, Object> params, Vec3 size) {
    int k = params.get(STEP_PARAM) instanceof Number n ? n.intValue() : 1;
    int steps = params.get(STEPS_PARAM) instanceof Number n ? n.intValue() : 1;
    List<Part> out = new ArrayList<>();
    long first = 0;
    for (int v = 0; v < 2; v++) {
      String name = VOLUMES.get(v);
      PyramidPlan p = PyramidPlan.of(size, volumeParams(params, name), BYTES[v]);
      int from = p.compressTop() + k;
      int to = k == steps ? p.levels().size() - 1 : Math.min(from, p.levels().size() - 1);
      for (int level = from; level <= to; level++) {
        BlockGrid g = p.units(level);
        out.add(new Part(name, p, level, g, first));
        first += g.blockCount();
      }
    }
    return out;
  }
}
