package org.connectome.pipeline;

/**
 * The units of one step as a planner sized them: how many, of what kind, and how an index maps to
 * the data (for block steps, the grid). Never a list of units.
 *
 * @param unitKind section, section-pair, solve, block, subvolume or segment-shard
 * @param unitCount number of units
 * @param grid the block grid for block-like units, else null
 * @param description one line for people, for example {@code 48 sections (from the acquisition)}
 */
public record UnitSpace(String unitKind, long unitCount, BlockGrid grid, String description) {}
