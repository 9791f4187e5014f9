package org.connectome.stages;

import java.util.ArrayList;
import java.util.List;
import org.connectome.pipeline.CompressPlanners;
import org.connectome.stages.compress.CompressImageRunner;
import org.connectome.stages.compress.CompressPyramidRunner;
import org.connectome.stages.compress.CompressSegmentationRunner;
import org.connectome.stages.mesh.MeshBlocksRunner;
import org.connectome.stages.mesh.MeshMergeRunner;
import org.connectome.stages.render.AlignRenderRunner;
import org.connectome.stages.segment.SegmentInferenceRunner;
import org.connectome.stages.segment.SegmentMergeRunner;
import org.connectome.stages.segment.SegmentOverlapsRunner;
import org.connectome.stages.segment.SegmentReconcileRunner;
import org.connectome.stages.segment.SegmentRelabelRunner;
import org.connectome.stages.synapses.SynapseDetectRunner;
import org.connectome.stages.synapses.SynapseIndexRunner;
import org.connectome.tasks.StageCode;

/**
 * The reference implementation that ships, registered with the task entry point. Stages register
 * their steps here as their code lands.
 */
public final class ReferenceStageCode implements StageCode {
  public static final String REFERENCE = "reference";

  /** Pyramid steps registered: 2^40 times fewer voxels than scale 0 at the top. */
  static final int MAX_PYRAMID_STEPS = 40;

  @Override
  public List<Runner> runners() {
    List<Runner> out = new ArrayList<>();
    out.add(
        new Runner(
            REFERENCE, "stitch", "stitch", org.connectome.stages.stitch.StitchUnitRunner::new));
    out.add(
        new Runner(REFERENCE, "align", "pairs", org.connectome.stages.align.AlignPairsRunner::new));
    out.add(
        new Runner(REFERENCE, "align", "solve", org.connectome.stages.align.AlignSolveRunner::new));
    out.add(new Runner(REFERENCE, "align", "render", AlignRenderRunner::create));
    out.add(new Runner(REFERENCE, "segment", "inference", SegmentInferenceRunner::create));
    out.add(new Runner(REFERENCE, "segment", "overlaps", SegmentOverlapsRunner::create));
    out.add(new Runner(REFERENCE, "segment", "reconcile", SegmentReconcileRunner::create));
    out.add(new Runner(REFERENCE, "segment", "merge", SegmentMergeRunner::create));
    out.add(new Runner(REFERENCE, "segment", "relabel", SegmentRelabelRunner::create));
    out.add(new Runner(REFERENCE, "synapses", "detect", SynapseDetectRunner::create));
    out.add(new Runner(REFERENCE, "synapses", "index", SynapseIndexRunner::create));
    out.add(new Runner(REFERENCE, "compress", "image", CompressImageRunner::create));
    out.add(new Runner(REFERENCE, "compress", "segmentation", CompressSegmentationRunner::create));
    // the pyramid steps are as many as the volume has scales above compress (CompressPlanners)
    for (int k = 1; k <= MAX_PYRAMID_STEPS; k++) {
      out.add(
          new Runner(
              REFERENCE, "compress", CompressPlanners.PYRAMID + k, CompressPyramidRunner::create));
    }
    out.add(new Runner(REFERENCE, "mesh", "blocks", MeshBlocksRunner::create));
    out.add(new Runner(REFERENCE, "mesh", "merge", MeshMergeRunner::create));
    return out;
  }
}
