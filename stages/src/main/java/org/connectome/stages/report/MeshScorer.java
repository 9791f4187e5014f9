package org.connectome.stages.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.connectome.pipeline.Json;
import org.connectome.stages.mesh.MeshBlocksRunner;
import org.connectome.stages.mesh.MeshFolder;
import org.connectome.stages.mesh.MeshParams;
import org.connectome.stages.mesh.TriangleMesh;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.stitch.Stats;

/**
 * Meshes: what {@code neuroglancer/segmentation/<mesh>/} holds, read back as Neuroglancer reads it.
 * Manifests, meshes with triangles, vertices, triangles (total, per mesh), bytes, and the share of
 * closed meshes (every edge joins exactly two triangles, oriented consistently); segments that
 * mesh.merge saw without a manifest (the viewer would never finish loading them); the
 * simplification's reduction (mesh.blocks' triangle counts before and after). Against the
 * segmentation, per segment of at least {@value #MIN_VOXELS} voxels: the mesh's enclosed volume
 * over its voxels' volume (a voxelised surface cuts its edges and corners, so a little below 1).
 */
public final class MeshScorer implements StageScorer {
  /** Segments this small are left out of the volume check: their chamfers dominate. */
  public static final long MIN_VOXELS = 1000;

  @Override
  public String stage() {
    return "mesh";
  }

  @Override
  public Optional<Map<String, Object>> score(ReportContext ctx) throws IOException {
    Path dir = RunVolumes.neuroglancerSegmentation(ctx.runDir()).resolve(folder(ctx));
    Path merge = ctx.stepOutput("mesh", "merge");
    if (!Files.isDirectory(dir) && !Files.isDirectory(merge)) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("folder", ctx.runDir().relativize(dir).toString());
    String type = MeshFolder.type(dir);
    boolean infoOk =
        "neuroglancer_legacy_mesh".equals(type) || "neuroglancer_multilod_draco".equals(type);
    m.put("info", infoOk);
    m.put("format", type);
    Map<Long, Long> voxels = segmentVoxels(merge);
    int manifests = 0;
    int meshes = 0;
    int closed = 0;
    long vertices = 0;
    long triangles = 0;
    List<Double> perMesh = new ArrayList<>();
    List<Double> volumeRatio = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    double voxelVolume = voxelVolume(ctx);
    Map<Long, Boolean> seen = new HashMap<>();
    for (MeshFolder.Segment seg : MeshFolder.read(dir)) {
      manifests++;
      seen.put(seg.id(), true);
      if (seg.error() != null) {
        broken.add(seg.error());
        continue;
      }
      long v = 0;
      long t = 0;
      double volume = 0;
      boolean ok = !seg.fragments().isEmpty();
      for (TriangleMesh mesh : seg.fragments()) {
        v += mesh.vertexCount();
        t += mesh.triangleCount();
        volume += mesh.signedVolume();
        ok &= mesh.isWatertight();
      }
      if (t > 0) {
        meshes++;
        closed += ok ? 1 : 0;
        perMesh.add((double) t);
        Long n = voxels.get(seg.id());
        if (n != null && n >= MIN_VOXELS && voxelVolume > 0) {
          volumeRatio.add(volume / (n * voxelVolume));
        }
      }
      vertices += v;
      triangles += t;
    }
    long missing = voxels.keySet().stream().filter(id -> !seen.containsKey(id)).count();
    long bytes = Files.isDirectory(dir) ? DiskUsage.bytes(dir) : 0;
    m.put("segments", voxels.size());
    m.put("manifests", manifests);
    m.put("missingManifests", missing);
    m.put("meshes", meshes);
    m.put("emptyManifests", manifests - meshes);
    m.put("closedMeshes", closed);
    m.put("closedShare", meshes == 0 ? null : Stats.r3((double) closed / meshes));
    m.put("vertices", vertices);
    m.put("triangles", triangles);
    double[] pm = perMesh.stream().mapToDouble(Double::doubleValue).toArray();
    m.put("trianglesPerMeshMedian", Stats.r3(Stats.median(pm)));
    m.put("trianglesPerMeshP95", Stats.r3(Stats.quantile(pm, 0.95)));
    m.put("trianglesPerMeshMax", Stats.r3(Stats.max(pm)));
    m.put("bytes", bytes);
    m.put("bytesPerMesh", meshes == 0 ? null : bytes / meshes);
    if (!broken.isEmpty()) {
      m.put("unreadable", broken.subList(0, Math.min(10, broken.size())));
    }
    long[] simplification = blockTriangles(ctx.stepOutput("mesh", "blocks"));
    if (simplification[0] > 0) {
      m.put("blockTrianglesBeforeSimplification", simplification[0]);
      m.put("blockTrianglesAfterSimplification", simplification[1]);
      m.put("simplificationKept", Stats.r3((double) simplification[1] / simplification[0]));
    }
    String check = "";
    if (!volumeRatio.isEmpty()) {
      double[] r = volumeRatio.stream().mapToDouble(Double::doubleValue).toArray();
      Map<String, Object> vc = new LinkedHashMap<>();
      vc.put("segments", r.length);
      vc.put("minVoxels", MIN_VOXELS);
      vc.put("meshOverVoxelVolumeMedian", Stats.r3(Stats.median(r)));
      vc.put("meshOverVoxelVolumeP5", Stats.r3(Stats.quantile(r, 0.05)));
      vc.put("meshOverVoxelVolumeP95", Stats.r3(Stats.quantile(r, 0.95)));
      m.put("volumeCheck", vc);
      check = String.format("; mesh / voxel volume median %.3f", Stats.median(r));
    }
    m.put(
        "summary",
        String.format(
            "%d meshes (%d closed%s), %d triangles, %s; %d of %d segments without a"
                + " manifest%s%s",
            meshes,
            closed,
            meshes == 0 ? "" : String.format(", %.0f%%", 100.0 * closed / meshes),
            triangles,
            DiskUsage.human(bytes),
            missing,
            voxels.size(),
            infoOk ? "" : "; mesh info MISSING",
            check));
    return Optional.of(m);
  }

