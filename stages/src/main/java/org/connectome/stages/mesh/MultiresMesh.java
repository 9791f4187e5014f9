package org.connectome.stages.mesh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.stages.precomputed.ShardingSpec;

/**
 * Neuroglancer's multi-resolution mesh format ({@code neuroglancer_multilod_draco}, meshes.md): per
 * segment a manifest and Draco-encoded fragments ({@link DracoMesh}), one per level of detail.
 *
 * <p>The octree of each segment is one node per level: level 0's node is the segment's bounding box
 * ({@code chunk_shape}, origin at its lower corner), level {@code k}'s node is that box doubled
 * {@code k} times from the same origin, so the coarser meshes (the merged mesh simplified to a
 * quarter of its triangles per level) lie in the lower octant of their node and never cross the 2 x
 * 2 x 2 partition the format asks of levels above 0. Positions are stored in nm (the info's {@code
 * transform} is the identity), quantized to {@link #BITS} bits over each level's node.
 */
public final class MultiresMesh {
  /** {@code vertex_quantization_bits}: 16 keeps level 0 within 1/65535 of the box. */
  public static final int BITS = 16;

  private MultiresMesh() {}

  /** The mesh folder's {@code info}, sharded when {@code sharding} is not null. */
  public static Map<String, Object> info(ShardingSpec sharding) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("@type", "neuroglancer_multilod_draco");
    m.put("vertex_quantization_bits", BITS);
    m.put("transform", List.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0));
    m.put("lod_scale_multiplier", 1.0);
    if (sharding != null) {
      m.put("sharding", sharding);
    }
    return m;
  }

  /**
   * One segment's files: the fragment data (every level's Draco mesh, level 0 first) and the
   * manifest.
   */
  public record Encoded(byte[] fragments, byte[] manifest) {}

  /**
   * Encodes the levels of detail of one segment.
   *
   * @param lods level 0 (full detail) first, then coarser meshes of the same object; empty meshes
   *     give empty fragments
   * @param lodScale the scale of level 0's detail in nm (each level doubles it)
   */
  public static Encoded encode(List<TriangleMesh> lods, double lodScale) {
    float[] lo = {Float.MAX_VALUE, Float.MAX_VALUE, Float.MAX_VALUE};
    float[] hi = {-Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE};
    for (TriangleMesh m : lods) {
      float[] v = m.vertices();
      for (int i = 0; i < v.length; i++) {
        lo[i % 3] = Math.min(lo[i % 3], v[i]);
        hi[i % 3] = Math.max(hi[i % 3], v[i]);
      }
    }
    if (lo[0] > hi[0]) {
      lo = new float[3];
      hi = new float[] {1, 1, 1};
    }
    float[] chunk = new float[3];
    for (int d = 0; d < 3; d++) {
      chunk[d] = Math.max(1f, hi[d] - lo[d]) * (1 + 1e-6f);
    }
    int n = lods.size();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    int[] sizes = new int[n];
    for (int k = 0; k < n; k++) {
      TriangleMesh m = lods.get(k);
      if (m.isEmpty()) {
        continue;
      }
      float[] v = m.vertices();
      int[] q = new int[v.length];
      double max = (1 << BITS) - 1;
      for (int i = 0; i < v.length; i++) {
        int d = i % 3;
        double x = (v[i] - lo[d]) / (chunk[d] * (double) (1 << k)) * max;
        q[i] = (int) Math.max(0, Math.min(max, Math.round(x)));
      }
      byte[] f = DracoMesh.encode(q, m.triangles());
      sizes[k] = f.length;
      data.writeBytes(f);
    }
    ByteBuffer b =
        ByteBuffer.allocate(4 * (3 + 3 + 1 + n + 3 * n + n) + n * 4 * 4)
            .order(ByteOrder.LITTLE_ENDIAN);
    for (float c : chunk) {
      b.putFloat(c);
    }
    for (float o : lo) {
      b.putFloat(o);
    }
    b.putInt(n);
    for (int k = 0; k < n; k++) {
      b.putFloat((float) (lodScale * (1 << k)));
    }
    for (int k = 0; k < 3 * n; k++) {
      b.putFloat(0f);
    }
    for (int k = 0; k < n; k++) {
      b.putInt(1);
    }
    for (int k = 0; k < n; k++) {
      b.putInt(0).putInt(0).putInt(0); // the one node, at grid position 0, 0, 0
      b.putInt(sizes[k]);
    }
    return new Encoded(data.toByteArray(), b.array());
  }

  /** The levels of a segment as the files hold them, dequantized to nm (for the report). */
  public static List<TriangleMesh> decode(byte[] fragments, byte[] manifest) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(manifest).order(ByteOrder.LITTLE_ENDIAN);
    float[] chunk = {b.getFloat(), b.getFloat(), b.getFloat()};
    float[] origin = {b.getFloat(), b.getFloat(), b.getFloat()};
    int n = b.getInt();
    for (int k = 0; k < n; k++) {
      b.getFloat();
    }
    float[] offsets = new float[3 * n];
    for (int k = 0; k < 3 * n; k++) {
      offsets[k] = b.getFloat();
    }
    int[] counts = new int[n];
    for (int k = 0; k < n; k++) {
      counts[k] = b.getInt();
    }
    List<TriangleMesh> out = new ArrayList<>();
    int at = 0;
    double max = (1 << BITS) - 1;
    for (int k = 0; k < n; k++) {
      int[][] pos = new int[counts[k]][3];
      for (int d = 0; d < 3; d++) {
        for (int f = 0; f < counts[k]; f++) {
          pos[f][d] = b.getInt();
        }
      }
      List<float[]> vs = new ArrayList<>();
      List<int[]> ts = new ArrayList<>();
      int base = 0;
      for (int f = 0; f < counts[k]; f++) {
        int size = b.getInt();
        if (size == 0) {
          continue;
        }
        byte[] frag = java.util.Arrays.copyOfRange(fragments, at, at + size);
        at += size;
        DracoMesh.Decoded d = DracoMesh.decode(frag);
        float[] v = new float[d.positions().length];
        for (int i = 0; i < v.length; i++) {
          int dim = i % 3;
          double node = chunk[dim] * (double) (1 << k);
          v[i] =
              (float)
                  (origin[dim]
                      + offsets[3 * k + dim]
                      + node * (pos[f][dim] + d.positions()[i] / max));
        }
        int[] t = d.triangles().clone();
        for (int i = 0; i < t.length; i++) {
          t[i] += base;
        }
        base += v.length / 3;
        vs.add(v);
        ts.add(t);
      }
      out.add(TriangleMesh.of(concat(vs), concatInts(ts)));
    }
    return out;
  }

  private static float[] concat(List<float[]> parts) {
    int n = parts.stream().mapToInt(p -> p.length).sum();
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static int[] concatInts(List<int[]> parts) {
    int n = parts.stream().mapToInt(p -> p.length).sum();
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
