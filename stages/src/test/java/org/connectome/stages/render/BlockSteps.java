package org.connectome.stages.render;

import java.nio.file.Path;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.StepPlan;
import org.connectome.pipeline.UnitSpace;
import org.connectome.pipeline.Vec3;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitRunner;
import org.connectome.tasks.UnitRunnerFactory;
import org.connectome.units.Grouping;

/** Test helper: a block step's definition as the planner writes it, and running all its units. */
public final class BlockSteps {
  private BlockSteps() {}

  public static TaskDefinition definition(
      Path runDir, String stage, String step, Vec3 volume, Vec3 block, Map<String, Object> params) {
    BlockGrid grid = new BlockGrid(volume, block, new Vec3(0, 0, 0));
    UnitSpace units = new UnitSpace("block", grid.blockCount(), grid, "test");
    return new TaskDefinition(
        "sample/r1",
        stage,
        step,
        "reference",
        params,
        "h1",
        "test",
        new StepPlan(units, new Grouping(grid.blockCount(), 4, 100)),
        runDir.toString(),
        null,
        null,
        new org.connectome.spec.VoxelSize(8, 8, 33));
  }

  public static StepLayout layout(Path runDir, String stage, String step) {
    return new StepLayout(runDir.resolve("stages").resolve(stage).resolve(step));
  }

  /** Creates the runner and runs every unit in order, like one task after the other. */
  public static void runAll(UnitRunnerFactory factory, TaskDefinition def) throws Exception {
    StepLayout layout = layout(Path.of(def.runDir()), def.stage(), def.step());
    try (UnitRunner r = factory.create(def, layout)) {
      for (long u = 0; u < def.plan().units().unitCount(); u++) {
        r.run(new UnitContext(def, layout, u, u / 4, 1));
      }
    }
  }

  public static UnitRunner create(UnitRunnerFactory factory, TaskDefinition def)
      throws BadDefinitionException {
    return factory.create(def, layout(Path.of(def.runDir()), def.stage(), def.step()));
  }
}
