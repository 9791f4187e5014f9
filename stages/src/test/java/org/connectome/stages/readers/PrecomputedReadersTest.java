package org.connectome.stages.readers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.compress.CompressSteps;
import org.connectome.stages.mesh.MeshFolder;
import org.connectome.stages.mesh.MeshSteps;
import org.connectome.stages.mesh.TriangleMesh;
import org.connectome.stages.precomputed.Annotations;
import org.connectome.stages.precomputed.AnnotationsWriter;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.SegmentProperties;
import org.connectome.stages.precomputed.VolumeInfo;
import org.connectome.stages.synapses.PartitionedIndexes;
import org.connectome.stages.synapses.SynapseIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers the compress stage and synapses.index write, read back by the field's own readers
 * ({@link FieldReaders}: CloudVolume and TensorStore from PyPI, pinned): every scale of a sharded
 * JPEG image (several shards, several minishards per shard), of a sharded compressed_segmentation
 * and of an unsharded raw image, through CloudVolume and through TensorStore, equal to what the
 * platform's own reader gives (JPEG within two grey levels: the decoders' IDCTs differ); the
 * segment properties; the sharded synapse annotations by id and by both relationships through
 * TensorStore's sharded key-value store. The platform's side of every comparison is computed here,
 * in Java.
 */
