package org.connectome.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VoxelSizeTest {
  @ParameterizedTest(name = "{0} x {1} x {2} nm isotropic: {3}")
  @CsvSource({
    "10, 10, 10, true", // FIB-SEM
    "8, 8, 8, true",
    "8, 8, 12, true", // at the limit
    "8, 8, 12.5, false",
    "4, 4, 40, false", // serial-section TEM
    "8, 8, 33, false", // the demo, MultiSEM serial sections
    "4, 8, 10, true" // the coarser of x and y counts
  })
  void sectionsAtMostOneAndAHalfPixelsThickAreIsotropic(
      double x, double y, double z, boolean isotropic) {
    assertEquals(isotropic, new VoxelSize(x, y, z).isotropic());
  }

  @org.junit.jupiter.api.Test
  void itTravelsAsItsThreeSizesAlone() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    String text = json.writeValueAsString(new VoxelSize(10, 10, 10));
    assertEquals("{\"x\":10.0,\"y\":10.0,\"z\":10.0}", text);
    assertEquals(new VoxelSize(10, 10, 10), json.readValue(text, VoxelSize.class));
  }
}
