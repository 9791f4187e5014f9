package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.Annotations;

/**
 * Point annotations written the way {@code synapses.index} writes them: each point becomes a site
 * of the detect block its voxel lies in, and every unit of {@link IndexPartition} runs over those
 * blocks. For tests of other packages (the field's readers, the viewer).
 */
public final class PartitionedIndexes {
  private PartitionedIndexes() {}

  /**
   * Writes {@code points} (score, contrast, cleft voxels, vesicles; one pre and one post each) as
   * detect blocks of {@code grid} in {@code detectOutputDir}, then the collection in {@code
   * annotationsDir} in units of {@code blocksPerUnit} blocks, sharded.
   *
   * @return the table's entries, with the ids the collection gave
   */
  public static List<SynapseIndex.Entry> write(
      List<Annotations.Point> points,
      BlockGrid grid,
      int blocksPerUnit,
      Path detectOutputDir,
      Path annotationsDir,
      int spatialLimit)
      throws IOException {
    Vec3 g = grid.gridSize();
    Vec3 s = grid.blockSize();
    Map<Long, List<Site>> blocks = new TreeMap<>();
    for (Annotations.Point p : points) {
      // the position is the voxel centre: the site is half a voxel lower
      double[] c = p.position();
      Site site =
          new Site(
              c[0] - 0.5,
              c[1] - 0.5,
              (int) Math.floor(c[2]),
              p.properties()[0],
              p.related()[0][0],
              p.related()[1][0],
              (int) p.properties()[2],
              p.properties()[1],
              (int) p.properties()[3],
              0);
      long b = site.voxelX() / s.x() + g.x() * (site.voxelY() / s.y() + g.y() * (site.z() / s.z()));
      blocks.computeIfAbsent(b, k -> new ArrayList<>()).add(site);
    }
    for (long b = 0; b < grid.blockCount(); b++) {
      List<Site> sites = new ArrayList<>(blocks.getOrDefault(b, List.of()));
      sites.sort(
          Comparator.comparingInt(Site::z)
              .thenComparingDouble(Site::y)
              .thenComparingDouble(Site::x));
      new BlockSites(b, "", "", "h", sites, new long[0]).write(detectOutputDir);
    }
    IndexPartition.Layout layout = new IndexPartition.Layout(grid, blocksPerUnit, true);
    indexAll(
        layout,
        detectOutputDir,
        "h",
        annotationsDir,
        detectOutputDir.resolveSibling("relations"),
        new double[] {8, 8, 33},
        spatialLimit);
    return SynapseIndex.readTables(detectOutputDir);
  }

  /** Both rounds of the index step: every box, then every bucket. */
  public static void indexAll(
      IndexPartition.Layout layout,
      Path detectOutputDir,
      String paramsHash,
      Path annotationsDir,
      Path relationsDir,
      double[] resolutionNm,
      int spatialLimit)
      throws IOException {
    for (long u = 0; u < layout.units(); u++) {
      IndexPartition.box(
          layout,
          u,
          detectOutputDir,
          paramsHash,
          annotationsDir,
          relationsDir,
          resolutionNm,
          spatialLimit);
    }
    for (long u = 0; u < layout.units(); u++) {
      IndexPartition.bucket(layout, u, relationsDir, annotationsDir, resolutionNm);
    }
  }
}
