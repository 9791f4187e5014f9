package org.connectome.bench.kernels;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.stages.mesh.MarchingCubes;
import org.connectome.stages.mesh.TriangleMesh;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.CompressedSegmentation;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Downsample;
import org.connectome.stages.precomputed.JpegCodec;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.segment.LongCounts;
import org.connectome.stages.segment.Relabel;

/**
 * The platform's side of the kernel benchmark ({@code bench/kernels/run}): runs one stage kernel,
 * single-threaded, on the inputs the driver prepared ({@code image.u8}, {@code labels.u64}, {@code
 * mesh.u64}: little-endian, x fastest, sizes in {@code shape.txt}), writes its output beside them
 * for the driver to compare with the field's tool, and prints one line of JSON: the kernel, the
 * voxels it read per iteration and each iteration's seconds (the first includes the JIT's warm-up).
 *
 * <pre>
 *   KernelBench DIR KERNEL ITERATIONS
 * </pre>
 *
 * Kernels: {@code downsample-image} (mean of 2x2x1), {@code downsample-segmentation} (mode of
 * 2x2x1), {@code cseg-encode} (compressed_segmentation of every 64x64x16 chunk, blocks of 8x8x8,
 * uint64), {@code cseg-decode} (those chunks, encoded once untimed, decoded; the count of chunks
 * decoded exactly into {@code platform-cseg-decode.txt}), {@code mesh} (marching cubes of every
 * segment of a block, no simplification), {@code jpeg-write} (every 64x64x16 chunk of the image
 * JPEG-encoded at quality 90 and written as an unsharded precomputed volume, {@code
 * platform-jpeg/}), {@code relabel} (every voxel's id replaced by its new id from {@code
 * relabel-map.u64}, pairs of old and new id, as segment.relabel does).
 */
public final class KernelBench {
  private static final int[] CHUNK = {64, 64, 16};
  private static final int[] CSEG_BLOCK = {8, 8, 8};

