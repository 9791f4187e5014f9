package org.connectome.spec;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A step that runs another implementation than its stage: FFN's container for segment.inference
 * only.
 */
class StepImplementationTest {
  private final RunSpecLoader loader = new RunSpecLoader();

  static String spec(String segmentSteps) {
    return """
        sample: s
        run: r1
        acquisition: /data/acq
        dataRoot: /data/runs
        executor: {type: kubernetes, kubernetes: {namespace: connectome}}
        stages:
          - stage: segment
            implementation: reference
            params: {subvolumeSize: [512, 512, 64], subvolumeOverlap: [32, 32, 8]}
            steps:
        """
        + segmentSteps;
  }

  @Test
  void aStepRunsItsOwnContainerWhileItsStageRunsTheReference() throws Exception {
    RunSpec s =
        loader.parse(
            spec(
                """
              inference:
                implementation: container
                container:
                  image: registry.example.org/ffn:2024
                  command: [/opt/ffn/run-subvolume.sh, "{bbox}", "{stepDir}/output"]
                resources: {gpu: 1}
        """),
            "run.yaml",
            Path.of("/x"));
    StepSpec inference = s.stages().get(0).steps().get("inference");
    assertEquals("container", inference.implementation());
    assertEquals("registry.example.org/ffn:2024", inference.container().image());
    assertEquals(
        List.of("/opt/ffn/run-subvolume.sh", "{bbox}", "{stepDir}/output"),
        inference.container().command());
    assertEquals("reference", s.stages().get(0).implementation());
    assertNull(s.stages().get(0).container());
    // the fields survive the JSON round trip the workflow input takes
    assertEquals(s, RunSpecLoader.fromJson(RunSpecLoader.toJson(s)));
  }

  @Test
  void aContainerStepNeedsAnImageAndACommandHereOrOnItsStage() {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () ->
                loader.parse(
                    spec(
                        """
              inference: {implementation: container}
              relabel: {implementation: container, container: {image: x, command: []}}
        """),
                    "run.yaml",
                    Path.of("/x")));
    List<String> m = e.errors().stream().map(SpecError::toString).toList();
    assertEquals(2, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains(
                "stages[0].steps.inference.container: is required for implementation 'container' "
                    + "(here or at stages[0].container)"),
        m.toString());
    assertTrue(
        m.get(1).contains("stages[0].steps.relabel.container.command: must not be empty"),
        m.toString());
    // the stage's container serves a container step without its own
    assertDoesNotThrow(
        () ->
            loader.parse(
                spec("""
              inference: {implementation: container}
        """)
                    .replace(
                        "implementation: reference",
                        "implementation: reference\n    container: {image: ffn:1, "
                            + "command: [run]}"),
                "run.yaml",
                Path.of("/x")));
  }

  @Test
  void anUnknownStepImplementationIsASchemaError() {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class,
            () ->
                loader.parse(
                    spec(
                        """
              inference: {implementation: ffn}
        """),
                    "run.yaml",
                    Path.of("/x")));
    List<String> m = e.errors().stream().map(SpecError::toString).toList();
    assertTrue(
        m.stream().anyMatch(x -> x.contains("stages[0].steps.inference.implementation")),
        m.toString());
  }
}
