package org.connectome.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The units of one step as a planner sized them: how many, of what kind, and how an index maps to
 * the data (for block steps, the grid). Never a list of units.
 *
 * @param unitKind section, section-pair, solve, block, subvolume or segment-shard
 * @param unitCount number of units
 * @param grid the block grid for block-like units, else null
 * @param description one line for people, for example {@code 48 sections (from the acquisition)}
 * @param rounds units of each round when units read what earlier units of the step wrote (see
 *     {@link org.connectome.units.Grouping}), else null
 */
public record UnitSpace(
    String unitKind,
    long unitCount,
    BlockGrid grid,
    String description,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Long> rounds) {
  public UnitSpace {
    rounds = rounds == null ? null : List.copyOf(rounds);
  }

  /** Units that all may run at once. */
  public UnitSpace(String unitKind, long unitCount, BlockGrid grid, String description) {
    this(unitKind, unitCount, grid, description, null);
  }
}
