"""Converts a public real EM volume with dense ground truth into the plain form the evaluation reads.

The volumes are used beside the project for evaluation only and are never committed. Output folder:
  image.raw   uint8, (z, y, x) C order
  labels.raw  uint32 little-endian, (z, y, x); 0 = unlabelled (not scored)
  volume.json {"size": [x, y, z], "voxelSize": [x, y, z] (nm), "source": ...}

  python real_volume.py neuroproof GRAYSCALE_DIR GROUNDTRUTH_H5 OUT   (janelia-flyem/neuroproof_examples)
  python real_volume.py gala IMAGE_H5 GT_H5 OUT                        (janelia-flyem/gala tests/example-data)
Both are FIB-SEM of the Drosophila medulla at 10 nm isotropic voxels.
"""
import glob
import json
import os
import sys

import h5py
import numpy as np
from PIL import Image


def write(out, image, labels, voxel, source):
    os.makedirs(out, exist_ok=True)
    if image.shape != labels.shape:
        raise SystemExit(f"{out}: image {image.shape} and labels {labels.shape} differ")
    image.astype(np.uint8).tofile(os.path.join(out, "image.raw"))
    labels.astype("<u4").tofile(os.path.join(out, "labels.raw"))
    z, y, x = image.shape
    with open(os.path.join(out, "volume.json"), "w") as f:
        json.dump({"size": [x, y, z], "voxelSize": voxel, "source": source}, f, indent=1)
    ids = np.unique(labels)
    print(f"{out}: {x} x {y} x {z}, {len(ids[ids != 0])} labelled objects, "
          f"{np.mean(labels == 0):.3f} unlabelled")


def neuroproof(gray_dir, gt_h5, out):
    files = sorted(glob.glob(os.path.join(gray_dir, "*.png")))
    image = np.stack([np.array(Image.open(p).convert("L")) for p in files])
    with h5py.File(gt_h5, "r") as f:
        stack = f["stack"][()].astype(np.int64)
        body = dict(f["transforms"][()].tolist()) if "transforms" in f else {}
    if body:
        lut = np.arange(stack.max() + 1, dtype=np.int64)
        for sv, b in body.items():
            if sv <= stack.max():
                lut[sv] = b
        stack = lut[stack]
    write(out, image, stack, [10, 10, 10], "janelia-flyem/neuroproof_examples " + gray_dir)


def gala(image_h5, gt_h5, out):
    with h5py.File(image_h5, "r") as f:
        image = f["stack"][()]
    with h5py.File(gt_h5, "r") as f:
        labels = f["stack"][()]
    write(out, image, labels, [10, 10, 10], "janelia-flyem/gala " + image_h5)


if __name__ == "__main__":
    kind, a, b, out = sys.argv[1:5]
    {"neuroproof": neuroproof, "gala": gala}[kind](a, b, out)
