package org.connectome.stages.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.ReferenceStageCode;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignRenderRunnerTest {
  static final int MW = 60;
  static final int MH = 50;

  /**
   * A montage: dim background (30) with a bright 6x4 rectangle (250) at x 20..25, y 10..13 and a
   * marker pixel.
   */
  static byte[] montage() {
    byte[] p = new byte[MW * MH];
    java.util.Arrays.fill(p, (byte) 30);
    for (int y = 10; y < 14; y++) {
      for (int x = 20; x < 26; x++) {
        p[y * MW + x] = (byte) 250;
      }
    }
    p[40 * MW + 50] = (byte) 120;
    return p;
  }

  static void writeSection(Path runDir, int z, byte[] pixels) throws Exception {
    Path dir = Files.createDirectories(runDir.resolve(Montage.dir(z)));
    Files.write(dir.resolve("montage.raw"), pixels);
    Files.writeString(
        dir.resolve("montage.json"),
        "{\"width\": "
            + MW
            + ", \"height\": "
            + MH
            + ", \"originX\": 0, \"originY\": 0, \"scale\": 1}");
  }

  static void writeTransforms(Path runDir, List<Map<String, Object>> sections) throws Exception {
    Path f = runDir.resolve(SectionTransforms.FILE);
    Files.createDirectories(f.getParent());
    new ObjectMapper()
        .writeValue(f.toFile(), Map.of("sections", sections, "width", 90, "height", 70));
  }

  @Test
  void rendersEachSectionThroughTheInverseOfItsTransform(@TempDir Path runDir) throws Exception {
    for (int z = 0; z < 4; z++) {
      writeSection(runDir, z, montage());
    }
    // z 0: identity; z 1: shifted by (+13, +7); z 2: rotated 90 degrees then shifted; z 3: left out
    // by the solve
    writeTransforms(
        runDir,
        List.of(
            Map.of("section", 0, "thetaDeg", 0, "tx", 0, "ty", 0),
            Map.of("section", 1, "thetaDeg", 0.0, "tx", 13, "ty", 7),
            Map.of("section", 2, "thetaDeg", 90.0, "tx", 60, "ty", 5)));
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "align",
            "render",
            new Vec3(90, 70, 4),
            new Vec3(32, 32, 2),
            Map.of("renderBlockSize", List.of(32, 32, 2), "voxelSize", List.of(8, 8, 33)));
    BlockSteps.runAll(AlignRenderRunner::create, def);

    PrecomputedVolume v = PrecomputedVolume.open(RunVolumes.aligned(runDir));
    assertEquals(DataType.UINT8, v.info().dataType());
    assertEquals(Encoding.RAW, v.info().scale(0).encoding());
    assertEquals("8_8_33", v.info().scale(0).key());
    assertArrayEquals(new long[] {90, 70, 4}, v.info().scale(0).size());
    assertArrayEquals(new int[] {32, 32, 2}, v.info().scale(0).chunkSize());
    try (Stream<Path> s = Files.list(runDir.resolve("volumes/aligned/8_8_33"))) {
      assertEquals(3 * 3 * 2, s.count());
    }
    assertTrue(Files.isRegularFile(runDir.resolve("volumes/aligned/8_8_33/64-90_64-70_2-4")));
    ByteVolume a = v.readImage(0, new Box(new Vec3(0, 0, 0), new Vec3(90, 70, 4)));
    byte[] m = montage();
    for (int y = 0; y < 70; y++) {
      for (int x = 0; x < 90; x++) {
        int identity = x < MW && y < MH ? m[y * MW + x] & 0xff : 0;
        assertEquals(identity, a.get(x, y, 0), "z 0 at " + x + "," + y);
        int u = x - 13;
        int w = y - 7;
        int shifted = u >= 0 && w >= 0 && u < MW && w < MH ? m[w * MW + u] & 0xff : 0;
        assertEquals(shifted, a.get(x, y, 1), "z 1 at " + x + "," + y);
        assertEquals(0, a.get(x, y, 3), "z 3 is blank");
      }
    }
    // rotation by 90 degrees: montage (u, v) -> (-v + 60, u + 5); the rectangle's corner (20, 10)
    // lands at (50, 25)
    // and its far corner (25, 13) at (47, 30)
    assertEquals(250, a.get(50, 25, 2));
    assertEquals(250, a.get(47, 30, 2));
    assertEquals(30, a.get(51, 25, 2));
    assertEquals(30, a.get(50, 24, 2));
    assertEquals(120, a.get(60 - 40, 50 + 5, 2));
  }

  @Test
  void bilinearSamplingPutsAPatternAtItsSubpixelAlignedPosition(@TempDir Path runDir)
      throws Exception {
    writeSection(runDir, 0, montage());
    double theta = 17.0;
    double tx = 21.25;
    double ty = -3.5;
    writeTransforms(runDir, List.of(Map.of("section", 0, "thetaDeg", theta, "tx", tx, "ty", ty)));
    TaskDefinition def =
        BlockSteps.definition(
            runDir,
            "align",
            "render",
            new Vec3(96, 80, 1),
            new Vec3(48, 40, 1),
            Map.of("voxelSize", Map.of("x", 4, "y", 4, "z", 40)));
    BlockSteps.runAll(AlignRenderRunner::create, def);
    ByteVolume a =
        PrecomputedVolume.open(RunVolumes.aligned(runDir))
            .readImage(0, new Box(new Vec3(0, 0, 0), new Vec3(96, 80, 1)));
    // the bright rectangle's centroid (22.5, 11.5) must come out at the forward transform of it
    double[] expected = new RigidTransform(theta, tx, ty).apply(22.5, 11.5);
    double sx = 0;
    double sy = 0;
    double sw = 0;
    for (int y = 0; y < 80; y++) {
      for (int x = 0; x < 96; x++) {
        if (Math.hypot(x - expected[0], y - expected[1]) > 8) {
          continue;
        }
        double w = Math.max(0, a.get(x, y, 0) - 30);
        sx += w * x;
        sy += w * y;
        sw += w;
      }
    }
    assertEquals(expected[0], sx / sw, 0.25, "centroid x");
    assertEquals(expected[1], sy / sw, 0.25, "centroid y");
    // every voxel is the bilinear sample at the inverse transform
    Montage mo = Montage.of(MW, MH, montage());
    RigidTransform t = new RigidTransform(theta, tx, ty);
    for (int y = 0; y < 80; y += 3) {
      for (int x = 0; x < 96; x += 3) {
        double[] uv = t.applyInverse(x, y);
        assertEquals(
            (int) Math.round(mo.sample(uv[0], uv[1])), a.get(x, y, 0), 1, "at " + x + "," + y);
      }
    }
    assertEquals(
        "4_4_40", PrecomputedVolume.open(RunVolumes.aligned(runDir)).info().scale(0).key());
  }

  @Test
  void montageSamplingIsZeroOutsideAndExactOnPixels() {
    Montage m = Montage.of(3, 2, new byte[] {10, 20, 30, 40, 50, 60});
    assertEquals(20, m.sample(1, 0));
    assertEquals(40, m.sample(1.5, 0.5), 1e-9);
    assertEquals(60, m.sample(2.4, 1.4), 1e-9);
    assertEquals(0, m.sample(2.6, 1));
    assertEquals(0, m.sample(-0.6, 0));
    assertEquals(10, m.sample(-0.4, -0.4));
    double[] p = new RigidTransform(33, 4, -7).apply(3, 5);
    double[] back = new RigidTransform(33, 4, -7).applyInverse(p[0], p[1]);
    assertEquals(3, back[0], 1e-9);
    assertEquals(5, back[1], 1e-9);
  }

  @Test
  void missingInputsFailTheUnitWithTheirPath(@TempDir Path runDir) throws Exception {
    TaskDefinition def =
        BlockSteps.definition(
            runDir, "align", "render", new Vec3(90, 70, 4), new Vec3(32, 32, 2), Map.of());
    try (UnitRunner r = BlockSteps.create(AlignRenderRunner::create, def)) {
      UnitException e =
          assertThrows(UnitException.class, () -> r.run(new UnitContext(def, null, 0, 0, 1)));
      assertTrue(e.getMessage().contains("transforms.json"), e.getMessage());
      writeTransforms(runDir, List.of(Map.of("section", 0, "thetaDeg", 0, "tx", 0, "ty", 0)));
    }
    try (UnitRunner r = BlockSteps.create(AlignRenderRunner::create, def)) {
      UnitException e =
          assertThrows(UnitException.class, () -> r.run(new UnitContext(def, null, 0, 0, 1)));
      assertTrue(e.getMessage().contains("s0000"), e.getMessage());
    }
  }

  @Test
  void isRegisteredAsTheReferenceRenderStep() {
    Optional<?> r =
        new ReferenceStageCode()
            .runners().stream()
                .filter(
                    x ->
                        x.stage().equals("align")
                            && x.step().equals("render")
                            && x.implementation().equals("reference"))
                .findFirst();
    assertTrue(r.isPresent());
  }
}
