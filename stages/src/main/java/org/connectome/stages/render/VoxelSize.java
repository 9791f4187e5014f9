package org.connectome.stages.render;

import java.io.IOException;
import java.util.Map;
import org.connectome.stages.precomputed.ParamValues;
import org.connectome.task.TaskDefinition;

/**
 * The voxel size (nm) written as the resolution of the aligned volume: the step's {@code
 * params.voxelSize} ({@code [x, y, z]} or {@code {x, y, z}}) when a stage overrides it, else the
 * run spec's {@code voxelSize}, which the step definition carries.
 */
public final class VoxelSize {
  public static final String PARAM = "voxelSize";

  private VoxelSize() {}

  public static double[] resolve(String step, Map<String, Object> params, TaskDefinition def)
      throws IOException {
    double[] p = new ParamValues(step, params).positive3(PARAM);
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
