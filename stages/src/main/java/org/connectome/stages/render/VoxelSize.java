package org.connectome.stages.render;

import java.io.IOException;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.task.TaskDefinition;

/**
 * The voxel size (nm) written as the resolution of the aligned volume: the step's {@code
 * params.voxelSize} ({@code [x, y, z]} or {@code {x, y, z}}) when a stage overrides it, else the
 * run spec's {@code voxelSize}, which the step definition carries.
 */
public final class VoxelSize {
  /** The parameter: a stage's own resolution, overriding the spec's. */
  public static final Param<double[]> PARAM =
      Param.positive3(
          "voxelSize",
          "Resolution (nm) written into the volumes this step writes, instead of the spec's"
              + " voxelSize.");

  private VoxelSize() {}

  public static double[] resolve(String step, Map<String, Object> params, TaskDefinition def)
      throws IOException {
    double[] p = PARAM.read(step, params);
    if (p != null) {
      return p;
    }
    if (def.voxelSize() != null) {
      return new double[] {def.voxelSize().x(), def.voxelSize().y(), def.voxelSize().z()};
    }
    throw new IOException(
        step + ": the run spec sets no voxelSize (nm), which the volume's resolution needs");
  }
}
