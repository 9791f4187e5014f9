package org.connectome.stages.compress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.PyramidPlan;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.PrecomputedVolume;

/**
 * Writes one unit of a compress or pyramid step: a box of scale {@code lo} (a block or a whole
 * shard) and, within it, scales up to {@code hi}, each computed from scale {@code from} of a source
 * volume by downsampling scale by scale. A unit that writes one scale streams its box in sub-blocks
 * of {@link #SUB_CHUNKS} chunks, so a shard of any size needs memory for one sub-block and the
 * encoded shard only.
 */
final class ScaleUnits {
  /** Chunks per sub-block of a streamed unit (x, y, z). */
  static final Vec3 SUB_CHUNKS = new Vec3(4, 4, 1);

  private ScaleUnits() {}

  /**
   * Writes scales {@code lo..hi} of {@code box} (at scale {@code lo}) into {@code out}, reading
   * scale {@code from} ({@code from <= lo}) of {@code source}.
   *
   * @return per scale written: raw bytes, stored bytes and chunks
   */
  static <T> List<CompressStats.ScaleStats> write(
      Voxels<T> kind,
      PrecomputedVolume source,
      int sourceScale,
      int from,
      PrecomputedVolume out,
      PyramidPlan plan,
      int lo,
      int hi,
      Box box)
      throws IOException, InterruptedException {
    List<Map<Box, byte[]>> encoded = new ArrayList<>();
    long[] raw = new long[hi - lo + 1];
    for (int k = lo; k <= hi; k++) {
      encoded.add(new LinkedHashMap<>());
    }
    List<Box> subs = hi > lo ? List.of(box) : subBlocks(box, plan.chunk());
    for (Box sub : subs) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      T data = kind.read(source, sourceScale, scaled(sub, plan, lo, from));
      for (int k = from; k < lo; k++) {
        data = step(kind, data, plan, k);
      }
      for (int k = lo; k <= hi; k++) {
        if (k > lo) {
          data = step(kind, data, plan, k - 1);
        }
        Box region = scaled(sub, plan, lo, k);
        encoded.get(k - lo).putAll(kind.encode(out, k, region, data));
        raw[k - lo] += kind.rawBytes(out, data);
      }
    }
    List<CompressStats.ScaleStats> stats = new ArrayList<>();
    for (int k = lo; k <= hi; k++) {
      Map<Box, byte[]> chunks = encoded.get(k - lo);
      long stored = out.writeEncoded(k, chunks);
      stats.add(
          new CompressStats.ScaleStats(
              out.info().scale(k).key(), raw[k - lo], stored, chunks.size()));
    }
    return stats;
  }

  /** Scale {@code k + 1}'s voxels from scale {@code k}'s. */
  private static <T> T step(Voxels<T> kind, T data, PyramidPlan plan, int k) {
    Vec3 a = plan.levels().get(k).factor();
    Vec3 b = plan.levels().get(k + 1).factor();
    return kind.downsample(
        data,
        Math.toIntExact(b.x() / a.x()),
        Math.toIntExact(b.y() / a.y()),
        Math.toIntExact(b.z() / a.z()));
  }

  /** The region of scale {@code to} that a box of scale {@code at} covers, clipped to the scale. */
  static Box scaled(Box box, PyramidPlan plan, int at, int to) {
    Vec3 fa = plan.levels().get(at).factor();
    Vec3 ft = plan.levels().get(to).factor();
    Vec3 size = plan.levels().get(to).size();
    long[] s = {box.start().x(), box.start().y(), box.start().z()};
    long[] e = {box.end().x(), box.end().y(), box.end().z()};
    long[] a = {fa.x(), fa.y(), fa.z()};
    long[] t = {ft.x(), ft.y(), ft.z()};
    long[] n = {size.x(), size.y(), size.z()};
    long[] rs = new long[3];
    long[] re = new long[3];
    for (int i = 0; i < 3; i++) {
      // voxel v of scale `at` spans [v * a, (v + 1) * a) of scale 0
      rs[i] = s[i] * a[i] / t[i];
      re[i] = Math.min(n[i], (e[i] * a[i] + t[i] - 1) / t[i]);
    }
    return new Box(new Vec3(rs[0], rs[1], rs[2]), new Vec3(re[0], re[1], re[2]));
  }

  private static List<Box> subBlocks(Box box, Vec3 chunk) {
    long[] step = {
      chunk.x() * SUB_CHUNKS.x(), chunk.y() * SUB_CHUNKS.y(), chunk.z() * SUB_CHUNKS.z()
    };
    List<Box> out = new ArrayList<>();
    for (long z = box.start().z(); z < box.end().z(); z += step[2]) {
      for (long y = box.start().y(); y < box.end().y(); y += step[1]) {
        for (long x = box.start().x(); x < box.end().x(); x += step[0]) {
          out.add(
              new Box(
                  new Vec3(x, y, z),
                  new Vec3(
                      Math.min(box.end().x(), x + step[0]),
                      Math.min(box.end().y(), y + step[1]),
                      Math.min(box.end().z(), z + step[2]))));
        }
      }
    }
    return out;
  }
}
