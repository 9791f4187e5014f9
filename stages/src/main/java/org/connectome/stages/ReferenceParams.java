package org.connectome.stages;

import java.util.List;
import org.connectome.pipeline.Planners;
import org.connectome.spec.Param;
import org.connectome.stages.align.AlignPairsRunner;
import org.connectome.stages.align.AlignSolveRunner;
import org.connectome.stages.compress.CompressParams;
import org.connectome.stages.mesh.MeshParams;
import org.connectome.stages.render.VoxelSize;
import org.connectome.stages.segment.SegmentParams;
import org.connectome.stages.segment.SegmentReconcileRunner;
import org.connectome.stages.stitch.StitchParams;
import org.connectome.stages.synapses.DetectParams;
import org.connectome.stages.synapses.SynapseIndexRunner;
import org.connectome.tasks.StepParameters;

/** The parameters each step of the reference implementation reads, besides the planner's. */
public final class ReferenceParams implements StepParameters {
  @Override
  public List<Declaration> declarations() {
    String ref = ReferenceStageCode.REFERENCE;
    List<Param<?>> voxelSize = List.of(VoxelSize.PARAM);
    return List.of(
        new Declaration(ref, "stitch", "stitch", StitchParams.PARAMS),
        new Declaration(ref, "align", "pairs", AlignPairsRunner.PARAMS),
        new Declaration(ref, "align", "solve", AlignSolveRunner.PARAMS),
        new Declaration(ref, "align", "render", voxelSize),
        new Declaration(ref, "segment", "inference", SegmentParams.PARAMS),
        new Declaration(ref, "segment", "overlaps", List.of()),
        new Declaration(ref, "segment", "reconcile", SegmentReconcileRunner.Params.PARAMS),
        // merge reads the reconcile step's parameters from its definition: both see one shard cut
        new Declaration(ref, "segment", "merge", List.of()),
        new Declaration(ref, "segment", "relabel", voxelSize),
        // detect writes the index itself when it is the last block (params.index: last-block)
        new Declaration(
            ref,
            "synapses",
            "detect",
            concat(DetectParams.PARAMS, SynapseIndexRunner.SHARDING_PARAMS)),
        new Declaration(
            ref,
            "synapses",
            "index",
            concat(DetectParams.PARAMS, SynapseIndexRunner.SHARDING_PARAMS)),
        new Declaration(ref, "compress", "image", CompressParams.IMAGE_PARAMS),
        new Declaration(ref, "compress", "segmentation", CompressParams.SEGMENTATION_PARAMS),
        // blocks files each block under the merge units of its segments: it reads mergeShards too
        new Declaration(
            ref,
            "mesh",
            "blocks",
            concat(concat(voxelSize, MeshParams.PARAMS), List.of(Planners.MERGE_SHARDS))),
        new Declaration(ref, "mesh", "merge", MeshParams.PARAMS));
  }

  private static List<Param<?>> concat(List<Param<?>> a, List<Param<?>> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
