package org.connectome.stages.mesh;

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
public record MeshParams(Simplify simplify, String folder) {
  public static final String DEFAULT_FOLDER = "mesh";

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
    return new MeshParams(simplify(step, p.get("simplify")), folder(step, p.get("mesh")));
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