  /**
   * The mesh folder: as the segmentation's info names it, else mesh.merge's params, else {@code
   * mesh}.
   */
  private static String folder(ReportContext ctx) throws IOException {
    Path info = RunVolumes.neuroglancerSegmentation(ctx.runDir()).resolve("info");
    if (Files.isRegularFile(info)) {
      JsonNode j = Json.mapper().readTree(info.toFile());
      if (j.hasNonNull("mesh")) {
        return j.get("mesh").asText();
      }
    }
    Path step = ctx.runDir().resolve("stages/mesh/merge/step.json");
    if (Files.isRegularFile(step)) {
      JsonNode p = Json.mapper().readTree(step.toFile()).path("params");
      if (p.hasNonNull("mesh")) {
        return p.get("mesh").asText();
      }
    }
    return MeshParams.DEFAULT_FOLDER;
  }

  /** Per segment mesh.merge wrote, its voxels (from the shards' {@code s<k>.tsv}). */
  static Map<Long, Long> segmentVoxels(Path mergeOutput) throws IOException {
    Map<Long, Long> out = new HashMap<>();
    Path shards = mergeOutput.resolve("shards");
    if (!Files.isDirectory(shards)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(shards, 2)) {
      for (Path p : s.filter(p -> p.getFileName().toString().matches("s\\d+\\.tsv")).toList()) {
        for (String line : Files.readAllLines(p)) {
          if (line.isBlank() || line.startsWith("#")) {
            continue;
          }
          String[] f = line.split("\t");
          out.put(Long.parseUnsignedLong(f[0]), Long.parseLong(f[1]));
        }
      }
    }
    return out;
  }

  /** mesh.blocks' triangles before and after simplification, summed over its stats files. */
  static long[] blockTriangles(Path blocksOutput) throws IOException {
    long[] out = new long[2];
    Path stats = blocksOutput.resolve("stats");
    if (!Files.isDirectory(stats)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(stats, 2)) {
      for (Path p : s.filter(p -> p.getFileName().toString().matches("u\\d+\\.json")).toList()) {
        MeshBlocksRunner.Stats st =
            Json.mapper().readValue(p.toFile(), MeshBlocksRunner.Stats.class);
        out[0] += st.rawTriangles();
        out[1] += st.triangles();
      }
    }
    return out;
  }

  /** The volume of one voxel (nm^3) from the segmentation's resolution, or 0 when unknown. */
  private static double voxelVolume(ReportContext ctx) throws IOException {
    for (Path info :
        List.of(
            RunVolumes.segmentation(ctx.runDir()).resolve("info"),
            RunVolumes.neuroglancerSegmentation(ctx.runDir()).resolve("info"))) {
      if (Files.isRegularFile(info)) {
        JsonNode r =
            Json.mapper().readTree(info.toFile()).path("scales").path(0).path("resolution");
        if (r.size() == 3) {
          return r.get(0).asDouble() * r.get(1).asDouble() * r.get(2).asDouble();
        }
      }
    }
    return 0;
  }
}
