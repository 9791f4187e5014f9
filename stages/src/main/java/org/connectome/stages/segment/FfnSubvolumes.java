package org.connectome.stages.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.connectome.pipeline.Box;
import org.connectome.stages.precomputed.LabelVolume;

/**
 * Where and how google/ffn stores a subvolume's segmentation, the contract between {@code
 * segment.inference} (FFN's container or the reference) and the steps after it.
 *
 * <p>FFN's {@code storage.segmentation_path(output_dir, corner)} with the subvolume's corner {@code
 * (z, y, x)} is {@code <output_dir>/<x>/<y>/seg-<x>_<y>_<z>.npz} (older runs wrote {@code
 * <output_dir>/seg-<x>_<y>_<z>.npz}, which FFN still reads, and so does this class). The file is
 * {@code np.savez_compressed} with a {@code segmentation} array of the subvolume's shape in {@code
 * (z, y, x)} order, its dtype reduced to the narrowest unsigned integer that holds the largest id
 * ({@code segmentation.reduce_id_bits}), 0 for unsegmented voxels; FFN adds {@code origins} (a
 * pickled dictionary of seed positions), {@code request}, {@code counters} and {@code overlaps},
 * which are not read here. The corner is the subvolume's start with its overlap (the bounding box
 * FFN was given), in the voxels of the aligned volume: {@code output_dir} is the inference step's
 * {@code output/} folder.
 */
public final class FfnSubvolumes {
  /** The array FFN stores the labels in. */
  public static final String SEGMENTATION = "segmentation";

  private FfnSubvolumes() {}

  /** FFN's path of the subvolume whose box (with overlap) starts at {@code (x, y, z)}. */
  public static Path segmentationPath(Path outputDir, long x, long y, long z) {
    return outputDir.resolve(Long.toString(x)).resolve(Long.toString(y)).resolve(name(x, y, z));
  }

  public static Path segmentationPath(Path outputDir, Box box) {
    return segmentationPath(outputDir, box.start().x(), box.start().y(), box.start().z());
  }

  /** FFN's older flat path ({@code legacy_segmentation_path}). */
  public static Path legacyPath(Path outputDir, long x, long y, long z) {
    return outputDir.resolve(name(x, y, z));
  }

  private static String name(long x, long y, long z) {
    return "seg-" + x + "_" + y + "_" + z + ".npz";
  }

  /** The existing file of the subvolume {@code box}: the nested path, else the legacy one. */
  public static Path existing(Path outputDir, Box box) throws NoSuchFileException {
    Path p = segmentationPath(outputDir, box);
    if (Files.isRegularFile(p)) {
      return p;
    }
    Path legacy = legacyPath(outputDir, box.start().x(), box.start().y(), box.start().z());
    if (Files.isRegularFile(legacy)) {
      return legacy;
    }
    throw new NoSuchFileException(
        p.toString(), null, "no FFN segmentation of subvolume " + box.chunkName());
  }

  /** The shape FFN gives the subvolume {@code box}: {@code (z, y, x)}. */
  public static long[] shape(Box box) {
    return new long[] {box.size().z(), box.size().y(), box.size().x()};
  }

  /** Writes a subvolume's labels as FFN does (narrowest unsigned dtype, deflated, atomically). */
  public static Path write(Path outputDir, Box box, LabelVolume labels) throws IOException {
    if (labels.sx() != box.size().x()
        || labels.sy() != box.size().y()
        || labels.sz() != box.size().z()) {
      throw new IllegalArgumentException(
          "labels of "
              + labels.sx()
              + "x"
              + labels.sy()
              + "x"
              + labels.sz()
              + " for subvolume "
              + box.chunkName());
    }
    Map<String, Npz.Array> arrays = new LinkedHashMap<>();
    // LabelVolume's order (x fastest, then y, then z) is C order of a (z, y, x) array
    arrays.put(
        SEGMENTATION,
        new Npz.Array(Npz.narrowestUnsigned(labels.data()), shape(box), labels.data()));
    Path p = segmentationPath(outputDir, box);
    Npz.write(p, arrays, true);
    return p;
  }

  /**
   * Reads the part {@code region} (absolute voxels, inside {@code box}) of the subvolume {@code
   * box}'s labels.
   *
   * @throws IOException naming the file when it is missing, not FFN's format, or of another shape
   *     than the box
   */
  public static LabelVolume read(Path outputDir, Box box, Box region) throws IOException {
    Path p = existing(outputDir, box);
    int nx = Math.toIntExact(region.size().x());
    int ny = Math.toIntExact(region.size().y());
    int nz = Math.toIntExact(region.size().z());
    long[] v =
        Npz.readBox(
            p,
            SEGMENTATION,
            shape(box),
            Math.toIntExact(region.start().z() - box.start().z()),
            Math.toIntExact(region.start().y() - box.start().y()),
            Math.toIntExact(region.start().x() - box.start().x()),
            nz,
            ny,
            nx);
    return new LabelVolume(nx, ny, nz, 1, v);
  }
}
