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

  /** Every parameter of the reference mesh steps. */
  public static final List<Param<?>> PARAMS = List.of(SIMPLIFY, FOLDER);

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
    return new MeshParams(simplify, FOLDER.read(step, params));
  }
}