  private KernelBench() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: KernelBench DIR KERNEL ITERATIONS");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    String kernel = args[1];
    int iterations = Integer.parseInt(args[2]);
    Map<String, int[]> shapes = shapes(dir.resolve("shape.txt"));
    Result r =
        switch (kernel) {
          case "downsample-image" -> downsampleImage(dir, shapes.get("image"), iterations);
          case "downsample-segmentation" ->
              downsampleSegmentation(dir, shapes.get("labels"), iterations);
          case "cseg-encode" -> csegEncode(dir, shapes.get("labels"), iterations);
          case "cseg-decode" -> csegDecode(dir, shapes.get("labels"), iterations);
          case "mesh" -> mesh(dir, shapes.get("mesh"), shapes.get("resolution"), iterations);
          case "jpeg-write" ->
              jpegWrite(dir, shapes.get("image"), shapes.get("resolution"), iterations);
          case "relabel" -> relabel(dir, shapes.get("labels"), iterations);
          default -> {
            System.err.println("KernelBench: unknown kernel '" + kernel + "'");
            System.exit(2);
            yield null;
          }
        };
    StringBuilder b = new StringBuilder();
    b.append("{\"kernel\":\"").append(kernel).append("\",\"voxels\":").append(r.voxels());
    b.append(",\"seconds\":[");
    for (int i = 0; i < r.seconds().length; i++) {
      b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", r.seconds()[i]));
    }
    b.append("]}");
    System.out.println(b);
  }

  /** One kernel's figures: voxels read per iteration and the iterations' seconds. */
  record Result(long voxels, double[] seconds) {}

  /** {@code name sx sy sz} per line; {@code resolution} holds nanometres per voxel. */
  static Map<String, int[]> shapes(Path file) throws IOException {
    Map<String, int[]> out = new java.util.HashMap<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 4) {
        out.put(
            f[0],
            new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])});
      }
    }
    return out;
  }

  static ByteVolume readImage(Path f, int[] s) throws IOException {
    return new ByteVolume(s[0], s[1], s[2], 1, Files.readAllBytes(f));
  }

  static LabelVolume readLabels(Path f, int[] s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    long[] d = new long[s[0] * s[1] * s[2]];
    b.asLongBuffer().get(d);
    return new LabelVolume(s[0], s[1], s[2], 1, d);
  }

  private static Result downsampleImage(Path dir, int[] s, int iterations) throws IOException {
    ByteVolume v = readImage(dir.resolve("image.u8"), s);
    double[] t = new double[iterations];
    ByteVolume out = null;
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      out = Downsample.average(v, 2, 2, 1);
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    Files.write(dir.resolve("platform-downsample-image.u8"), out.data());
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  private static Result downsampleSegmentation(Path dir, int[] s, int iterations)
      throws IOException {
    LabelVolume v = readLabels(dir.resolve("labels.u64"), s);
    double[] t = new double[iterations];
    LabelVolume out = null;
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      out = Downsample.mode(v, 2, 2, 1);
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    writeLongs(dir.resolve("platform-downsample-segmentation.u64"), out.data());
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  /** The volume cut into chunks, x fastest, ends clipped: copied before timing, as the tool's. */
  static List<LabelVolume> chunks(LabelVolume v) {
    List<LabelVolume> out = new ArrayList<>();
    for (int z = 0; z < v.sz(); z += CHUNK[2]) {
      for (int y = 0; y < v.sy(); y += CHUNK[1]) {
        for (int x = 0; x < v.sx(); x += CHUNK[0]) {
          out.add(
              v.crop(
                  x,
                  y,
                  z,
                  Math.min(CHUNK[0], v.sx() - x),
                  Math.min(CHUNK[1], v.sy() - y),
                  Math.min(CHUNK[2], v.sz() - z)));
        }
      }
    }
    return out;
  }

  private static Result csegEncode(Path dir, int[] s, int iterations) throws IOException {
    List<LabelVolume> chunks = chunks(readLabels(dir.resolve("labels.u64"), s));
    double[] t = new double[iterations];
    byte[][] encoded = new byte[chunks.size()][];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      for (int c = 0; c < chunks.size(); c++) {
        encoded[c] = CompressedSegmentation.encode(chunks.get(c), CSEG_BLOCK, DataType.UINT64);
      }
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("platform-cseg-encode.bin"))) {
      for (byte[] e : encoded) {
        o.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(e.length).array());
        o.write(e);
      }
    }
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  private static Result csegDecode(Path dir, int[] s, int iterations) throws IOException {
    List<LabelVolume> chunks = chunks(readLabels(dir.resolve("labels.u64"), s));
    byte[][] encoded = new byte[chunks.size()][];
    for (int c = 0; c < chunks.size(); c++) {
      encoded[c] = CompressedSegmentation.encode(chunks.get(c), CSEG_BLOCK, DataType.UINT64);
    }
    double[] t = new double[iterations];
    LabelVolume[] decoded = new LabelVolume[chunks.size()];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      for (int c = 0; c < chunks.size(); c++) {
        LabelVolume v = chunks.get(c);
        decoded[c] =
            CompressedSegmentation.decode(
                encoded[c], v.sx(), v.sy(), v.sz(), 1, CSEG_BLOCK, DataType.UINT64);
      }
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    int exact = 0;
    for (int c = 0; c < chunks.size(); c++) {
      exact += Arrays.equals(decoded[c].data(), chunks.get(c).data()) ? 1 : 0;
    }
    Files.writeString(dir.resolve("platform-cseg-decode.txt"), exact + " " + chunks.size() + "\n");
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  private static Result mesh(Path dir, int[] s, int[] res, int iterations) throws IOException {
    LabelVolume v = readLabels(dir.resolve("mesh.u64"), s);
    double[] resolution = {res[0], res[1], res[2]};
    double[] t = new double[iterations];
    Map<Long, TriangleMesh> meshes = null;
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      meshes = MarchingCubes.meshVolume(v.data(), s[0], s[1], s[2], resolution);
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    // per segment: triangles and enclosed volume, for the driver to set beside zmesh's
    StringBuilder b = new StringBuilder();
    for (Map.Entry<Long, TriangleMesh> e : meshes.entrySet()) {
      if (e.getKey() == 0) {
        continue;
      }
      TriangleMesh m = e.getValue();
      b.append(Long.toUnsignedString(e.getKey()))
          .append(' ')
          .append(m.triangles().length / 3)
          .append(' ')
          .append(String.format(Locale.ROOT, "%.1f", volume(m.vertices(), m.triangles())))
          .append('\n');
    }
    Files.writeString(dir.resolve("platform-mesh.txt"), b);
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  private static Result jpegWrite(Path dir, int[] s, int[] res, int iterations) throws IOException {
    ByteVolume v = readImage(dir.resolve("image.u8"), s);
    Path out = dir.resolve("platform-jpeg");
    String key = res[0] + "_" + res[1] + "_" + res[2];
    Files.createDirectories(out.resolve(key));
    Files.writeString(
        out.resolve("info"),
        String.format(
            Locale.ROOT,
            "{\"@type\":\"neuroglancer_multiscale_volume\",\"type\":\"image\","
                + "\"data_type\":\"uint8\",\"num_channels\":1,\"scales\":[{\"key\":\"%s\","
                + "\"size\":[%d,%d,%d],\"resolution\":[%d,%d,%d],\"voxel_offset\":[0,0,0],"
                + "\"chunk_sizes\":[[64,64,16]],\"encoding\":\"jpeg\"}]}",
            key,
            s[0],
            s[1],
            s[2],
            res[0],
            res[1],
            res[2]));
    double[] t = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      for (int z = 0; z < s[2]; z += CHUNK[2]) {
        for (int y = 0; y < s[1]; y += CHUNK[1]) {
          for (int x = 0; x < s[0]; x += CHUNK[0]) {
            int nx = Math.min(CHUNK[0], s[0] - x);
            int ny = Math.min(CHUNK[1], s[1] - y);
            int nz = Math.min(CHUNK[2], s[2] - z);
            byte[] jpeg = JpegCodec.encode(v.crop(x, y, z, nx, ny, nz), 90);
            String name = x + "-" + (x + nx) + "_" + y + "-" + (y + ny) + "_" + z + "-" + (z + nz);
            Files.write(out.resolve(key).resolve(name), jpeg);
          }
        }
      }
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  private static Result relabel(Path dir, int[] s, int iterations) throws IOException {
    LabelVolume v = readLabels(dir.resolve("labels.u64"), s);
    ByteBuffer b =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve("relabel-map.u64")))
            .order(ByteOrder.LITTLE_ENDIAN);
    LongCounts map = new LongCounts(b.remaining() / 16);
    while (b.remaining() >= 16) {
      map.put(b.getLong(), b.getLong());
    }
    double[] t = new double[iterations];
    long[] out = null;
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      out = new long[v.data().length];
      long missing = Relabel.remap(v.data(), 0, out, 0, out.length, map);
      t[i] = (System.nanoTime() - t0) / 1e9;
      if (missing != 0) {
        throw new IllegalStateException("relabel-map.u64 has no id for " + missing);
      }
    }
    writeLongs(dir.resolve("platform-relabel.u64"), out);
    return new Result((long) s[0] * s[1] * s[2], t);
  }

  /** Enclosed volume by the divergence theorem (outward faces give a positive volume). */
  static double volume(float[] v, int[] t) {
    double sum = 0;
    for (int i = 0; i < t.length; i += 3) {
      int a = 3 * t[i], b = 3 * t[i + 1], c = 3 * t[i + 2];
      sum +=
          (v[a] * ((double) v[b + 1] * v[c + 2] - (double) v[b + 2] * v[c + 1])
                  - v[a + 1] * ((double) v[b] * v[c + 2] - (double) v[b + 2] * v[c])
                  + v[a + 2] * ((double) v[b] * v[c + 1] - (double) v[b + 1] * v[c]))
              / 6;
    }
    return sum;
  }

  private static void writeLongs(Path f, long[] d) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(d.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(d);
    Files.write(f, b.array());
  }
}
