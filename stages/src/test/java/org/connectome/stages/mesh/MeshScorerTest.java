package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.report.MeshScorer;
import org.connectome.stages.report.ReportContext;
import org.connectome.stages.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshScorerTest {
  @Test
  void scoresWhatTheViewerWouldLoad(@TempDir Path runDir) throws Exception {
    LabelVolume l = MeshRunnersTest.labels();
    MeshSteps.writeSegmentation(runDir, l, new int[] {32, 32, 8});
    MeshRunnersTest.runBoth(runDir, Map.of("simplify", Map.of("ratio", 0.3)), 3);
    TreeSet<Long> ids = new TreeSet<>();
    for (long v : l.data()) {
      if (v != 0) {
        ids.add(v);
      }
    }
    long triangles = 0;
    for (long id : ids) {
      triangles += MeshRunnersTest.fragment(runDir, id).triangleCount();
    }
    ReportContext ctx = new ReportContext(runDir, null, null);
    Map<String, Object> m = new MeshScorer().score(ctx).orElseThrow();
    assertEquals(true, m.get("info"));
    assertEquals(ids.size(), m.get("segments"));
    assertEquals(ids.size(), m.get("manifests"));
    assertEquals(ids.size(), m.get("meshes"));
    assertEquals(0L, m.get("missingManifests"));
    assertEquals(1.0, m.get("closedShare"));
    assertEquals(triangles, m.get("triangles"));
    assertTrue((double) m.get("simplificationKept") < 0.5);
    @SuppressWarnings("unchecked")
    Map<String, Object> vc = (Map<String, Object>) m.get("volumeCheck");
    // the ball, the box and the slab (the noise segments are smaller than the check's minimum)
    // the ball, the box and the slab keep nearly all their volume; the three noise segments
    // (voxel-sized pieces,
    // above the minimum size only in total) far less
    assertEquals(6, vc.get("segments"));
    assertTrue(
        (double) vc.get("meshOverVoxelVolumeP95") > 0.9
            && (double) vc.get("meshOverVoxelVolumeP95") < 1.0);
    assertTrue((double) vc.get("meshOverVoxelVolumeP5") < 0.5);
    assertTrue(
        m.get("summary")
            .toString()
            .startsWith(ids.size() + " meshes (" + ids.size() + " closed, 100%)"),
        m.get("summary").toString());

    // a lost manifest and a damaged fragment show
    Path dir = MeshMergeRunner.meshDir(runDir, "mesh");
    Files.delete(dir.resolve(MeshRunnersTest.DOT + ":0"));
    Files.write(
        dir.resolve(MeshRunnersTest.BOX + ".frag"),
        new byte[] {1, 2, 3},
        StandardOpenOption.APPEND);
    m = new MeshScorer().score(ctx).orElseThrow();
    assertEquals(1L, m.get("missingManifests"));
    assertEquals(ids.size() - 1, m.get("manifests"));
    assertEquals(ids.size() - 2, m.get("closedMeshes"));
    assertEquals(1, ((List<?>) m.get("unreadable")).size());
  }

  @Test
  void nothingToScoreWithoutMeshes(@TempDir Path runDir) throws Exception {
    assertTrue(new MeshScorer().score(new ReportContext(runDir, null, null)).isEmpty());
    assertTrue(RunReport.scorers().stream().anyMatch(s -> s instanceof MeshScorer));
  }
}
