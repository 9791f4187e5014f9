package org.connectome.stages.compress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.pipeline.CompressPlanners.Part;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * {@code compress.pyramid<k>}: one scale more of the image and of the segmentation (the last
 * pyramid step: every scale left), read by unit from the scale below ({@link
 * CompressPlanners#units}). A unit is a shard (or, unsharded, a block) of one scale of one volume;
 * it reads the box it covers in the scale below this step's first scale, averages (image) or takes
 * the most frequent label (segmentation) scale by scale, and writes the box whole. The volumes'
 * info files, written by compress.image and compress.segmentation, already list every scale.
 */
public final class CompressPyramidRunner implements UnitRunner {
  private final Path runDir;
  private final StepLayout layout;
  private final List<Part> parts;
  private final CompressParams imageParams;
  private final CompressParams segmentationParams;
  private PrecomputedVolume image;
  private PrecomputedVolume segmentation;

  CompressPyramidRunner(
      Path runDir, StepLayout layout, Map<String, Object> params, BlockGrid grid) {
    this.runDir = runDir;
    this.layout = layout;
    this.parts = CompressPlanners.units(params, grid.volume());
    this.imageParams = CompressParams.image(CompressPlanners.volumeParams(params, "image"));
    this.segmentationParams =
        CompressParams.segmentation(CompressPlanners.volumeParams(params, "segmentation"));
  }

  public static CompressPyramidRunner create(TaskDefinition def, StepLayout layout)
      throws BadDefinitionException {
    BlockGrid grid = CompressImageRunner.grid(def);
    try {
      return new CompressPyramidRunner(Path.of(def.runDir()), layout, def.params(), grid);
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    Part part = part(unit.unit());
    Box box = part.units().core(unit.unit() - part.first());
    boolean isImage = part.volume().equals("image");
    int from = part.plan().compressTop() + stepNumber(part);
    String what =
        layout.dir().getFileName()
            + " unit "
            + unit.unit()
            + " ("
            + part.volume()
            + " scale "
            + part.level()
            + " "
            + box.chunkName()
            + ")";
    CompressParams params = isImage ? imageParams : segmentationParams;
    try {
      PrecomputedVolume v = isImage ? image() : segmentation();
      if (v == null) {
        new CompressStats(
                unit.unit(),
                box.chunkName(),
                params.encoding().json(),
                0,
                0,
                0,
                0,
                List.of(),
                "no " + RunVolumes.NG_SEGMENTATION + " (whenNoSegmentation: skip)",
                "segmentation")
            .write(layout.outputDir());
        return;
      }
      List<CompressStats.ScaleStats> stats =
          isImage
              ? ScaleUnits.write(
                  Voxels.IMAGE,
                  v,
                  from - 1,
                  from - 1,
                  v,
                  part.plan(),
                  part.level(),
                  part.level(),
                  box)
              : ScaleUnits.write(
                  Voxels.LABELS,
                  v,
                  from - 1,
                  from - 1,
                  v,
                  part.plan(),
                  part.level(),
                  part.level(),
                  box);
      CompressStats s = CompressStats.of(part.volume(), unit.unit(), box, params, 0, stats);
      s.write(layout.outputDir());
    } catch (NoSuchFileException e) {
      throw new UnitException(
          what
              + ": missing input "
              + e.getFile()
              + (e.getReason() == null ? "" : " (" + e.getReason() + ")"),
          true,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnitException(what + ": " + e, true, e);
    }
  }

  /** This step's number k, from the first scale it writes for the part's volume. */
  private int stepNumber(Part part) {
    int first = part.level();
    for (Part p : parts) {
      if (p.volume().equals(part.volume())) {
        first = Math.min(first, p.level());
      }
    }
    return first - part.plan().compressTop();
  }

  private Part part(long unit) throws UnitException {
    for (Part p : parts) {
      if (unit >= p.first() && unit < p.first() + p.units().blockCount()) {
        return p;
      }
    }
    throw new UnitException("unit " + unit + " is outside the pyramid step's units", false);
  }

  private PrecomputedVolume image() throws IOException {
    if (image == null) {
      image =
          PrecomputedVolume.open(RunVolumes.neuroglancerImage(runDir))
              .withJpegQuality(Math.max(1, imageParams.jpegQuality()));
    }
    return image;
  }

  private PrecomputedVolume segmentation() throws IOException {
    Path root = RunVolumes.neuroglancerSegmentation(runDir);
    if (segmentation == null) {
      if (segmentationParams.skipWithoutInput() && !Files.isRegularFile(root.resolve("info"))) {
        return null;
      }
      segmentation = PrecomputedVolume.open(root);
    }
    return segmentation;
  }

  @Override
  public void close() {
    // nothing held open: shard and chunk files are written whole per unit
  }
}
