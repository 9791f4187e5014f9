package org.connectome.stages.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;

/**
 * The scales compress writes and how a block of scale 0 maps onto them. Scale {@code k} is scale 0
 * downsampled by {@code factor^k} per axis ({@code ceil} of the size); every scale has the same
 * chunk size. A block of {@code blockSize} at scale 0 covers {@code blockSize / factor^k} voxels at
 * scale {@code k}, which must be a whole number of chunks so that each unit writes whole chunks and
 * no two units write the same chunk.
 *
 * <p>Without an explicit scale count, scales are added while the coarsest one is larger than a
 * chunk in x or y (so the coarsest fits about one chunk in xy), and only as long as the block still
 * covers whole chunks there.
 */
public final class ScalePyramid {
  /**
   * One scale.
   *
   * @param index 0 for full resolution
   * @param factor downsampling factor from scale 0, per axis
   * @param size voxels
   */
  public record Level(int index, long[] factor, long[] size) {}

  private final long[] size0;
  private final int[] blockSize;
  private final int[] chunkSize;
  private final int[] stepFactor;
  private final List<Level> levels;

  private ScalePyramid(
      long[] size0, int[] blockSize, int[] chunkSize, int[] stepFactor, List<Level> levels) {
    this.size0 = size0;
    this.blockSize = blockSize;
    this.chunkSize = chunkSize;
    this.stepFactor = stepFactor;
    this.levels = levels;
  }

  /**
   * Plans the scales.
   *
   * @param scales the number of scales, or null to choose it
   * @throws IllegalArgumentException naming the rule a parameter breaks
   */
  public static ScalePyramid plan(
      String step,
      long[] size0,
      int[] blockSize,
      int[] chunkSize,
      int[] stepFactor,
      Integer scales) {
    for (int i = 0; i < 3; i++) {
      if (stepFactor[i] != 1 && stepFactor[i] != 2) {
        throw new IllegalArgumentException(
            step
                + ": params.downsample must be [2, 2, 1] or [2, 2, 2] (factors 1 or 2),"
                + " not "
                + Arrays.toString(stepFactor));
      }
    }
    if (blockSize[0] % chunkSize[0] != 0
        || blockSize[1] % chunkSize[1] != 0
        || blockSize[2] % chunkSize[2] != 0) {
      throw new IllegalArgumentException(
          step
              + ": blockSize "
              + Arrays.toString(blockSize)
              + " must be a multiple of the chunk size "
              + Arrays.toString(chunkSize)
              + " (params.chunkSize) on every axis, so that each block writes whole chunks");
    }
    if (scales != null && scales < 1) {
      throw new IllegalArgumentException(step + ": params.scales must be >= 1");
    }
    List<Level> levels = new ArrayList<>();
    long[] f = {1, 1, 1};
    long[] size = size0.clone();
    levels.add(new Level(0, f.clone(), size.clone()));
    while (scales == null
        ? (size[0] > chunkSize[0] || size[1] > chunkSize[1])
        : levels.size() < scales) {
      long[] nf = {f[0] * stepFactor[0], f[1] * stepFactor[1], f[2] * stepFactor[2]};
      String why = blockFits(blockSize, chunkSize, nf);
      if (why != null) {
        if (scales == null) {
          break;
        }
        throw new IllegalArgumentException(
            step
                + ": blockSize "
                + Arrays.toString(blockSize)
                + " must be a multiple of the chunk size "
                + Arrays.toString(chunkSize)
                + " at every scale: at scale "
                + levels.size()
                + " (downsampled "
                + nf[0]
                + "x"
                + nf[1]
                + "x"
                + nf[2]
                + ") "
                + why
                + "; use fewer scales"
                + " (params.scales), a larger blockSize or a smaller chunkSize");
      }
      f = nf;
      for (int i = 0; i < 3; i++) {
        size[i] = ceilDiv(size0[i], f[i]);
      }
      levels.add(new Level(levels.size(), f.clone(), size.clone()));
    }
    return new ScalePyramid(size0, blockSize, chunkSize, stepFactor, List.copyOf(levels));
  }

  private static String blockFits(int[] block, int[] chunk, long[] f) {
    for (int i = 0; i < 3; i++) {
      if (block[i] % f[i] != 0) {
        return "the block's "
            + "xyz".charAt(i)
            + " size "
            + block[i]
            + " is not divisible by "
            + f[i];
      }
      long b = block[i] / f[i];
      if (b % chunk[i] != 0) {
        return "a block covers "
            + block[0] / f[0]
            + "x"
            + block[1] / f[1]
            + "x"
            + block[2] / f[2]
            + " voxels, not whole chunks";
      }
    }
    return null;
  }

  public List<Level> levels() {
    return levels;
  }

  public int[] chunkSize() {
    return chunkSize.clone();
  }

  public int[] stepFactor() {
    return stepFactor.clone();
  }

  /** The region of scale {@code level} that scale-0 block {@code block} covers. */
  public Box region(Box block, int level) {
    Level l = levels.get(level);
    long[] s = {block.start().x(), block.start().y(), block.start().z()};
    long[] e = {block.end().x(), block.end().y(), block.end().z()};
    long[] rs = new long[3];
    long[] re = new long[3];
    for (int i = 0; i < 3; i++) {
      rs[i] = s[i] / l.factor()[i];
      re[i] = Math.min(ceilDiv(e[i], l.factor()[i]), l.size()[i]);
    }
    return new Box(new Vec3(rs[0], rs[1], rs[2]), new Vec3(re[0], re[1], re[2]));
  }

  /** Resolution of a level from scale 0's. */
  public double[] resolution(double[] resolution0, int level) {
    long[] f = levels.get(level).factor();
    return new double[] {resolution0[0] * f[0], resolution0[1] * f[1], resolution0[2] * f[2]};
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
