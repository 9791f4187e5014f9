package org.connectome.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.connectome.spec.ContainerSpec;
import org.connectome.spec.RunSpec;
import org.connectome.spec.StageSpec;
import org.connectome.spec.StepSpec;
import org.connectome.spec.VolumeSpec;
import org.connectome.spec.VoxelSize;
import org.junit.jupiter.api.Test;

/**
 * Where the pipeline resolves a step's implementation and container: the step's own, else its
 * stage's.
 */
class StepImplementationTest {
  static final ContainerSpec FFN =
      new ContainerSpec(
          "registry.example.org/ffn:1", List.of("/opt/ffn/run-subvolume.sh", "{bbox}"), Map.of());
  static final ContainerSpec OTHER =
      new ContainerSpec("registry.example.org/other:1", List.of("run"), Map.of());

  static RunSpec spec(
      String segmentImplementation, ContainerSpec segmentContainer, Map<String, StepSpec> steps) {
    List<StageSpec> stages = new ArrayList<>();
    for (String s :
        List.of("ingest", "stitch", "align", "segment", "synapses", "compress", "mesh")) {
      boolean seg = s.equals("segment");
      stages.add(
          new StageSpec(
              s,
              seg ? segmentImplementation : "reference",
              Map.of(),
              seg ? steps : null,
              seg ? segmentContainer : null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null));
    }
    return new RunSpec(
        "s1",
        "r1",
        null,
        null,
        "/tmp/x",
        new VoxelSize(8, 8, 33),
        new VolumeSpec(10L, 2048L, 2048L, null, null),
        null,
        null,
        null,
        null,
        stages);
  }

  static StepSpec implementation(String impl, ContainerSpec c) {
    return new StepSpec(null, null, null, null, null, null, null, null, null, null, impl, c);
  }

  static StepConfig step(RunSpec s, String name) {
    return Pipeline.steps(s).stream()
        .filter(c -> c.qualifiedName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void inferenceRunsFfnsContainerAndTheOtherSegmentStepsTheReference() {
    RunSpec s = spec("reference", null, Map.of("inference", implementation("container", FFN)));
    assertEquals("container", step(s, "segment.inference").implementation());
    assertEquals(FFN, step(s, "segment.inference").container());
    for (String other : List.of("segment.overlaps", "segment.reconcile", "segment.relabel")) {
      assertEquals("reference", step(s, other).implementation(), other);
      assertNull(step(s, other).container(), other);
    }
  }

  @Test
  void theImplementationAndImageEnterTheHashOfTheStepAndEverythingAfter() {
    RunSpec reference = spec("reference", null, Map.of());
    RunSpec ffn = spec("reference", null, Map.of("inference", implementation("container", FFN)));
    RunSpec ffn2 = spec("reference", null, Map.of("inference", implementation("container", OTHER)));
    assertEquals(
        step(reference, "align.render").paramsHash(), step(ffn, "align.render").paramsHash());
    for (String name :
        List.of("segment.inference", "segment.overlaps", "segment.relabel", "mesh.merge")) {
      assertNotEquals(step(reference, name).paramsHash(), step(ffn, name).paramsHash(), name);
      assertNotEquals(step(ffn, name).paramsHash(), step(ffn2, name).paramsHash(), name);
    }
  }

  @Test
  void aContainerStepWithoutItsOwnContainerUsesTheStagesAndOtherStepsDoNot() {
    RunSpec s =
        spec(
            "container",
            FFN,
            Map.of(
                "relabel",
                implementation("reference", null),
                "overlaps",
                implementation(null, OTHER)));
    assertEquals(FFN, step(s, "segment.inference").container());
    assertEquals("container", step(s, "segment.overlaps").implementation());
    assertEquals(OTHER, step(s, "segment.overlaps").container());
    assertEquals("reference", step(s, "segment.relabel").implementation());
    assertNull(
        step(s, "segment.relabel").container(), "a reference step's pods run the platform's image");
  }

  @Test
  void specsWithoutStepImplementationsKeepTheirHashes() {
    // the identity of a step without overrides is what it was before steps could choose an
    // implementation (runs hashed as a chain keep their markers)
    RunSpec s =
        spec(
            "reference",
            null,
            Map.of(
                "inference",
                new StepSpec(
                    Map.of("x", 1), null, null, null, null, null, null, null, null, null)));
    Map<String, Object> identity = new java.util.LinkedHashMap<>();
    identity.put("stage", "segment");
    identity.put("step", "inference");
    identity.put("implementation", "reference");
    identity.put("params", Map.of("x", 1));
    identity.put("upstream", chainStep(s, "align.render").paramsHash());
    identity.put("volume", s.volume());
    identity.put("voxelSize", s.voxelSize());
    assertEquals(Json.hash(identity, 16), chainStep(s, "segment.inference").paramsHash());
  }

  private static StepConfig chainStep(RunSpec s, String name) {
    return Pipeline.steps(s, Pipeline.HashScheme.CHAIN).stream()
        .filter(c -> c.qualifiedName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