class PrecomputedReadersTest {
  static final Vec3 VOLUME = new Vec3(200, 150, 20);
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void cloudVolumeAndTensorStoreReadEveryLayerBackEqual(@TempDir Path runDir) throws Exception {
    CompressSteps.writeAligned(runDir);
    LabelVolume labels = CompressSteps.writeSegmentation(runDir);
    // 8x8x4 chunks of uint64: 25 x 19 x 5 chunks; shards of 2,048 chunks hold two minishards
    Map<String, Object> seg =
        Map.of(
            "chunkSize",
            List.of(8, 8, 4),
            "sharding",
            "always",
            "shardBytes",
            2048 * 8 * 8 * 4 * 8,
            "mesh",
            "mesh",
            "segmentProperties",
            "segment_properties");
    Map<String, Object> img =
        Map.of(
            "chunkSize",
            List.of(32, 32, 4),
            "sharding",
            "always",
            "shardBytes",
            8 * 32 * 32 * 4,
            "jpegQuality",
            90);
    CompressSteps.image(runDir, VOLUME, img);
    CompressSteps.segmentation(runDir, VOLUME, seg);
    CompressSteps.pyramid(runDir, VOLUME, img, seg);
    // an unsharded raw image beside them, written by the same code
    Path rawRun = runDir.resolve("unsharded");
    CompressSteps.writeAligned(rawRun);
    Map<String, Object> raw =
        Map.of(
            "chunkSize", List.of(32, 32, 4),
            "blockSize", List.of(64, 64, 8),
            "sharding", "never",
            "encoding", "raw",
            "whenNoSegmentation", "skip");
    CompressSteps.image(rawRun, VOLUME, raw);
    CompressSteps.pyramid(rawRun, VOLUME, raw);

    Map<String, Object> manifest = new LinkedHashMap<>();
    Path expected = Files.createDirectories(runDir.resolve("expected"));
    List<Object> volumes = new ArrayList<>();
    volumes.add(volume(RunVolumes.neuroglancerImage(runDir), expected, "image", 2));
    volumes.add(volume(RunVolumes.neuroglancerSegmentation(runDir), expected, "segmentation", 0));
    volumes.add(volume(RunVolumes.neuroglancerImage(rawRun), expected, "raw", 0));
    manifest.put("volumes", volumes);

    // segment properties of the segmentation's ids
    Map<Long, String> names = new TreeMap<>();
    for (long id : labels.data()) {
      if (id != 0) {
        names.put(id, "cell " + Long.toUnsignedString(id));
      }
    }
    SegmentProperties.write(
        RunVolumes.neuroglancerSegmentation(runDir), "segment_properties", names, Map.of());
    manifest.put(
        "segment_properties",
        Map.of(
            "path",
            RunVolumes.neuroglancerSegmentation(runDir).resolve("segment_properties").toString(),
            "ids",
            names.keySet().stream().map(Long::toUnsignedString).toList(),
            "labels",
            List.copyOf(names.values())));

    // synapse annotations, sharded: a few shards of four ids
    List<Long> cells = List.copyOf(names.keySet());
    List<Annotations.Point> points = new ArrayList<>();
    List<Object> byId = new ArrayList<>();
    Map<String, Map<String, List<Long>>> related = new LinkedHashMap<>();
    for (int i = 1; i <= 20; i++) {
      long pre = cells.get(i % cells.size());
      long post = cells.get((i * 7 + 3) % cells.size());
      double[] pos = {5.5 + 9 * i, 3.5 + 7 * i, 0.5 + i % 20};
      points.add(
          new Annotations.Point(
              i, pos, new double[] {0.5, 30, 12, 3}, new long[][] {{pre}, {post}}));
      byId.add(Map.of("id", i, "position", pos, "related", List.of(List.of(pre), List.of(post))));
      related
          .computeIfAbsent("rel_" + SynapseIndex.PRE, k -> new TreeMap<>())
          .computeIfAbsent(Long.toUnsignedString(pre), k -> new ArrayList<>())
          .add((long) i);
      related
          .computeIfAbsent("rel_" + SynapseIndex.POST, k -> new TreeMap<>())
          .computeIfAbsent(Long.toUnsignedString(post), k -> new ArrayList<>())
          .add((long) i);
    }
    Path synapses = runDir.resolve(SynapseIndex.FOLDER);
    new AnnotationsWriter(
            SynapseIndex.schema(new double[] {8, 8, 33}),
            new double[] {0, 0, 0},
            new double[] {200, 150, 20},
            5)
        .sharded(4)
        .write(synapses, points, Set.copyOf(cells));
    manifest.put(
        "annotations",
        List.of(
            Map.of("path", synapses.toString(), "by_id", byId, "related", related),
            partitioned(runDir.resolve("partitioned"), points)));

    // multi-resolution meshes, sharded into two files, and what the platform reads of them
    MeshSteps.writeSummary(
        runDir, java.util.Arrays.stream(labels.data()).filter(v -> v != 0).distinct().count());
    MeshSteps.meshAll(
        runDir,
        VOLUME,
        new Vec3(64, 64, 8),
        Map.of("format", "multires", "sharding", "always", "simplify", true),
        2);
    List<Object> meshes = meshes(RunVolumes.neuroglancerSegmentation(runDir).resolve("mesh"));
    assertTrue(meshes.size() >= 10, "meshes " + meshes.size());
    manifest.put(
        "meshes",
        Map.of("path", RunVolumes.neuroglancerSegmentation(runDir).toString(), "segments", meshes));

    Path file = runDir.resolve("manifest.json");
    JSON.writeValue(file.toFile(), manifest);
    FieldReaders.Result r = FieldReaders.readBack(file);
    System.out.println(r.output());
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains(" 0 failed"), r.output());
  }

  /**
   * The same synapses as {@code synapses.index} writes them in four units (boxes of four of 4 x 3
   * detect blocks, ids from the blocks), with what the readers should find.
   */
  static Map<String, Object> partitioned(Path dir, List<Annotations.Point> points)
      throws Exception {
    Path synapses = dir.resolve("synapses");
    // 4 x 3 blocks, Morton codes 0..15 in ranges of four: four units
    List<SynapseIndex.Entry> entries =
        PartitionedIndexes.write(
            points,
            new BlockGrid(VOLUME, new Vec3(64, 64, 20), new Vec3(0, 0, 0)),
            4,
            dir.resolve("detect"),
            synapses,
            5);
    assertEquals(4, SynapseIndex.tables(dir.resolve("detect")).size());
    List<Object> byId = new ArrayList<>();
    Map<String, Map<String, List<Long>>> related = new LinkedHashMap<>();
    for (SynapseIndex.Entry e : entries) {
      Annotations.Point p = SynapseIndex.point(e);
      byId.add(
          Map.of(
              "id",
              p.id(),
              "position",
              p.position(),
              "related",
              List.of(List.of(e.site().pre()), List.of(e.site().post()))));
      related
          .computeIfAbsent("rel_" + SynapseIndex.PRE, k -> new TreeMap<>())
          .computeIfAbsent(Long.toUnsignedString(e.site().pre()), k -> new ArrayList<>())
          .add(p.id());
      related
          .computeIfAbsent("rel_" + SynapseIndex.POST, k -> new TreeMap<>())
          .computeIfAbsent(Long.toUnsignedString(e.site().post()), k -> new ArrayList<>())
          .add(p.id());
    }
    assertEquals(points.size(), byId.size());
    return Map.of(
        "path",
        synapses.toString(),
        "by_id",
        byId,
        "related",
        related,
        // synapses.tsv keeps x and y to two decimals
        "position_tolerance",
        0.006);
  }

  /**
   * The demo run of this checkout ({@code ./connectome run examples/demo/run.yaml}), when there is
   * one, read back whole: every scale of its image and segmentation, every segment's mesh, its
   * segment properties and every synapse by id and by both relationships (from {@code
   * synapses.tsv}, the platform's own table). Run it on a finished demo with {@code
   * -Dconnectome.readDemoRun=work/demo/runs/demo/r1} (CI runs the layers of the test above).
   */
  @Test
  void theDemoRunReadsBackWhole(@TempDir Path tmp) throws Exception {
    // opt-in, so that a stale run left in a working tree by older code never decides a build
    String given = System.getProperty("connectome.readDemoRun");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        given != null,
        "-Dconnectome.readDemoRun=RUN_DIR reads a demo run back (work/demo/runs/demo/r1)");
    Path run = FieldReaders.repoRoot().resolve(given);
    assertTrue(
        Files.isRegularFile(run.resolve(SynapseIndex.FOLDER).resolve("info")),
        "no demo run in " + run);
    Map<String, Object> manifest = new LinkedHashMap<>();
    Path expected = Files.createDirectories(tmp.resolve("expected"));
    manifest.put(
        "volumes",
        List.of(
            volume(RunVolumes.neuroglancerImage(run), expected, "image", 2),
            volume(RunVolumes.neuroglancerSegmentation(run), expected, "segmentation", 0)));
    manifest.put(
        "meshes",
        Map.of(
            "path",
            RunVolumes.neuroglancerSegmentation(run).toString(),
            "segments",
            meshes(RunVolumes.neuroglancerSegmentation(run).resolve("mesh"))));
    var props =
        JSON.readTree(
                RunVolumes.neuroglancerSegmentation(run)
                    .resolve("segment_properties/info")
                    .toFile())
            .path("inline");
    List<String> ids = new ArrayList<>();
    props.path("ids").forEach(n -> ids.add(n.asText()));
    List<String> labels = new ArrayList<>();
    props.path("properties").get(0).path("values").forEach(n -> labels.add(n.asText()));
    manifest.put(
        "segment_properties",
        Map.of(
            "path",
            RunVolumes.neuroglancerSegmentation(run).resolve("segment_properties").toString(),
            "ids",
            ids,
            "labels",
            labels));
    List<Object> byId = new ArrayList<>();
    Map<String, Map<String, List<Long>>> related = new LinkedHashMap<>();
    for (SynapseIndex.Entry e :
        SynapseIndex.readTables(run.resolve("stages/synapses/detect/output"))) {
      Annotations.Point p = SynapseIndex.point(e);
      List<List<Long>> rel = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        List<Long> objs = new ArrayList<>();
        for (long o : p.related()[r]) {
          objs.add(o);
          related
              .computeIfAbsent(
                  "rel_" + (r == 0 ? SynapseIndex.PRE : SynapseIndex.POST), k -> new TreeMap<>())
              .computeIfAbsent(Long.toUnsignedString(o), k -> new ArrayList<>())
              .add(p.id());
        }
        rel.add(objs);
      }
      byId.add(Map.of("id", p.id(), "position", p.position(), "related", rel));
    }
    manifest.put(
        "annotations",
        Map.of(
            "path",
            run.resolve(SynapseIndex.FOLDER).toString(),
            "by_id",
            byId,
            "related",
            related,
            // synapses.tsv keeps x and y to two decimals
            "position_tolerance",
            0.006));
    Path file = tmp.resolve("manifest.json");
    JSON.writeValue(file.toFile(), manifest);
    FieldReaders.Result r = FieldReaders.readBack(file);
    System.out.println(r.output());
    assertEquals(0, r.exit(), r.output());
  }

  /** Every segment's full-detail mesh as the platform reads it: counts and bounds. */
  static List<Object> meshes(Path meshDir) throws Exception {
    List<Object> meshes = new ArrayList<>();
    for (MeshFolder.Segment s : MeshFolder.read(meshDir)) {
      if (s.fragments().isEmpty()) {
        continue;
      }
      TriangleMesh m = s.fragments().get(0);
      float[] lo = {Float.MAX_VALUE, Float.MAX_VALUE, Float.MAX_VALUE};
      float[] hi = {-Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE};
      for (int i = 0; i < m.vertices().length; i++) {
        lo[i % 3] = Math.min(lo[i % 3], m.vertices()[i]);
        hi[i % 3] = Math.max(hi[i % 3], m.vertices()[i]);
      }
      meshes.add(
          Map.of(
              "id",
              s.id(),
              "vertices",
              m.vertexCount(),
              "faces",
              m.triangleCount(),
              "min",
              lo,
              "max",
              hi,
              "tolerance",
              0.01));
    }
    return meshes;
  }

  /** Every scale of a volume as the platform reads it, raw little-endian, for the manifest. */
  static Map<String, Object> volume(Path root, Path expected, String name, int tolerance)
      throws Exception {
    PrecomputedVolume v = PrecomputedVolume.open(root);
    List<Object> scales = new ArrayList<>();
    for (int k = 0; k < v.info().scales().size(); k++) {
      VolumeInfo.Scale s = v.info().scale(k);
      Box all = new Box(new Vec3(0, 0, 0), new Vec3(s.size()[0], s.size()[1], s.size()[2]));
      Path f = expected.resolve(name + "-" + k + ".bin");
      String dtype;
      if (v.info().type().equals(VolumeInfo.IMAGE)) {
        ByteVolume b = v.readImage(k, all);
        Files.write(f, b.data());
        dtype = "uint8";
      } else {
        LabelVolume l = v.readLabels(k, all);
        ByteBuffer buf = ByteBuffer.allocate(8 * l.data().length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : l.data()) {
          buf.putLong(x);
        }
        Files.write(f, buf.array());
        dtype = "uint64";
      }
      scales.add(
          Map.of(
              "index", k,
              "size", s.size(),
              "dtype", dtype,
              "expected", f.toString(),
              "tolerance", tolerance));
    }
    return Map.of("path", root.toString(), "scales", scales);
  }
}
