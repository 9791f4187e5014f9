package org.connectome.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Voxel size in nanometres: x and y are the pixel size of the aligned images, z the section
 * thickness.
 */
public record VoxelSize(double x, double y, double z) {
  /**
   * Sections at most this many times as thick as a pixel count as isotropic ({@link #isotropic()}).
   */
  public static final double ISOTROPIC_Z = 1.5;

  /**
   * Whether the voxels are (nearly) cubic, as in FIB-SEM, rather than the thin-pixel, thick-section
   * voxels of serial sections: stages that default by it read such a volume in three orientations
   * and remove the slow drift its oblique structures give the alignment.
   */
  @JsonIgnore // derived, not a field of the spec or of a workflow's input
  public boolean isotropic() {
    return z <= ISOTROPIC_Z * Math.max(x, y);
  }
}
