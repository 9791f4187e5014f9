package org.connectome.stages.synapses;

/**
 * One detected synaptic site, in voxels of the aligned volume (pixel centres at integer
 * coordinates, like every frame of the run).
 *
 * @param x cleft centre, x
 * @param y cleft centre, y
 * @param z cleft centre, section (an integer plane)
 * @param score confidence from 0 to 1: cleft contrast and vesicle evidence
 * @param pre pre-synaptic segment id (the side with the vesicles), 0 when unknown
 * @param post post-synaptic segment id, 0 when unknown
 * @param voxels cleft voxels found
 * @param contrast how much darker (grey levels) the cleft's median voxel is than the membranes of
 *     its sections
 * @param preVesicles vesicles counted on the pre-synaptic side
 * @param postVesicles vesicles counted on the other side
 */
public record Site(
    double x,
    double y,
    int z,
    double score,
    long pre,
    long post,
    int voxels,
    double contrast,
    int preVesicles,
    int postVesicles) {

  /** The voxel the site lies in (nearest voxel centre). */
  public long voxelX() {
    return (long) Math.floor(x + 0.5);
  }

  public long voxelY() {
    return (long) Math.floor(y + 0.5);
  }
}
