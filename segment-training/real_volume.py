"""Converts a public real EM volume with dense ground truth into the plain form the evaluation reads.

The volumes are used beside the project for evaluation only and are never committed. Output folder:
  image.raw   uint8, (z, y, x) C order
  labels.raw  uint32 little-endian, (z, y, x); 0 = unlabelled (not scored)
  volume.json {"size": [x, y, z], "voxelSize": [x, y, z] (nm), "source": ...,
               "truthPerSection": true when the labels are a 2D segmentation of each section}

  python real_volume.py neuroproof GRAYSCALE_DIR GROUNDTRUTH_H5 OUT   (janelia-flyem/neuroproof_examples)
  python real_volume.py gala IMAGE_H5 GT_H5 OUT                        (janelia-flyem/gala tests/example-data)
  python real_volume.py isbi2012 IMAGE_DIR LABEL_DIR OUT                (zhixuhao/unet data/membrane/train)
The first two are FIB-SEM of the Drosophila medulla at 10 nm isotropic voxels; the third the ISBI 2012
challenge's training stack, serial-section TEM of the Drosophila ventral nerve cord (30 sections of 512 x 512
px, 4 x 4 x 50 nm), whose labels are membrane masks: each section's cells are the connected regions of its
non-membrane pixels, so it scores the segmentation section by section (membranes unscored).
"""
import glob
import json
import os
import sys

import h5py
import numpy as np
from PIL import Image


def write(out, image, labels, voxel, source, per_section=False):
    os.makedirs(out, exist_ok=True)
    if image.shape != labels.shape:
        raise SystemExit(f"{out}: image {image.shape} and labels {labels.shape} differ")
    image.astype(np.uint8).tofile(os.path.join(out, "image.raw"))
    labels.astype("<u4").tofile(os.path.join(out, "labels.raw"))
    z, y, x = image.shape
    with open(os.path.join(out, "volume.json"), "w") as f:
        meta = {"size": [x, y, z], "voxelSize": voxel, "source": source}
        if per_section:
            meta["truthPerSection"] = True
        json.dump(meta, f, indent=1)
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


def components(mask):
    """4-connected regions of a 2D boolean mask, labelled 1.. (0 outside), by min-label propagation."""
    h, w = mask.shape
    lab = np.where(mask, np.arange(1, h * w + 1).reshape(h, w), 0)
    big = h * w + 1
    while True:
        m = np.where(mask, lab, big)
        n = m.copy()
        n[1:, :] = np.minimum(n[1:, :], m[:-1, :])
        n[:-1, :] = np.minimum(n[:-1, :], m[1:, :])
        n[:, 1:] = np.minimum(n[:, 1:], m[:, :-1])
        n[:, :-1] = np.minimum(n[:, :-1], m[:, 1:])
        n = np.where(mask, n, 0)
        if np.array_equal(n, lab):
            break
        lab = n
    _, dense = np.unique(lab, return_inverse=True)
    return dense.reshape(h, w)  # 0 stays 0: it is the smallest value wherever the mask is off


def isbi2012(image_dir, label_dir, out):
    n = len(glob.glob(os.path.join(image_dir, "*.png")))
    image = np.stack([np.array(Image.open(os.path.join(image_dir, f"{z}.png")).convert("L"))
                      for z in range(n)])
    labels = np.zeros(image.shape, np.int64)
    next_id = 0
    for z in range(n):
        mask = np.array(Image.open(os.path.join(label_dir, f"{z}.png")).convert("L")) > 127
        c = components(mask)
        labels[z] = np.where(c > 0, c + next_id, 0)
        next_id += int(c.max())
    write(out, image, labels, [4, 4, 50], "zhixuhao/unet (ISBI 2012 training stack) " + image_dir, True)


if __name__ == "__main__":
    kind, a, b, out = sys.argv[1:5]
    {"neuroproof": neuroproof, "gala": gala, "isbi2012": isbi2012}[kind](a, b, out)
