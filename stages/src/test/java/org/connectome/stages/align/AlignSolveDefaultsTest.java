package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.connectome.spec.VoxelSize;
import org.junit.jupiter.api.Test;

class AlignSolveDefaultsTest {
  static final VoxelSize FIB_SEM = new VoxelSize(10, 10, 10);
  static final VoxelSize SERIAL = new VoxelSize(8, 8, 33);

  @Test
  void theSlowTrendIsRemovedByDefaultOnIsotropicVoxelsOnly() {
    assertEquals(AlignSolveRunner.ISOTROPIC_STACK_TREND, AlignSolveRunner.trend(null, FIB_SEM));
    assertEquals(0, AlignSolveRunner.trend(null, SERIAL));
    assertEquals(0, AlignSolveRunner.trend(null, null));
  }

  @Test
  void aGivenTrendWinsOverTheVoxelSize() {
    assertEquals(0, AlignSolveRunner.trend(0.0, FIB_SEM));
    assertEquals(2, AlignSolveRunner.trend(2.0, FIB_SEM));
    assertEquals(5, AlignSolveRunner.trend(5.0, SERIAL));
  }
}
