package org.connectome.stages.precomputed;

import java.nio.file.Path;

/** Where a run keeps its volumes (docs/data-layout.md), relative to the run folder. */
public final class RunVolumes {
  /** The aligned image, raw uint8, one scale (align.render). */
  public static final String ALIGNED = "volumes/aligned";

  /** The global segmentation, raw uint64 or uint32, one scale (segment.relabel). */
  public static final String SEGMENTATION = "volumes/segmentation";

  /** What Neuroglancer opens: the served folder. */
  public static final String NEUROGLANCER = "neuroglancer";

  /** The multi-scale image (compress.image). */
  public static final String NG_IMAGE = "neuroglancer/image";

  /**
   * The multi-scale segmentation (compress.segmentation; meshes and segment properties beside its
   * scales).
   */
  public static final String NG_SEGMENTATION = "neuroglancer/segmentation";

  private RunVolumes() {}

  public static Path aligned(Path runDir) {
    return runDir.resolve(ALIGNED);
  }

  public static Path segmentation(Path runDir) {
    return runDir.resolve(SEGMENTATION);
  }

  public static Path neuroglancer(Path runDir) {
    return runDir.resolve(NEUROGLANCER);
  }

  public static Path neuroglancerImage(Path runDir) {
    return runDir.resolve(NG_IMAGE);
  }

  public static Path neuroglancerSegmentation(Path runDir) {
    return runDir.resolve(NG_SEGMENTATION);
  }
}
