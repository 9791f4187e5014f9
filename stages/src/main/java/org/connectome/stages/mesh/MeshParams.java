package org.connectome.stages.mesh;

import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;

/**
 * The parameters of the mesh stage (both steps read the stage's params merged with their own).
 *
 * @param simplify the simplification mesh.blocks applies, or null for none ({@code
 *     params.simplify})
 * @param folder the mesh folder's name under {@code neuroglancer/segmentation/} ({@code
 *     params.mesh}, default {@code mesh}; compress.segmentation names the same folder in the
 *     segmentation's info)
 */
public record MeshParams(Simplify simplify, String folder, Output output) {
  public static final String DEFAULT_FOLDER = "mesh";

  /**
   * What mesh.merge writes ({@code params.format}, {@code lods}, {@code sharding}, {@code
   * shardedAbove}).
   *
   * @param multires {@code neuroglancer_multilod_draco} (format {@code multires}, the default),
   *     else the legacy single-resolution format ({@code legacy}, for small runs)
   * @param lods levels of detail of a multi-resolution mesh (default 3: full, a quarter and a
   *     sixteenth of the triangles)
   * @param sharding {@code auto} (default), {@code always} or {@code never}: {@code auto} shards
   *     multi-resolution meshes of more than {@code shardedAbove} segments (default 100)
   * @param shardedAbove segments above which {@code auto} shards
   */
  public record Output(boolean multires, int lods, String sharding, long shardedAbove) {
    public static final Output DEFAULT = new Output(true, 3, "auto", 100);

    /** Whether meshes of {@code segments} segments are sharded. */
    public boolean sharded(long segments) {
      return multires
          && switch (sharding) {
            case "always" -> true;
            case "never" -> false;
            default -> segments > shardedAbove;
          };
    }
  }

  /** {@code simplify: true} means this. */
  public static final Simplify DEFAULT_SIMPLIFY = new Simplify(0.1, 8.0);

  /**
   * Quadric edge-collapse simplification of each block's meshes, seams fixed.
   *
   * @param ratio share of the triangles to keep, 0 to 1 (0: as few as {@code maxError} allows)
   * @param maxError largest error of a collapse in nm (root mean square distance to the planes it
   *     merges); {@link Double#POSITIVE_INFINITY} for none
   */
  public record Simplify(double ratio, double maxError) {}

  static final Param<Map<String, Object>> SIMPLIFY =
      Param.flagOrOptions(
          "simplify",
          List.of(
              Param.number(
                  "ratio",
                  DEFAULT_SIMPLIFY.ratio(),
                  0,
                  true,
                  1,
                  "Share of the triangles to keep (0: as few as maxError allows)."),
              Param.number(
                  "maxError",
                  DEFAULT_SIMPLIFY.maxError(),
                  0,
                  1e12,
                  "Largest error of an edge collapse, nm.")),
          "Quadric simplification of each block's meshes, seams kept: true, false, or {ratio,"
              + " maxError}.");
  static final Param<String> FOLDER =
      Param.folderName(
          "mesh",
          DEFAULT_FOLDER,
          "The mesh folder's name under neuroglancer/segmentation/ (compress.segmentation names"
              + " the same folder in the segmentation's info).");

  static final Param<String> FORMAT =
      Param.choice(
          "format",
          "multires",
          List.of("multires", "legacy"),
          "Mesh format: multires (neuroglancer_multilod_draco, levels of detail) or legacy (one"
              + " fragment per segment, for small runs).");
  static final Param<Integer> LODS =
      Param.integer(
          "lods",
          Output.DEFAULT.lods(),
          1,
          8,
          "Levels of detail of a multi-resolution mesh (each a quarter of the triangles of the"
              + " one before).");
  static final Param<String> SHARDING =
      Param.choice(
          "sharding",
          Output.DEFAULT.sharding(),
          List.of("auto", "always", "never"),
          "Sharded multi-resolution meshes: auto (above shardedAbove segments), always, never.");
  static final Param<Integer> SHARDED_ABOVE =
      Param.integer(
          "shardedAbove",
          (int) Output.DEFAULT.shardedAbove(),
          0,
          Integer.MAX_VALUE,
          "With sharding auto: meshes of more segments than this are sharded.");

  /** Every parameter of the reference mesh steps. */
  public static final List<Param<?>> PARAMS =
      List.of(SIMPLIFY, FOLDER, FORMAT, LODS, SHARDING, SHARDED_ABOVE);

  /**
   * Reads the params; throws {@link IllegalArgumentException} naming the parameter when one is
   * wrong.
   */
  public static MeshParams of(String step, Map<String, Object> stepParams) {
    Map<String, Object> params = stepParams == null ? Map.of() : stepParams;
    Map<String, Object> s = SIMPLIFY.read(step, params);
    Simplify simplify = null;
    if (s != null) {
      boolean given = params.get("simplify") instanceof Map<?, ?>;
      Map<?, ?> m = given ? (Map<?, ?>) params.get("simplify") : Map.of();
      // an object names what it bounds: a ratio alone is not also bounded by the default error
      double ratio = given && !m.containsKey("ratio") ? 0 : (Double) s.get("ratio");
      double maxError =
          given && !m.containsKey("maxError")
              ? Double.POSITIVE_INFINITY
              : (Double) s.get("maxError");
      simplify = new Simplify(ratio, maxError);
    }
    Output out =
        new Output(
            FORMAT.read(step, params).equals("multires"),
            LODS.read(step, params),
            SHARDING.read(step, params),
            SHARDED_ABOVE.read(step, params));
    return new MeshParams(simplify, FOLDER.read(step, params), out);
  }
}
