package org.connectome.stages.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.pipeline.Vec3;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskExitCodes;
import org.connectome.tasks.TaskMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both steps through the task entry point, as the executors run them: registration, markers,
 * reruns.
 */
class MeshTasksTest {
  static int task(TaskDefinition def, long task, StringBuilder log) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        TaskMain.run(
            Map.of(),
            new String[] {
              "--step-dir", MeshSteps.layout(def).dir().toString(), "--task", Long.toString(task)
            },
            new PrintStream(out, true, StandardCharsets.UTF_8));
    log.append(out.toString(StandardCharsets.UTF_8));
    return code;
  }

  static long count(Path dir, String suffix) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
    }
  }

  @Test
  void theTaskEntryPointRunsBothStepsAndSkipsFinishedUnits(@TempDir Path runDir) throws Exception {
    MeshSteps.writeSegmentation(runDir, MeshRunnersTest.labels(), new int[] {32, 32, 8});
    Map<String, Object> params = Map.of("simplify", true, "mergeShards", 3);
    TaskDefinition blocks =
        MeshSteps.blocks(
            runDir, MeshRunnersTest.VOLUME, MeshRunnersTest.BLOCK, new Vec3(1, 1, 1), params);
    TaskDefinition merge = MeshSteps.merge(runDir, 3, params);
    blocks.write(MeshSteps.layout(blocks).definitionFile());
    merge.write(MeshSteps.layout(merge).definitionFile());
    StringBuilder log = new StringBuilder();
    // 18 blocks, 4 units per task: tasks 0..4
    for (long t = 0; t < blocks.plan().grouping().taskCount(); t++) {
      assertEquals(TaskExitCodes.OK, task(blocks, t, log), log.toString());
    }
    for (long t = 0; t < merge.plan().grouping().taskCount(); t++) {
      assertEquals(TaskExitCodes.OK, task(merge, t, log), log.toString());
    }
    assertEquals(18, count(MeshSteps.layout(blocks).markersDir(), ".json"));
    assertEquals(3, count(MeshSteps.layout(merge).markersDir(), ".json"));
    Path mesh = MeshMergeRunner.meshDir(runDir, "mesh");
    long manifests = count(mesh, ":0");
    assertTrue(manifests >= 7, "manifests " + manifests);
    // a second attempt finds every unit done and writes nothing (the ball, id 2^40 + 5, is in shard
    // 0: task 0)
    Path frag = mesh.resolve(MeshRunnersTest.BALL + ".frag");
    FileTime before = Files.getLastModifiedTime(frag);
    Path blockFile = BlockMeshFile.file(MeshSteps.layout(blocks).outputDir(), 0);
    FileTime blockBefore = Files.getLastModifiedTime(blockFile);
    Thread.sleep(20);
    assertEquals(TaskExitCodes.OK, task(blocks, 0, log), log.toString());
    assertEquals(TaskExitCodes.OK, task(merge, 0, log), log.toString());
    assertEquals(before, Files.getLastModifiedTime(frag));
    assertEquals(blockBefore, Files.getLastModifiedTime(blockFile));
  }
}
