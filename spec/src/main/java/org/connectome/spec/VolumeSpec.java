package org.connectome.spec;

/**
 * The sample's expected geometry, in voxels of {@link RunSpec#voxelSize()}. Planners size their
 * unit spaces from it until earlier stages publish measured facts (sections found by ingest, the
 * aligned volume's bounds).
 *
 * @param sections number of sections (z extent)
 * @param width x extent of the aligned volume
 * @param height y extent of the aligned volume
 * @param mfovsPerSection multi-beam fields of view per section
 * @param beams beams per mFoV (61 on the MultiSEM of H01)
 */
public record VolumeSpec(
    Long sections, Long width, Long height, Integer mfovsPerSection, Integer beams) {}
