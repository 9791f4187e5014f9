package org.connectome.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SupportTest {
  @Test
  void quantities() {
    assertEquals(0.5, Quantities.cpuCores("500m"));
    assertEquals(2.0, Quantities.cpuCores("2"));
    assertEquals(1.5, Quantities.cpuCores("1.5"));
    assertEquals(0.1, Quantities.cpuCores(".1"));
    assertEquals(4L << 30, Quantities.bytes("4Gi"));
    assertEquals(512L << 20, Quantities.bytes("512Mi"));
    assertEquals(1L << 10, Quantities.bytes("1Ki"));
    assertEquals(1L << 60, Quantities.bytes("1Ei"));
    assertEquals(1_000L, Quantities.bytes("1k"));
    assertEquals(16_000_000_000L, Quantities.bytes("16G"));
    assertEquals(2_000_000_000_000L, Quantities.bytes("2T"));
    assertEquals(3_000_000_000_000_000L, Quantities.bytes("3P"));
    assertEquals(5_000_000_000_000_000_000L, Quantities.bytes("5E"));
    assertEquals(1L, Quantities.bytes("500m"), "rounded up to a whole byte");
    assertEquals(123L, Quantities.bytes("123"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.bytes("9Ei"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Quantities.bytes("2GB"));
    assertEquals("'2GB' is not a Kubernetes quantity (examples: 500m, 2, 4Gi)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Quantities.cpuCores("-1"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.cpuCores("1e3"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.cpuCores(null));
  }

  @Test
  void paths() {
    assertEquals(
        "stages[3].unitsPerTask", SpecPaths.field(SpecPaths.index("stages", 3), "unitsPerTask"));
    assertEquals("sample", SpecPaths.field("", "sample"));
    assertEquals("params['a.b']", SpecPaths.field("params", "a.b"));
    assertEquals("params['it''s']", SpecPaths.field("params", "it's"));
    assertEquals("stages[3]", SpecPaths.parent("stages[3].unitsPerTask"));
    assertEquals("stages", SpecPaths.parent("stages[3]"));
    assertEquals("", SpecPaths.parent("stages"));
    assertEquals("", SpecPaths.parent(""));
    assertEquals(
        "stages[0].steps.inference.params", SpecPaths.parent("stages[0].steps.inference.params.x"));
    assertEquals("params", SpecPaths.parent("params['a.b']"));
    assertEquals("params", SpecPaths.parent("params['it''s']"));
    assertEquals("params['a]b']", SpecPaths.parent("params['a]b'].c"));
  }

  @Test
  void editDistance() {
    assertEquals(1, RunSpecSchema.distance("untispertask", "unitspertask"));
    assertEquals(0, RunSpecSchema.distance("abc", "abc"));
    assertEquals(3, RunSpecSchema.distance("", "abc"));
    assertEquals(
        "; did you mean 'unitsPerTask'?",
        RunSpecSchema.suggestion(
            "UnitPerTask", java.util.List.of("tasksPerShard", "unitsPerTask")));
    assertEquals("", RunSpecSchema.suggestion("colour", java.util.List.of("type", "local")));
  }
}
