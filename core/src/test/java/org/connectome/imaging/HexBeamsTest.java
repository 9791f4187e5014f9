package org.connectome.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HexBeamsTest {
  @Test
  void hexagonSizes() {
    assertEquals(7, HexBeams.beamCount(1));
    assertEquals(19, HexBeams.beamCount(2));
    assertEquals(61, HexBeams.beamCount(4));
    assertEquals(91, HexBeams.beamCount(5));
    assertEquals(4, HexBeams.rings(61));
    assertTrue(HexBeams.isHexagonal(91));
    assertFalse(HexBeams.isHexagonal(60));
    assertThrows(IllegalArgumentException.class, () -> HexBeams.rings(60));
  }

  @Test
  void spiralVisitsEachRingInTurnOncePerPosition() {
    for (int beams : new int[] {7, 19, 61, 91}) {
      Set<String> seen = new HashSet<>();
      int[] previous = null;
      for (int b = 1; b <= beams; b++) {
        int[] a = HexBeams.axial(b);
        assertEquals(HexBeams.ring(b), HexBeams.distance(a[0], a[1]), "beam " + b);
        assertTrue(seen.add(a[0] + "," + a[1]), "beam " + b + " repeats a position");
        if (previous != null && HexBeams.ring(b) == HexBeams.ring(b - 1)) {
          assertEquals(
              1,
              HexBeams.distance(a[0] - previous[0], a[1] - previous[1]),
              "ring walk step at " + b);
        }
        previous = a;
      }
    }
    assertArrayEquals(new int[] {0, 0}, HexBeams.axial(1));
    assertArrayEquals(new int[] {1, 0}, HexBeams.axial(2)); // ring 1 starts right of the centre
    assertArrayEquals(new int[] {0, 1}, HexBeams.axial(3)); // then clockwise (y down): down-right
    assertArrayEquals(new int[] {2, 0}, HexBeams.axial(8)); // ring 2 starts two steps right
    assertEquals(4, HexBeams.ring(61));
    assertEquals(3, HexBeams.ring(37));
    assertEquals(4, HexBeams.ring(38));
  }

  @Test
  void neighboursAreOneSpacingApart() {
    double[] right = HexBeams.offset(2, 100, 80);
    assertArrayEquals(new double[] {100, 0}, right, 1e-12);
    double[] downRight = HexBeams.offset(3, 100, 80);
    assertArrayEquals(new double[] {50, 80}, downRight, 1e-12);
  }
}
