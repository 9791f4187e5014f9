package org.connectome.stages.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.task.TaskDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timing on a volume shaped like the demo's aligned volume (1349 x 887 x 16), with the simulator's
 * ground-truth labels as the segmentation: run with {@code
 * -Dmesh.demoLabels=work/demo/microscope/ground-truth/labels} (not part of the suite).
 */
@EnabledIfSystemProperty(named = "mesh.demoLabels", matches = ".+")
class MeshDemoTiming {
  static final int SX = 1349;
  static final int SY = 887;
  static final int SZ = 16;

  static LabelVolume truth(Path dir, int width, int height) throws IOException {
    LabelVolume l = new LabelVolume(SX, SY, SZ);
    for (int z = 0; z < SZ; z++) {
      ByteBuffer b =
          ByteBuffer.wrap(Files.readAllBytes(dir.resolve(String.format("z%04d.raw", z))))
              .order(ByteOrder.LITTLE_ENDIAN);
      for (int y = 0; y < SY; y++) {
        for (int x = 0; x < SX; x++) {
          l.set(x, y, z, Integer.toUnsignedLong(b.getInt(4 * (x + 40 + width * (y + 40)))));
        }
      }
    }
    return l;
  }

  /**
   * Runs {@link #main} in a JVM set up like a demo task process (C1 only, serial GC, 384 MB heap:
   * the demo's 512Mi tasks), after writing the segmentation here.
   */
  @Test
  void demoShapedVolume(@TempDir Path runDir) throws Exception {
    Path dir = Path.of(System.getProperty("mesh.demoLabels"));
    LabelVolume l = truth(dir, 1446, 973);
    MeshSteps.writeSegmentation(runDir, l, new int[] {512, 512, 16});
    l = null;
    String heap = System.getProperty("mesh.heap", "384m");
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError",
                "-Xmx" + heap));
    if (!System.getProperty("mesh.jvm", "").isEmpty()) {
      cmd.add(System.getProperty("mesh.jvm"));
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            MeshDemoTiming.class.getName(),
            runDir.toString(),
            System.getProperty("mesh.simplify", ""),
            System.getProperty("mesh.shards", "4")));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    Process proc = pb.start();
    String out =
        new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int code = proc.waitFor();
    System.out.print(out);
    if (code != 0) {
      throw new AssertionError("timing process exited with " + code);
    }
  }

  public static void main(String[] args) throws Exception {
    Path runDir = Path.of(args[0]);
    String simplify = args.length > 1 ? args[1] : "";
    Map<String, Object> params =
        simplify.isEmpty()
            ? Map.of()
            : Map.of(
                "simplify",
                Map.of(
                    "ratio",
                    Double.parseDouble(simplify.split(",")[0]),
                    "maxError",
                    Double.parseDouble(simplify.split(",")[1])));
    TaskDefinition blocks =
        MeshSteps.blocks(
            runDir,
            new Vec3(SX, SY, SZ),
            new Vec3(512, 512, 16),
            new Vec3(1, 1, 1),
            MeshSteps.withShards(params, Integer.parseInt(args[2])));
    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long c0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    MeshSteps.runAll(MeshBlocksRunner::create, blocks);
    long t1 = System.nanoTime();
    long c1 = os.getProcessCpuTime();
    MeshSteps.runAll(
        MeshMergeRunner::create, MeshSteps.merge(runDir, Integer.parseInt(args[2]), params));
    long t2 = System.nanoTime();
    long c2 = os.getProcessCpuTime();
    long bytes = 0;
    long manifests = 0;
    long fragments = 0;
    int closed = 0;
    long triangles = 0;
    try (Stream<Path> s = Files.list(MeshMergeRunner.meshDir(runDir, "mesh"))) {
      for (Path p : s.toList()) {
        bytes += Files.size(p);
        String n = p.getFileName().toString();
        manifests += n.endsWith(":0") ? 1 : 0;
        if (n.endsWith(".frag")) {
          fragments++;
          TriangleMesh m = LegacyMesh.decode(Files.readAllBytes(p));
          closed += m.isWatertight() ? 1 : 0;
          triangles += m.triangleCount();
        }
      }
    }
    long blockBytes = 0;
    try (Stream<Path> s = Files.walk(runDir.resolve("stages/mesh/blocks/output/blocks"))) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        blockBytes += Files.size(p);
      }
    }
    System.out.printf(
        "cpu: blocks %.2f s, merge %.2f s (the JVM's threads, GC included)%n",
        (c1 - c0) / 1e9, (c2 - c1) / 1e9);
    System.out.printf(
        "params %s: blocks %.2f s (%d units), merge %.2f s; %d manifests, %d fragments (%d closed),"
            + " %d triangles, mesh folder %.1f MB, block files %.1f MB, heap max %d MB%n",
        params,
        (t1 - t0) / 1e9,
        blocks.plan().units().unitCount(),
        (t2 - t1) / 1e9,
        manifests,
        fragments,
        closed,
        triangles,
        bytes / 1e6,
        blockBytes / 1e6,
        Runtime.getRuntime().maxMemory() >> 20);
    long c3 = System.nanoTime();
    Map<String, Object> score =
        new org.connectome.stages.report.MeshScorer()
            .score(new org.connectome.stages.report.ReportContext(runDir, null, null))
            .orElseThrow();
    System.out.printf("score (%.2f s): %s%n", (System.nanoTime() - c3) / 1e9, score);
    for (Path f : List.of(MeshBlocksRunner.statsFile(MeshSteps.layout(blocks).outputDir(), 0))) {
      System.out.println(Files.readString(f));
    }
  }
}
