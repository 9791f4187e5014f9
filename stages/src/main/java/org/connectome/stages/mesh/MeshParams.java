package org.connectome.stages.mesh;

import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /**
   * Reads the params; throws {@link IllegalArgumentException} naming the parameter when one is
   * wrong.
   */
  public static MeshParams of(String step, Map<String, Object> params) {
    Map<String, Object> p = params == null ? Map.of() : params;
    org.connectome.stages.precomputed.ParamValues v =
        new org.connectome.stages.precomputed.ParamValues(step, p);
    Output out =
        new Output(
            v.string("format", "multires", List.of("multires", "legacy")).equals("multires"),
            v.integer("lods", Output.DEFAULT.lods(), 1, 8),
            v.string("sharding", "auto", List.of("auto", "always", "never")),
            v.integer("shardedAbove", (int) Output.DEFAULT.shardedAbove(), 0, Integer.MAX_VALUE));
    return new MeshParams(simplify(step, p.get("simplify")), folder(step, p.get("mesh")), out);
  }

  private static Simplify simplify(String step, Object v) {
    if (v == null || Boolean.FALSE.equals(v)) {
      return null;
    }
    if (Boolean.TRUE.equals(v)) {
      return DEFAULT_SIMPLIFY;
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          step + ": params.simplify must be true, false or {ratio, maxError}, not " + v);
    }
    for (Object k : m.keySet()) {
      if (!Set.of("ratio", "maxError").contains(String.valueOf(k))) {
        throw new IllegalArgumentException(
            step + ": params.simplify." + k + " is not a parameter (ratio, maxError)");
      }
    }
    Object r = m.get("ratio");
    Object e = m.get("maxError");
    if (r == null && e == null) {
      throw new IllegalArgumentException(
          step
              + ": params.simplify needs ratio (share of triangles to keep, 0 to 1)"
              + " or maxError (nm), or both");
    }
    double ratio = 0;
    if (r != null) {
      if (!(r instanceof Number n) || !(n.doubleValue() > 0 && n.doubleValue() <= 1)) {
        throw new IllegalArgumentException(
            step + ": params.simplify.ratio must be a number above 0 and at most 1," + " not " + r);
      }
      ratio = n.doubleValue();
    }
    double maxError = Double.POSITIVE_INFINITY;
    if (e != null) {
      if (!(e instanceof Number n)
          || !(n.doubleValue() >= 0)
          || Double.isInfinite(n.doubleValue())) {
        throw new IllegalArgumentException(
            step + ": params.simplify.maxError must be a number of nm >= 0, not " + e);
      }
      maxError = n.doubleValue();
    }
    return new Simplify(ratio, maxError);
  }

  private static String folder(String step, Object v) {
    if (v == null) {
      return DEFAULT_FOLDER;
    }
    String s = v.toString();
    if (!s.matches("[A-Za-z0-9_.-]+") || s.equals(".") || s.equals("..")) {
      throw new IllegalArgumentException(
          step + ": params.mesh must be a folder name (letters, digits, _ . -), not " + v);
    }
    return s;
  }
}
