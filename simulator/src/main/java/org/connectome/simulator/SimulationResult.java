package org.connectome.simulator;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link SimulatedMicroscope#generate} produced.
 *
 * @param acquisition the acquisition ("workflow") folder, {@code <name>_<YYYYMMDD>_<HH-MM-SS>}
 * @param groundTruth the ground-truth folder beside it
 * @param width aligned volume width, voxels
 * @param height aligned volume height, voxels
 * @param sections sections (volume depth)
 * @param tilesListed tile entries in the coordinate files (a re-imaged tile counts twice)
 * @param tileFiles tile files written (whole or damaged)
 * @param thumbnails thumbnail files written
 * @param cells cells with at least one voxel
 * @param synapses synapses placed
 * @param mitochondria mitochondria placed
 * @param faults rows of {@code faults.tsv}
 * @param bytes bytes written under the acquisition folder
 * @param elapsed wall time of the generation
 */
public record SimulationResult(
    Path acquisition,
    Path groundTruth,
    int width,
    int height,
    int sections,
    int tilesListed,
    int tileFiles,
    int thumbnails,
    int cells,
    int synapses,
    int mitochondria,
    int faults,
    long bytes,
    Duration elapsed) {}
