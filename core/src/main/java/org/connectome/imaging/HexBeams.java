package org.connectome.imaging;

/**
 * The beams of a multibeam field of view (mFoV): a hexagon of {@code 1 + 3r(r+1)} beams (rings
 * 0..r: 7, 19, 37, 61, 91, ...) numbered in a hexagonal spiral from the centre.
 *
 * <p>Beam 1 is the centre; ring {@code k} holds the {@code 6k} beams {@code 3k(k-1)+2 ..
 * 3k(k+1)+1}. Each ring starts at the beam {@code k} steps to the right (+x) of the centre and runs
 * clockwise as the image is seen (x to the right, y down): down-left, left, up-left, up-right,
 * right, down-right, {@code k} steps each.
 *
 * <p>Positions are axial hex coordinates {@code (q, r)}: beams lie in horizontal rows, a row below
 * its neighbour shifted by half a column. With a column spacing {@code sx} and a row spacing {@code
 * sy}, beam {@code (q, r)}'s centre lies at {@code x = sx (q + r/2)}, {@code y = sy r}. Tiles of
 * {@code w x h} pixels overlap their row neighbours by a fraction {@code f} of their width when
 * {@code sx = w (1 - f)}, and their neighbours in the next row by {@code f} of their height when
 * {@code sy = h (1 - f)}.
 */
public final class HexBeams {
  /** Axial steps of one ring's walk: down-left, left, up-left, up-right, right, down-right. */
  private static final int[][] WALK = {{-1, 1}, {-1, 0}, {0, -1}, {1, -1}, {1, 0}, {0, 1}};

  private HexBeams() {}

  /** Beams of a hexagon with rings 0..{@code rings}. */
  public static int beamCount(int rings) {
    if (rings < 0) {
      throw new IllegalArgumentException("rings must be >= 0: " + rings);
    }
    return 1 + 3 * rings * (rings + 1);
  }

  /** Whether {@code beams} is a full hexagon (1, 7, 19, 37, 61, 91, ...). */
  public static boolean isHexagonal(int beams) {
    for (int r = 0; beamCount(r) <= beams; r++) {
      if (beamCount(r) == beams) {
        return true;
      }
    }
    return false;
  }

  /** The outermost ring of a hexagon of {@code beams} beams. */
  public static int rings(int beams) {
    for (int r = 0; beamCount(r) <= beams; r++) {
      if (beamCount(r) == beams) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        beams + " beams do not make a hexagon (1 + 3r(r+1): 1, 7, 19, 37, 61, 91, ...)");
  }

  /** The ring of beam {@code beam} (numbered from 1). */
  public static int ring(int beam) {
    if (beam < 1) {
      throw new IllegalArgumentException("beams are numbered from 1: " + beam);
    }
    int r = 0;
    while (beamCount(r) < beam) {
      r++;
    }
    return r;
  }

  /** Axial coordinates {@code {q, r}} of beam {@code beam} (numbered from 1) in the spiral. */
  public static int[] axial(int beam) {
    int k = ring(beam);
    if (k == 0) {
      return new int[] {0, 0};
    }
    int index = beam - beamCount(k - 1) - 1; // 0 .. 6k-1 within the ring
    int side = index / k;
    int step = index % k;
    int q = k;
    int r = 0;
    for (int s = 0; s < side; s++) {
      q += WALK[s][0] * k;
      r += WALK[s][1] * k;
    }
    return new int[] {q + WALK[side][0] * step, r + WALK[side][1] * step};
  }

  /** Hex distance of axial {@code (q, r)} from the origin. */
  public static int distance(int q, int r) {
    return Math.max(Math.abs(q), Math.max(Math.abs(r), Math.abs(q + r)));
  }

  /**
   * Centre offset {@code {x, y}} of beam {@code beam} from the centre beam for spacings {@code sx,
   * sy}.
   */
  public static double[] offset(int beam, double sx, double sy) {
    int[] a = axial(beam);
    return new double[] {sx * (a[0] + a[1] / 2.0), sy * a[1]};
  }
}
