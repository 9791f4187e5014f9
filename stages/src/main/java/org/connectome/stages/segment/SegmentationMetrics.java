package org.connectome.stages.segment;

/**
 * Segmentation against ground truth, from the contingency table of (segment, true cell) voxel
 * counts:
 *
 * <ul>
 *   <li><b>variation of information</b> in bits (log base 2): {@code split = H(seg | truth)} (how
 *       much a true cell is cut into segments) and {@code merge = H(truth | seg)} (how much a
 *       segment mixes cells); VI = split + merge;
 *   <li><b>adapted Rand error</b> as in CREMI: with {@code n_ij} the contingency counts, {@code
 *       a_i} the segment sizes and {@code b_j} the cell sizes, Rand precision {@code P = sum n_ij^2
 *       / sum a_i^2}, recall {@code R = sum n_ij^2 / sum b_j^2}, and {@code ARAND = 1 - 2PR / (P +
 *       R)}.
 * </ul>
 *
 * Voxels are added one by one ({@link #add}); which voxels count (the imaged ones with a true
 * label) is the caller's choice. Segment label 0 counts as one segment like any other (an
 * unsegmented voxel is not ignored: it is a split from its cell and merges with every other
 * unsegmented voxel).
 */
public final class SegmentationMetrics {
  private final LongCounts joint = new LongCounts(1 << 12);
  private final LongCounts seg = new LongCounts(1 << 10);
  private final LongCounts truth = new LongCounts(1 << 10);
  // segment labels are any 64-bit value; a dense index keeps (segment, cell) in one long key
  private final LongCounts segIndex = new LongCounts(1 << 10);
  private boolean hasLast;
  private long lastSeg;
  private long lastIndex;
  private long n;

  /**
   * Adds {@code count} voxels of segment {@code s} (any 64-bit label) and true cell {@code t} (0 to
   * 2^32-1).
   */
  public void add(long s, long t, long count) {
    if (t < 0 || t > 0xffffffffL) {
      throw new IllegalArgumentException("true cell ids must be 0 to 2^32-1, not " + t);
    }
    long si;
    if (hasLast && s == lastSeg) {
      si = lastIndex;
    } else {
      si = segIndex.getOrDefault(s, -1);
      if (si < 0) {
        si = segIndex.size();
        segIndex.put(s, si);
      }
      hasLast = true;
      lastSeg = s;
      lastIndex = si;
    }
    joint.add((si << 32) | t, count);
    seg.add(si, count);
    truth.add(t, count);
    n += count;
  }

  public void add(long s, long t) {
    add(s, t, 1);
  }

  /** Adds every voxel of two equally long label arrays whose {@code truth} is not 0. */
  public void addAll(long[] segLabels, int[] truthLabels) {
    if (segLabels.length != truthLabels.length) {
      throw new IllegalArgumentException("label arrays differ in length");
    }
    for (int i = 0; i < segLabels.length; i++) {
      if (truthLabels[i] != 0) {
        add(segLabels[i], truthLabels[i] & 0xffffffffL, 1);
      }
    }
  }

  public long voxels() {
    return n;
  }

  public int segments() {
    return seg.size();
  }

  public int cells() {
    return truth.size();
  }

  /** The figures. */
  public Result result() {
    if (n == 0) {
      return new Result(0, 0, 0, 0, 0, 0, 0);
    }
    double[] hj = {0};
    double[] sumJ = {0};
    joint.forEach(
        (k, c) -> {
          hj[0] += plogp(c);
          sumJ[0] += (double) c * c;
        });
    double[] hs = {0};
    double[] sumS = {0};
    seg.forEach(
        (k, c) -> {
          hs[0] += plogp(c);
          sumS[0] += (double) c * c;
        });
    double[] ht = {0};
    double[] sumT = {0};
    truth.forEach(
        (k, c) -> {
          ht[0] += plogp(c);
          sumT[0] += (double) c * c;
        });
    double hJoint = entropy(hj[0]);
    double hSeg = entropy(hs[0]);
    double hTruth = entropy(ht[0]);
    double split = Math.max(0, hJoint - hTruth);
    double merge = Math.max(0, hJoint - hSeg);
    double precision = sumJ[0] / sumS[0];
    double recall = sumJ[0] / sumT[0];
    double arand = 1 - 2 * precision * recall / (precision + recall);
    return new Result(split, merge, arand, precision, recall, seg.size(), truth.size());
  }

  /** {@code c log2 c}; the entropy of counts is {@code log2 n - sum(c log2 c) / n}. */
  private static double plogp(long c) {
    return c == 0 ? 0 : c * log2(c);
  }

  private double entropy(double sumPlogp) {
    return log2(n) - sumPlogp / n;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  /**
   * The figures.
   *
   * @param viSplit H(seg | truth), bits
   * @param viMerge H(truth | seg), bits
   * @param arand adapted Rand error, 0 (perfect) to 1
   * @param precision Rand precision
   * @param recall Rand recall
   * @param segments distinct segment labels among the voxels counted
   * @param cells distinct true cells among the voxels counted
   */
  public record Result(
      double viSplit,
      double viMerge,
      double arand,
      double precision,
      double recall,
      int segments,
      int cells) {
    public double vi() {
      return viSplit + viMerge;
    }
  }
}
