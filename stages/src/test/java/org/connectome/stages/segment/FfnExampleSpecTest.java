package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.tasks.PlatformSpecChecks;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/ffn/run.yaml} loads with every check this build runs (the reference segment steps
 * exist, the container step has Kubernetes, an image and a command), and resolves to FFN's
 * container for {@code segment.inference} only, with placeholders the executor fills.
 */
class FfnExampleSpecTest {
  static final Path SPEC = Path.of("..", "examples", "ffn", "run.yaml");
  static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_.-]*)}");

  @Test
  void theFfnExampleIsValidAndRunsFfnForInferenceOnly() throws Exception {
    // as the CLI checks it: the reference ingest runs inside the workers (IngestExecutor.ROUTE)
    RunSpec spec =
        new RunSpecLoader(PlatformSpecChecks.all(java.util.Set.of("ingest/reference"))).load(SPEC);
    Map<String, StepConfig> steps = new java.util.HashMap<>();
    Pipeline.steps(spec).forEach(s -> steps.put(s.qualifiedName(), s));
    StepConfig inference = steps.get("segment.inference");
    assertEquals("container", inference.implementation());
    assertEquals(
        1, inference.unitsPerTask(), "{bbox} is one subvolume's box only with one unit per task");
    assertEquals(1, inference.resources().gpu());
    List<String> command = inference.container().command();
    assertTrue(
        command.contains("{bbox}") && command.contains("{stepDir}/output"), command.toString());
    for (String arg : command) {
      Matcher m = PLACEHOLDER.matcher(arg);
      while (m.find()) {
        String name = m.group(1);
        assertTrue(
            List.of("bbox", "stepDir", "unitStart", "unitEnd").contains(name)
                || name.startsWith("params.") && inference.params().containsKey(name.substring(7)),
            arg);
      }
    }
    for (String other :
        List.of("segment.overlaps", "segment.reconcile", "segment.merge", "segment.relabel")) {
      assertEquals("reference", steps.get(other).implementation(), other);
      assertNull(steps.get(other).container(), other);
    }
    // inference and overlaps plan the same subvolumes: the grid is the stage's
    assertEquals(
        inference.params().get("subvolumeSize"),
        steps.get("segment.overlaps").params().get("subvolumeSize"));
    assertEquals(
        inference.params().get("subvolumeOverlap"),
        steps.get("segment.overlaps").params().get("subvolumeOverlap"));
  }
}
