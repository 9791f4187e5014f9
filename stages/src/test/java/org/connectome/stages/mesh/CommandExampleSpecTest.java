package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.tasks.PlatformSpecChecks;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/command/run.yaml} loads with every check this build runs and resolves to the
 * zmesh program for both mesh steps, in the pinned kernels environment, with the program's path
 * reaching the checkout's script from the run's folder (where the program runs). The run itself
 * (zmesh through the local command implementation) is {@code LocalCommandTest}'s and the example
 * README's.
 */
class CommandExampleSpecTest {
  static final Path SPEC = Path.of("..", "examples", "command", "run.yaml");

  @Test
  void theCommandExampleRunsZmeshForBothMeshSteps() throws Exception {
    RunSpec spec = new RunSpecLoader(PlatformSpecChecks.all(Set.of("ingest/reference"))).load(SPEC);
    Map<String, StepConfig> steps = new HashMap<>();
    Pipeline.steps(spec).forEach(s -> steps.put(s.qualifiedName(), s));
    for (String name : List.of("mesh.blocks", "mesh.merge")) {
      StepConfig s = steps.get(name);
      assertEquals(Pipeline.COMMAND, s.implementation(), name);
      assertEquals("tools/python/kernels.txt", s.container().python(), name);
      assertTrue(Files.isRegularFile(Path.of("..", s.container().python())), name);
      assertTrue(s.container().command().contains("{params.program}"), name);
      assertTrue(!s.container().outputs().isEmpty(), name);
    }
    assertTrue(steps.get("mesh.blocks").container().command().contains("{bbox}"));
    assertTrue(steps.get("mesh.merge").container().command().contains("manifests"));
    // the program runs in the run's folder: its relative path must reach the checkout's script
    Path runDir = Path.of(spec.dataRoot(), spec.sample(), spec.run());
    Path program = runDir.resolve((String) steps.get("mesh.blocks").params().get("program"));
    assertTrue(Files.isRegularFile(program.normalize()), program.normalize().toString());
    assertEquals("reference", steps.get("compress.segmentation").implementation());
  }
}
