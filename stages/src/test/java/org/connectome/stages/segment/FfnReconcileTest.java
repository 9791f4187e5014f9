package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongBinaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.UnitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconciliation on crafted subvolumes written as google/ffn writes them (its nested path, a {@code
 * segmentation} array in z, y, x with the dtype {@code reduce_id_bits} picks, beside a pickled
 * {@code origins} entry): three subvolumes in a row, x cores {@code [0, 10) [10, 20) [20, 30)},
 * boxes with 2 voxels of overlap {@code [0, 12) [8, 22) [18, 30)}, 10 x 4 voxels in y and z. Rows
 * of y:
 *
 * <ul>
 *   <li>{@code [0, 3)}: one object across all three subvolumes (local ids 1, 2^40 + 5, 9): one
 *       global id;
 *   <li>{@code [4, 7)}: a false touch: subvolume 0 sees A up to x 9 and C from x 10; subvolume 1
 *       sees D up to x 8 and B from x 9. A and B share one column of the overlap (12 voxels, half
 *       of A's 24 there): apart;
 *   <li>{@code [8, 10)}: one object that subvolume 1 cuts in two at x 10 (ids 10 and 11): both join
 *       subvolume 0's E, so the object stays whole;
 *   <li>rows 3 and 7, and subvolume 2 below row 4: unsegmented (0).
 * </ul>
 */
class FfnReconcileTest {
  static final Vec3 VOLUME = new Vec3(30, 10, 4);
  static final long BIG = (1L << 40) + 5;

  static long label(int sub, int x, int y) {
    return switch (sub) {
      case 0 -> y < 3 ? 1 : (y >= 4 && y < 7) ? (x < 10 ? 2 : 3) : (y >= 8 ? 4 : 0);
      case 1 ->
          y < 3 ? BIG : (y >= 4 && y < 7) ? (x < 9 ? 7 : 6) : (y >= 8 ? (x < 10 ? 10 : 11) : 0);
      default -> y < 3 ? 9 : 0;
    };
  }

  /** Writes the subvolume's file as FFN's save_subvolume would. */
  static void writeFfn(Path out, Box box, int sub, String dtype, byte[] originsNpy)
      throws Exception {
    long[] v = new long[(int) box.size().volume()];
    int i = 0;
    for (long z = box.start().z(); z < box.end().z(); z++) {
      for (long y = box.start().y(); y < box.end().y(); y++) {
        for (long x = box.start().x(); x < box.end().x(); x++) {
          v[i++] = label(sub, (int) x, (int) y);
        }
      }
    }
    byte[] seg = Npz.npy(new Npz.Array(dtype, FfnSubvolumes.shape(box), v));
    Path f =
        out.resolve(
            box.start().x()
                + "/"
                + box.start().y()
                + "/seg-"
                + box.start().x()
                + "_"
                + box.start().y()
                + "_"
                + box.start().z()
                + ".npz");
    Files.createDirectories(f.getParent());
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
      zip.putNextEntry(new ZipEntry("segmentation.npy"));
      zip.write(seg);
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("origins.npy"));
      zip.write(originsNpy);
      zip.closeEntry();
    }
  }

  /** The pickled origins entry of an archive NumPy wrote (test resource). */
  static byte[] originsNpy() throws Exception {
    try (InputStream in = FfnReconcileTest.class.getResourceAsStream("ffn-like.npz");
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        if (e.getName().equals("origins.npy")) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          zip.transferTo(b);
          return b.toByteArray();
        }
      }
    }
    throw new IllegalStateException("no origins.npy in the resource");
  }

  static LabelVolume reconcileAndRelabel(Path runDir, Map<String, Object> params) throws Exception {
    TaskDefinition inference =
        SegmentStepRuns.inference(runDir, VOLUME, new Vec3(10, 10, 4), new Vec3(2, 0, 0), Map.of());
    BlockGrid grid = inference.plan().units().grid();
    Path out = SegmentSteps.inferenceOutput(runDir);
    byte[] origins = originsNpy();
    writeFfn(out, grid.withOverlap(0), 0, "<u2", origins);
    writeFfn(out, grid.withOverlap(1), 1, "<u8", origins);
    writeFfn(out, grid.withOverlap(2), 2, "|u1", origins);
    SegmentStepRuns.runAll(
        SegmentOverlapsRunner::create, SegmentStepRuns.overlaps(runDir, inference, params));
    SegmentStepRuns.reconcileAndMerge(runDir, params);
    // relabel blocks that are not the subvolumes: 15 x 5 x 4, each meeting one or two subvolume
    // cores
    SegmentStepRuns.runAll(
        SegmentRelabelRunner::create, SegmentStepRuns.relabel(runDir, VOLUME, new Vec3(15, 5, 4)));
    return PrecomputedVolume.open(RunVolumes.segmentation(runDir))
        .readLabels(0, new Box(new Vec3(0, 0, 0), VOLUME));
  }

  static final Map<String, Object> RULES =
      Map.of("minOverlapVoxels", 10, "minOverlapFraction", 0.6, "minLargerFraction", 0.2);

  @Test
  void trueMergeFalseTouchAndAnObjectAcrossThreeSubvolumes(@TempDir Path runDir) throws Exception {
    trueMergeFalseTouchAndAnObjectAcrossThreeSubvolumes(runDir, RULES);
  }

  /**
   * A shard per subvolume, two per merge node: the object across three subvolumes joins through two
   * merge levels, and the ids stay those of one union-find over the volume.
   */
  @Test
  void aShardPerSubvolumeGivesTheSameIds(@TempDir Path runDir) throws Exception {
    Map<String, Object> params = new java.util.HashMap<>(RULES);
    params.put("shardSubvolumes", 1);
    params.put("mergeFanIn", 2);
    trueMergeFalseTouchAndAnObjectAcrossThreeSubvolumes(runDir, params);
  }

  private void trueMergeFalseTouchAndAnObjectAcrossThreeSubvolumes(
      Path runDir, Map<String, Object> params) throws Exception {
    LabelVolume g = reconcileAndRelabel(runDir, params);
    // global ids: dense from 1 in order of subvolume, then local id of its core
    LongBinaryOperator expected =
        (x, y) ->
            y < 3
                ? 1
                : (y >= 4 && y < 7) ? (x < 10 ? 2 : x < 20 ? 4 : 0) : (y >= 8 && x < 20) ? 3 : 0;
    for (int z = 0; z < 4; z++) {
      for (int y = 0; y < 10; y++) {
        for (int x = 0; x < 30; x++) {
          assertEquals(
              expected.applyAsLong(x, y), g.get(x, y, z), "voxel " + x + "," + y + "," + z);
        }
      }
    }
    SegmentReconcileRunner.Summary s =
        SegmentReconcileRunner.Summary.read(SegmentSteps.reconciled(runDir));
    assertEquals(4, s.segments());
    assertEquals(30 * 3 * 4 + 20 * 3 * 4 + 20 * 2 * 4, s.voxels());
    // the touch (A, B) was counted and kept apart
    SubvolumeOverlaps o =
        SubvolumeOverlaps.read(SegmentSteps.layout(runDir, SegmentSteps.OVERLAPS).outputDir(), 0);
    assertEquals(1, o.neighbours().size());
    assertEquals("8-12_0-10_0-4", o.neighbours().get(0).region());
    boolean touch = false;
    for (long[] p : o.neighbours().get(0).pairs()) {
      touch |= p[0] == 2 && p[1] == 6 && p[2] == 12;
    }
    assertTrue(touch, "the touch of A and B is one column of 3 x 4 voxels");
  }

  @Test
  void withoutTheThinContactRuleTheTouchMerges(@TempDir Path runDir) throws Exception {
    LabelVolume g =
        reconcileAndRelabel(
            runDir,
            Map.of("minOverlapVoxels", 10, "minOverlapFraction", 0.5, "minLargerFraction", 0.2));
    // A and B share half of A's voxels in the overlap: at 0.5 they join
    assertEquals(g.get(5, 5, 0), g.get(15, 5, 0));
  }

  @Test
  void theRules() {
    SegmentReconcileRunner.Params p = SegmentReconcileRunner.Params.of(Map.of());
    assertEquals(100, p.minOverlapVoxels());
    assertEquals(0.5, p.minOverlapFraction());
    assertEquals(0.2, p.minLargerFraction());
    SegmentReconcileRunner r = new SegmentReconcileRunner(Path.of("."), null, null, p);
    assertTrue(r.joins(9_000, 9_500, 9_800), "one neurite seen by both subvolumes");
    assertFalse(r.joins(300, 9_500, 9_800), "a thin contact: 3 % of either");
    assertFalse(
        r.joins(655, 700, 10_655), "a sliver a subvolume gave its neighbour: 6 % of the neighbour");
    assertTrue(
        r.joins(4_000, 4_200, 9_000), "one of two pieces the other subvolume cut the neurite into");
    assertFalse(r.joins(99, 99, 99), "fewer than minOverlapVoxels");
  }

  @Test
  void aMapThatMissesAnIdFailsTheBlockForGood(@TempDir Path runDir) throws Exception {
    reconcileAndRelabel(runDir, RULES);
    Path map = SegmentReconcileRunner.mapFile(SegmentSteps.reconciled(runDir), 1);
    Files.writeString(map, "# local\tglobal\tvoxels\n6\t4\t120\n");
    UnitException e =
        assertThrows(
            UnitException.class,
            () ->
                SegmentStepRuns.runAll(
                    SegmentRelabelRunner::create,
                    SegmentStepRuns.relabel(runDir, VOLUME, new Vec3(15, 5, 4))));
    assertFalse(e.retryable());
    assertTrue(
        e.getMessage().contains("subvolume 1") && e.getMessage().contains("no global id"),
        e.getMessage());
  }
}
