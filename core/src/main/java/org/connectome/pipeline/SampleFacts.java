package org.connectome.pipeline;

/**
 * What planners know about the sample: measured by earlier stages where they have published it,
 * otherwise as declared in the spec's {@code volume}.
 *
 * @param sections number of sections
 * @param volume size of the aligned volume in voxels (z = sections)
 * @param sectionsSource where the section count came from, for plan descriptions
 */
public record SampleFacts(long sections, Vec3 volume, String sectionsSource) {}
