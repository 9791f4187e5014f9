package org.connectome.catalog;

import java.util.List;
import java.util.Optional;

/** A run with its stages (in stage order) and their steps. */
public record RunStatus(RunRecord run, List<StageStatus> stages) {
  public RunStatus {
    stages = stages == null ? List.of() : List.copyOf(stages);
  }

  public Optional<StageStatus> stage(String name) {
    return stages.stream().filter(s -> s.stage().equals(name)).findFirst();
  }
}
