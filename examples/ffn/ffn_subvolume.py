#!/usr/bin/env python3
"""Runs google/ffn on one subvolume of a run's aligned volume, for the platform's segment.inference step.

The platform plans segment.inference as subvolumes of `subvolumeSize` with `subvolumeOverlap` (one unit per task:
`unitsPerTask: 1`), and hands each task its subvolume's box with overlap through the command template's `{bbox}`
(`x0-x1_y0-y1_z0-z1`, end exclusive, voxels of the aligned volume). This wrapper

1. reads that box of `volumes/aligned/` (Neuroglancer precomputed, raw uint8, one scale) into a (z, y, x) array
   and writes it to an HDF5 file, the image source FFN's open-source inference reads (`image { hdf5: ... }`);
2. runs FFN's `inference.Runner` over the whole file (corner (0, 0, 0), size = the box), as `run_inference.py`
   does with `--bounding_box`, with the checkpoint, model and options given on the command line;
3. sets the voxels that no tile imaged (aligned value 0) to 0 (unsegmented), and stores FFN's own npz, with every
   key FFN wrote, at `storage.segmentation_path(output, (z0, y0, x0))`: `<output>/<x0>/<y0>/seg-<x0>_<y0>_<z0>.npz`,
   the corner being the box's start in the aligned volume. segment.overlaps, segment.reconcile and
   segment.relabel read exactly that (the platform's reference inference writes the same layout).

The file appears atomically (temporary name, then rename) and the script exits 0 only once it is in place: the
executor then writes the unit's completion marker. A rerun whose file exists exits 0 at once.
"""
import argparse
import json
import os
import re
import sys
import tempfile

import numpy as np


def parse_bbox(text):
    m = re.fullmatch(r"(\d+)-(\d+)_(\d+)-(\d+)_(\d+)-(\d+)", text)
    if not m:
        sys.exit("--bbox must be x0-x1_y0-y1_z0-z1, not %r" % text)
    x0, x1, y0, y1, z0, z1 = map(int, m.groups())
    if x1 <= x0 or y1 <= y0 or z1 <= z0:
        sys.exit("--bbox %s is empty" % text)
    return (x0, y0, z0), (x1, y1, z1)


def read_aligned(root, start, end):
    """The box [start, end) of a raw uint8 precomputed volume, as a (z, y, x) array."""
    with open(os.path.join(root, "info")) as f:
        info = json.load(f)
    scale = info["scales"][0]
    if info["data_type"] != "uint8" or scale["encoding"] != "raw":
        sys.exit("%s: expected raw uint8, found %s %s" % (root, info["data_type"], scale["encoding"]))
    size = scale["size"]
    chunk = scale["chunk_sizes"][0]
    out = np.zeros((end[2] - start[2], end[1] - start[1], end[0] - start[0]), dtype=np.uint8)
    for cz in range(start[2] // chunk[2] * chunk[2], end[2], chunk[2]):
        for cy in range(start[1] // chunk[1] * chunk[1], end[1], chunk[1]):
            for cx in range(start[0] // chunk[0] * chunk[0], end[0], chunk[0]):
                c1 = [min(cx + chunk[0], size[0]), min(cy + chunk[1], size[1]), min(cz + chunk[2], size[2])]
                name = "%d-%d_%d-%d_%d-%d" % (cx, c1[0], cy, c1[1], cz, c1[2])
                data = np.fromfile(os.path.join(root, scale["key"], name), dtype=np.uint8)
                data = data.reshape(c1[2] - cz, c1[1] - cy, c1[0] - cx)
                lo = [max(start[0], cx), max(start[1], cy), max(start[2], cz)]
                hi = [min(end[0], c1[0]), min(end[1], c1[1]), min(end[2], c1[2])]
                out[lo[2] - start[2]:hi[2] - start[2], lo[1] - start[1]:hi[1] - start[1],
                    lo[0] - start[0]:hi[0] - start[0]] = data[lo[2] - cz:hi[2] - cz, lo[1] - cy:hi[1] - cy,
                                                              lo[0] - cx:hi[0] - cx]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bbox", required=True, help="the subvolume with overlap, x0-x1_y0-y1_z0-z1")
    p.add_argument("--aligned", required=True, help="the run's volumes/aligned folder")
    p.add_argument("--output", required=True, help="the step's output folder ({stepDir}/output)")
    p.add_argument("--checkpoint", required=True, help="model_checkpoint_path")
    p.add_argument("--model-name", default="convstack_3d.ConvStack3DFFNModel")
    p.add_argument("--model-args", default='{"depth": 12, "fov_size": [33, 33, 17], "deltas": [8, 8, 4]}')
    p.add_argument("--image-mean", type=float, default=128)
    p.add_argument("--image-stddev", type=float, default=33)
    p.add_argument("--inference-options", default="init_activation: 0.95 pad_value: 0.05 move_threshold: 0.9 "
                   "min_boundary_dist { x: 1 y: 1 z: 1 } segment_threshold: 0.6 min_segment_size: 1000",
                   help="InferenceOptions in protobuf text format")
    a = p.parse_args()

    from ffn.inference import inference
    from ffn.inference import inference_pb2
    from ffn.inference import storage
    from google.protobuf import text_format
    import h5py

    start, end = parse_bbox(a.bbox)
    corner = (start[2], start[1], start[0])
    target = storage.segmentation_path(a.output, corner)
    if os.path.exists(target):
        return 0
    image = read_aligned(a.aligned, start, end)
    with tempfile.TemporaryDirectory(prefix="ffn-") as tmp:
        h5 = os.path.join(tmp, "image.h5")
        with h5py.File(h5, "w") as f:
            f.create_dataset("raw", data=image)
        out = os.path.join(tmp, "out")
        request = inference_pb2.InferenceRequest()
        text_format.Parse(
            'image { hdf5: "%s:raw" } image_mean: %g image_stddev: %g checkpoint_interval: 0 '
            'seed_policy: "PolicyPeaks" model_checkpoint_path: "%s" model_name: "%s" model_args: %s '
            'segmentation_output_dir: "%s" inference_options { %s }'
            % (h5, a.image_mean, a.image_stddev, a.checkpoint, a.model_name, json.dumps(a.model_args), out,
               a.inference_options), request)
        runner = inference.Runner()
        runner.start(request)
        runner.run((0, 0, 0), image.shape)
        produced = storage.segmentation_path(out, (0, 0, 0))
        with np.load(produced, allow_pickle=True) as d:
            arrays = {k: d[k] for k in d.files}
        seg = arrays["segmentation"]
        if seg.shape != image.shape:
            sys.exit("FFN wrote a segmentation of %s for a box of %s" % (seg.shape, image.shape))
        seg[image == 0] = 0  # not imaged: unsegmented, as the reference leaves it
        os.makedirs(os.path.dirname(target), exist_ok=True)
        part = target + ".tmp-%d" % os.getpid()
        with open(part, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
