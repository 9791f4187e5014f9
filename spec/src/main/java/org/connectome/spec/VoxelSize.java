package org.connectome.spec;

/**
 * Voxel size in nanometres: x and y are the pixel size of the aligned images, z the section
 * thickness.
 */
public record VoxelSize(double x, double y, double z) {}
