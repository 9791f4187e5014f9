package org.connectome.bench.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.connectome.stages.precomputed.CompressedSegmentation;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform's side of the kernel benchmark runs every kernel and writes what it computed. */
class KernelBenchTest {
  @TempDir Path dir;

  @Test
  void everyKernelRunsAndWritesItsOutput() throws Exception {
    int sx = 70, sy = 40, sz = 18;
    byte[] image = new byte[sx * sy * sz];
    ByteBuffer labels = ByteBuffer.allocate(8 * sx * sy * sz).order(ByteOrder.LITTLE_ENDIAN);
    for (int z = 0; z < sz; z++) {
      for (int y = 0; y < sy; y++) {
        for (int x = 0; x < sx; x++) {
          image[x + sx * (y + sy * z)] = (byte) (x * 3 + y);
          labels.putLong(1 + x / 20 + 4L * (y / 15));
        }
      }
    }
    Files.write(dir.resolve("image.u8"), image);
    Files.write(dir.resolve("labels.u64"), labels.array());
    Files.write(dir.resolve("mesh.u64"), labels.array());
    // ids 1..12 to 100..1200
    ByteBuffer map = ByteBuffer.allocate(16 * 12).order(ByteOrder.LITTLE_ENDIAN);
    for (long id = 1; id <= 12; id++) {
      map.putLong(id).putLong(100 * id);
    }
    Files.write(dir.resolve("relabel-map.u64"), map.array());
    String shape = sx + " " + sy + " " + sz + "\n";
    Files.writeString(
        dir.resolve("shape.txt"),
        "image " + shape + "labels " + shape + "mesh " + shape + "resolution 8 8 33\n");
    for (String k :
        List.of(
            "downsample-image",
            "downsample-segmentation",
            "cseg-encode",
            "mesh",
            "jpeg-write",
            "relabel")) {
      String line = run(k);
      assertTrue(line.startsWith("{\"kernel\":\"" + k + "\",\"voxels\":50400,"), line);
    }
    assertEquals(35 * 20 * 18, Files.size(dir.resolve("platform-downsample-image.u8")));
    assertEquals(8 * 35 * 20 * 18, Files.size(dir.resolve("platform-downsample-segmentation.u64")));
    // chunks of 64x64x16: 2 x 1 x 2; the first decodes to its voxels
    ByteBuffer cs =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve("platform-cseg-encode.bin")))
            .order(ByteOrder.LITTLE_ENDIAN);
    byte[] first = new byte[cs.getInt()];
    cs.get(first);
    LabelVolume chunk =
        KernelBench.chunks(
                KernelBench.readLabels(dir.resolve("labels.u64"), new int[] {sx, sy, sz}))
            .get(0);
    assertEquals(
        java.util.Arrays.toString(chunk.data()),
        java.util.Arrays.toString(
            CompressedSegmentation.decode(
                    first, 64, 40, 16, 1, new int[] {8, 8, 8}, DataType.UINT64)
                .data()));
    // 2 x 1 x 2 JPEG chunks of an unsharded precomputed volume
    try (var files = Files.list(dir.resolve("platform-jpeg").resolve("8_8_33"))) {
      assertEquals(4, files.count());
    }
    long[] relabelled = new long[sx * sy * sz];
    ByteBuffer.wrap(Files.readAllBytes(dir.resolve("platform-relabel.u64")))
        .order(ByteOrder.LITTLE_ENDIAN)
        .asLongBuffer()
        .get(relabelled);
    assertEquals(100 * (1 + 69 / 20 + 4L * (39 / 15)), relabelled[69 + sx * 39]);
    // twelve boxes of segments, each closed: its mesh encloses about its voxels' volume
    List<String> meshes = Files.readAllLines(dir.resolve("platform-mesh.txt"));
    assertEquals(12, meshes.size(), meshes.toString());
    for (String m : meshes) {
      String[] f = m.split(" ");
      assertTrue(Long.parseLong(f[1]) > 0 && Double.parseDouble(f[2]) > 0, m);
    }
  }

  private String run(String kernel) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      KernelBench.main(new String[] {dir.toString(), kernel, "2"});
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8).strip();
  }
}
