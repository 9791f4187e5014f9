package org.connectome.stages.segment;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.connectome.pipeline.Json;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * What {@code segment.overlaps} records of one subvolume ({@code output/<unit /
 * 1000>/s<unit>.json}): the voxel count of every local segment in the subvolume's core (each voxel
 * of the volume lies in exactly one core, so a global segment's voxel count is the sum over its
 * members), and for each later neighbour whose box (with overlap) meets this one, the co-occurrence
 * counts of (this subvolume's id, the neighbour's id) over the shared region, with both sides'
 * per-id counts in that region. Ids are the local labels of the subvolumes' FFN files (0, the
 * unsegmented voxels, is left out everywhere).
 *
 * @param unit the subvolume
 * @param box its box with overlap, {@code x0-x1_y0-y1_z0-z1}
 * @param core its core
 * @param coreVoxels {@code [id, voxels]} of every id present in the core, ids ascending
 * @param neighbours the later neighbours sharing voxels, units ascending
 */
@JsonPropertyOrder({"unit", "box", "core", "coreVoxels", "neighbours"})
public record SubvolumeOverlaps(
    long unit, String box, String core, long[][] coreVoxels, List<Neighbour> neighbours) {

  /**
   * One shared region.
   *
   * @param unit the neighbour subvolume (a later unit)
   * @param region the region both boxes cover
   * @param pairs {@code [idA, idB, voxels]}: voxels labelled {@code idA} here and {@code idB} in
   *     the neighbour
   * @param countsA {@code [idA, voxels]}: this subvolume's ids in the region
   * @param countsB {@code [idB, voxels]}: the neighbour's ids in the region
   */
  @JsonPropertyOrder({"unit", "region", "pairs", "countsA", "countsB"})
  public record Neighbour(
      long unit, String region, long[][] pairs, long[][] countsA, long[][] countsB) {}

  public static Path file(Path outputDir, long unit) {
    return SegmentSteps.unitFile(outputDir, unit, "s", ".json");
  }

  public void write(Path outputDir) throws IOException {
    AtomicFiles.write(file(outputDir, unit), Json.bytes(this));
  }

  public static SubvolumeOverlaps read(Path outputDir, long unit) throws IOException {
    Path f = file(outputDir, unit);
    if (!java.nio.file.Files.isRegularFile(f)) {
      throw new NoSuchFileException(
          f.toString(), null, "segment.overlaps has not written subvolume " + unit);
    }
    return Json.mapper().readValue(f.toFile(), SubvolumeOverlaps.class);
  }

  /** {@code [key, count]} rows of a count map, keys ascending. */
  static long[][] rows(LongCounts counts) {
    long[] keys = counts.sortedKeys();
    long[][] out = new long[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      out[i] = new long[] {keys[i], counts.get(keys[i])};
    }
    return out;
  }
}
