package org.connectome.stages.segment;

/**
 * The relabelling kernel of segment.relabel: a run of local ids replaced by their global ids from
 * segment.reconcile's map, background (0) kept as 0. Consecutive voxels mostly carry one id, so the
 * last id looked up is remembered.
 */
public final class Relabel {
  private Relabel() {}

  /**
   * Writes the global id of each of {@code n} voxels of {@code src} from {@code srcAt} into {@code
   * dst} from {@code dstAt}; voxels that are 0 are skipped (left as {@code dst} holds them).
   *
   * @return 0 when every non-zero id was in {@code map}, else the first id that was not (or mapped
   *     to 0 or less); {@code dst} is then written only up to it
   */
  public static long remap(long[] src, int srcAt, long[] dst, int dstAt, int n, LongCounts map) {
    long lastLocal = 0;
    long lastGlobal = 0;
    for (int x = 0; x < n; x++) {
      long v = src[srcAt + x];
      if (v == 0) {
        continue;
      }
      if (v != lastLocal) {
        long g = map.getOrDefault(v, -1);
        if (g <= 0) {
          return v;
        }
        lastLocal = v;
        lastGlobal = g;
      }
      dst[dstAt + x] = lastGlobal;
    }
    return 0;
  }
}
