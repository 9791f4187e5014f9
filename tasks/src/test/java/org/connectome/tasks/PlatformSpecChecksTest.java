package org.connectome.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.connectome.spec.InvalidSpecException;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.SpecError;
import org.junit.jupiter.api.Test;

/**
 * The implementation checks per step: this module's tests have no stage code on the class path, so
 * only {@code synthetic} runs in task processes here, and {@code container} needs Kubernetes.
 */
class PlatformSpecChecksTest {
  private final RunSpecLoader loader = new RunSpecLoader(PlatformSpecChecks.all());

  static String spec(String executor, String segment) {
    return """
        sample: s
        run: r1
        acquisition: /data/acq
        dataRoot: /data/runs
        executor: %s
        stages:
          - stage: segment
        %s
        """
        .formatted(executor, segment.indent(4).stripTrailing());
  }

  List<String> errors(String yaml) {
    InvalidSpecException e =
        assertThrows(
            InvalidSpecException.class, () -> loader.parse(yaml, "run.yaml", Path.of("/x")));
    return e.errors().stream().map(SpecError::toString).toList();
  }

  static final String FFN_STEP =
      """
      implementation: synthetic
      steps:
        inference:
          implementation: container
          container: {image: ffn:1, command: [run, "{bbox}"]}
      """;

  @Test
  void aContainerStepNeedsKubernetesEvenWhenItsStageRunsLocally() throws Exception {
    List<String> m = errors(spec("{type: local}", FFN_STEP));
    assertEquals(1, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains(
                "stages[0].steps.inference.implementation: 'container' runs a facility's image and "
                    + "needs executor.type: kubernetes"),
        m.get(0));
    loader.parse(
        spec("{type: kubernetes, kubernetes: {namespace: c}}", FFN_STEP),
        "run.yaml",
        Path.of("/x"));
  }

  static final String COMMAND_STEP =
      """
      implementation: synthetic
      steps:
        inference:
          implementation: command
          container: {command: [python, run.py, "{bbox}"], python: tools/python/kernels.txt}
      """;

  @Test
  void aCommandStepRunsOnTheLocalExecutorOnly() throws Exception {
    loader.parse(spec("{type: local}", COMMAND_STEP), "run.yaml", Path.of("/x"));
    List<String> m = errors(spec("{type: kubernetes, kubernetes: {namespace: c}}", COMMAND_STEP));
    assertEquals(1, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains(
                "stages[0].steps.inference.implementation: 'command' runs a program of the worker's"
                    + " machine on the local executor"),
        m.get(0));
  }

  @Test
  void aStepsOwnImplementationMustExistForThatStep() {
    List<String> m =
        errors(
            spec(
                "{type: local}",
                """
        implementation: synthetic
        steps:
          relabel: {implementation: reference}
        """));
    assertEquals(1, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains(
                "stages[0].steps.relabel.implementation: 'reference' is not available for step "
                    + "segment.relabel"),
        m.get(0));
  }

  @Test
  void theReconciliationsShardsAreSetOnTheStageSoThatReconcileAndMergeAgree() throws Exception {
    List<String> m =
        errors(
            spec(
                "{type: local}",
                """
        implementation: synthetic
        steps:
          reconcile: {params: {shardSubvolumes: 2}}
          merge: {params: {mergeFanIn: 2}}
        """));
    assertEquals(2, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains("stages[0].steps.reconcile.params.shardSubvolumes: set it in the segment"),
        m.get(0));
    assertTrue(m.get(1).contains("stages[0].steps.merge.params.mergeFanIn"), m.get(1));
    loader.parse(
        spec(
            "{type: local}",
            """
        implementation: synthetic
        params: {shardSubvolumes: 2, mergeFanIn: 2}
        """),
        "run.yaml",
        Path.of("/x"));
  }

  @Test
  void theStagesImplementationIsCheckedForTheStepsThatRunIt() throws Exception {
    // every step has its own implementation: the stage's (unavailable here) runs nothing
    loader.parse(
        spec(
            "{type: local}",
            """
        implementation: reference
        steps:
          inference: {implementation: synthetic}
          overlaps: {implementation: synthetic}
          reconcile: {implementation: synthetic}
          merge: {implementation: synthetic}
          relabel: {implementation: synthetic}
        """),
        "run.yaml",
        Path.of("/x"));
    List<String> m =
        errors(
            spec(
                "{type: local}",
                """
        implementation: reference
        steps:
          inference: {implementation: synthetic}
        """));
    assertEquals(1, m.size(), m.toString());
    assertTrue(
        m.get(0)
            .contains("stages[0].implementation: 'reference' is not available for stage segment"),
        m.get(0));
  }

  /** A reference stage needs the stages whose outputs it reads; a run reads only its own. */
  @Test
  void aReferenceStageNeedsTheStagesWhoseOutputsItReads() throws Exception {
    RunSpecLoader all = new RunSpecLoader(List.of(PlatformSpecChecks.inputs()));
    String yaml =
        """
        sample: s
        run: r1
        stages:
          - {stage: ingest, implementation: synthetic}
          - {stage: segment, implementation: reference}
          - {stage: synapses, implementation: reference, params: {whenNoSegmentation: ignore}}
          - {stage: mesh, implementation: reference}
        """;
    InvalidSpecException e =
        assertThrows(InvalidSpecException.class, () -> all.parse(yaml, "run.yaml", Path.of("/x")));
    assertEquals(
        List.of(
            "run.yaml:5: stages[1].stage: 'segment' (reference) reads what align writes, and a"
                + " run reads only its own outputs: add that stage before it",
            "run.yaml:6: stages[2].stage: 'synapses' (reference) reads what align writes, and a"
                + " run reads only its own outputs: add that stage before it"),
        e.errors().stream().map(SpecError::toString).toList());
  }

  @Test
  void kubernetesNamesAndIndexedJobSizesAreCheckedBeforeAnythingStarts() throws Exception {
    RunSpecLoader k8s = new RunSpecLoader(List.of(PlatformSpecChecks.kubernetes()));
    String yaml =
        """
        sample: s
        run: r1
        executor:
          type: kubernetes
          kubernetes: {namespace: EM_Lab, serviceAccount: connectome.tasks, priorityClass: "-high"}
        defaults: {tasksPerShard: 200000}
        stages:
          - {stage: ingest, implementation: synthetic}
        """;
    InvalidSpecException e =
        assertThrows(InvalidSpecException.class, () -> k8s.parse(yaml, "run.yaml", Path.of("/x")));
    List<String> m = e.errors().stream().map(SpecError::toString).toList();
    assertEquals(3, m.size(), m.toString());
    assertTrue(
        m.get(0).contains("executor.kubernetes.namespace: 'EM_Lab' is not a DNS-1123 label"));
    assertTrue(m.get(1).contains("executor.kubernetes.priorityClass: '-high' is not a DNS-1123"));
    assertTrue(m.get(2).startsWith("run.yaml:6: defaults.tasksPerShard: must be at most 100000"));
  }
}
