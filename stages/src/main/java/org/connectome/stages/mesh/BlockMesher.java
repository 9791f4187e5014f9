package org.connectome.stages.mesh;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;

/**
 * Meshes one block of a segmentation: the marching cubes whose low corner lies in the block's core
 * (the first block on an axis also takes the cubes that start one voxel outside the volume, the
 * last one those that end outside), so every cube of the volume belongs to exactly one block. A
 * cube reads its high neighbours, hence the block's one-voxel overlap on the high side; the
 * vertices on the planes a block shares with its neighbours are computed identically on both sides
 * and locked, and mesh.merge joins the blocks there.
 */
public final class BlockMesher {
  private BlockMesher() {}

  /** Reads a box of the segmentation. */
  @FunctionalInterface
  public interface LabelReader {
    LabelVolume read(Box box) throws IOException;
  }

  /**
   * One segment's share of a block.
   *
   * @param voxels the segment's voxels in the block's core (0 when it only reaches in through the
   *     overlap)
   * @param rawTriangles triangles before simplification
   * @param mesh the (simplified) mesh, vertices on shared planes first
   */
  public record Part(long voxels, long rawTriangles, TriangleMesh mesh) {}

  /**
   * The box of voxels a block's cubes read: the core and one voxel beyond its high end, within the
   * volume.
   */
  public static Box readBox(Box core, Vec3 volume) {
    return new Box(
        core.start(),
        new Vec3(
            Math.min(volume.x(), core.end().x() + 1),
            Math.min(volume.y(), core.end().y() + 1),
            Math.min(volume.z(), core.end().z() + 1)));
  }

  /**
   * Meshes every segment of the block.
   *
   * @param core the block without overlap
   * @param volume the volume's size
   * @param reader reads {@link #readBox} of the segmentation
   * @param resolution nm per voxel
   * @param simplify simplification, or null for none
   * @return per segment (sorted by id, unsigned): its voxels in the core and its mesh here
   */
  public static Map<Long, Part> mesh(
      Box core, Vec3 volume, LabelReader reader, double[] resolution, MeshParams.Simplify simplify)
      throws IOException, InterruptedException {
    long[] vol = {volume.x(), volume.y(), volume.z()};
    long[] start = {core.start().x(), core.start().y(), core.start().z()};
    long[] end = {core.end().x(), core.end().y(), core.end().z()};
    long[] cellLo = new long[3];
    int[] size = new int[3];
    for (int a = 0; a < 3; a++) {
      cellLo[a] = start[a] == 0 ? -1 : start[a];
      size[a] = Math.toIntExact(end[a] - cellLo[a] + 1);
    }
    Box box = readBox(core, volume);
    LabelVolume in = reader.read(box);
    // the padded voxels cellLo .. end (inclusive); what lies outside the volume stays background
    long[] padded = new long[Math.multiplyExact(Math.multiplyExact(size[0], size[1]), size[2])];
    int ox = Math.toIntExact(box.start().x() - cellLo[0]);
    int oy = Math.toIntExact(box.start().y() - cellLo[1]);
    int oz = Math.toIntExact(box.start().z() - cellLo[2]);
    for (int z = 0; z < in.sz(); z++) {
      for (int y = 0; y < in.sy(); y++) {
        System.arraycopy(
            in.data(),
            in.index(0, y, z, 0),
            padded,
            ox + size[0] * (oy + y + size[1] * (oz + z)),
            in.sx());
      }
    }
    Map<Long, Long> voxels = new TreeMap<>(Long::compareUnsigned);
    int cx = Math.toIntExact(end[0] - start[0]);
    int cy = Math.toIntExact(end[1] - start[1]);
    int cz = Math.toIntExact(end[2] - start[2]);
    long run = 0;
    long count = 0;
    for (int z = 0; z < cz; z++) {
      for (int y = 0; y < cy; y++) {
        int at = in.index(0, y, z, 0);
        for (int x = 0; x < cx; x++) {
          long v = in.data()[at + x];
          if (v != run) {
            if (run != 0) {
              voxels.merge(run, count, Long::sum);
            }
            run = v;
            count = 0;
          }
          count++;
        }
      }
    }
    if (run != 0) {
      voxels.merge(run, count, Long::sum);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Map<Long, TriangleMesh> meshes = MarchingCubes.mesh(padded, cellLo, end, vol, resolution);
    Map<Long, Part> out = new TreeMap<>(Long::compareUnsigned);
    for (Long id : voxels.keySet()) {
      out.put(id, new Part(voxels.get(id), 0, TriangleMesh.empty()));
    }
    for (var e : meshes.entrySet()) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      TriangleMesh m = e.getValue();
      TriangleMesh s =
          simplify == null
              ? m
              : QuadricSimplifier.simplify(m, simplify.ratio(), simplify.maxError());
      out.put(e.getKey(), new Part(voxels.getOrDefault(e.getKey(), 0L), m.triangleCount(), s));
    }
    return out;
  }
}
